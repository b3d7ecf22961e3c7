/* Fleet mode's pure parts: fnv1a64 and shards, selection, token sources, the exit code
 * aggregation, report pieces and merge. The runs against pdhooks-fake are test_fleet.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/fleet.h"
#include "pdhooks/fleet_report.h"
#include "testutil.h"

Test(fleet_hash, fnv1a64_known_vectors)
{
	/* The published FNV-1a 64-bit test vectors. */
	cr_expect_eq(pdh_fnv1a64("", 0), 0xcbf29ce484222325ULL);
	cr_expect_eq(pdh_fnv1a64("a", 1), 0xaf63dc4c8601ec8cULL);
	cr_expect_eq(pdh_fnv1a64("foobar", 6), 0x85944171f73967e8ULL);
}

Test(fleet_shard, parse_accepts_i_of_n)
{
	pdh_fleet_shard s;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_fleet_shard_parse(&s, "2/5", &err), 0);
	cr_expect(s.set);
	cr_expect_eq(s.index, 2);
	cr_expect_eq(s.count, 5);
}

Test(fleet_shard, parse_refuses_bad_values)
{
	static const char *bad[] = { "", "1", "5/5", "6/5", "-1/5", "0/0", "a/2", "1/ 2",
	                             "0/65537", "1/2/3", "/2", "1/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pdh_fleet_shard s;
		pdh_error err = { 0 };

		cr_expect_eq(pdh_fleet_shard_parse(&s, bad[i], &err), PDH_EINVAL, "%s", bad[i]);
		cr_expect(strstr(err.message, "--shard") != NULL, "%s", err.message);
	}
}

Test(fleet_shard, shards_partition_names_exactly)
{
	char name[32];

	for (unsigned n = 1; n <= 7; n++)
		for (int k = 0; k < 500; k++) {
			unsigned hits = 0;

			snprintf(name, sizeof(name), "acct-%d", k);
			for (unsigned i = 0; i < n; i++) {
				pdh_fleet_shard s = { true, i, n };
				hits += pdh_fleet_shard_holds(&s, name);
			}
			cr_assert_eq(hits, 1, "%s in %u shards", name, n);
		}
}

static pdh_fleet_kv S_kv(const char *k, const char *v)
{
	pdh_fleet_kv kv = { (char *)k, (char *)v };
	return kv;
}

Test(fleet_select, globs_or_labels_or_within_key_and_across)
{
	pdh_fleet_kv la[] = { S_kv("tier", "gold"), S_kv("region", "eu") };
	pdh_fleet_kv lb[] = { S_kv("tier", "silver"), S_kv("region", "us") };
	pdh_fleet_kv lc[] = { S_kv("tier", "gold"), S_kv("region", "us") };
	pdh_fleet_account acc[3];
	pdh_fleet f = { 0 };
	const char *g1[] = { "ac*", "glo*" };
	const char *l1[] = { "tier=gold" };
	const char *l2[] = { "tier=gold", "tier=silver", "region=us" };
	pdh_fleet_selector sel;
	size_t *idx, n;

	memset(acc, 0, sizeof(acc));
	acc[0].name = "acme";   acc[0].labels = la; acc[0].n_labels = 2;
	acc[1].name = "globex"; acc[1].labels = lb; acc[1].n_labels = 2;
	acc[2].name = "initech"; acc[2].labels = lc; acc[2].n_labels = 2;
	f.accounts = acc;
	f.n_accounts = 3;

	memset(&sel, 0, sizeof(sel));
	pdh_fleet_select(&idx, &n, &f, &sel);
	cr_expect_eq(n, 3, "nothing given selects all");
	free(idx);

	sel.globs = g1;
	sel.n_globs = 2;
	pdh_fleet_select(&idx, &n, &f, &sel);
	cr_assert_eq(n, 2);
	cr_expect_eq(idx[0], 0);
	cr_expect_eq(idx[1], 1);
	free(idx);

	sel.labels = l1;
	sel.n_labels = 1;   /* and tier=gold: acme only */
	pdh_fleet_select(&idx, &n, &f, &sel);
	cr_assert_eq(n, 1);
	cr_expect_eq(idx[0], 0);
	free(idx);

	sel.n_globs = 0;
	sel.labels = l2;
	sel.n_labels = 3;   /* (gold or silver) and us: globex, initech */
	pdh_fleet_select(&idx, &n, &f, &sel);
	cr_assert_eq(n, 2);
	cr_expect_eq(idx[0], 1);
	cr_expect_eq(idx[1], 2);
	free(idx);

	{
		const char *none[] = { "nope*" };
		sel.globs = none;
		sel.n_globs = 1;
		pdh_fleet_select(&idx, &n, &f, &sel);
		cr_expect_eq(n, 0);
		cr_expect_null(idx);
	}
}

Test(fleet_select, label_check)
{
	pdh_error err = { 0 };

	cr_expect_eq(pdh_fleet_label_check("tier=gold", &err), 0);
	cr_expect_eq(pdh_fleet_label_check("tier=", &err), 0);
	cr_expect_eq(pdh_fleet_label_check("=gold", &err), PDH_EINVAL);
	cr_expect_eq(pdh_fleet_label_check("tier", &err), PDH_EINVAL);
	cr_expect(strstr(err.message, "KEY=VALUE") != NULL);
}

Test(fleet_exit, precedence_one_five_three_four_two)
{
	int a[] = { 0, 2, 4, 3, 5, 1 };

	cr_expect_eq(pdh_fleet_exit_code(NULL, 0, true), 0);
	cr_expect_eq(pdh_fleet_exit_code(a, 6, true), 1);
	cr_expect_eq(pdh_fleet_exit_code(a, 5, true), 5);
	cr_expect_eq(pdh_fleet_exit_code(a, 4, true), 3);
	cr_expect_eq(pdh_fleet_exit_code(a, 3, true), 4);
	cr_expect_eq(pdh_fleet_exit_code(a, 2, true), 2);
	cr_expect_eq(pdh_fleet_exit_code(a, 2, false), 0);
	cr_expect_eq(pdh_fleet_exit_code(a, 1, true), 0);
	{
		int odd[] = { 0, 130 };
		cr_expect_eq(pdh_fleet_exit_code(odd, 2, false), 1, "an unknown code is an error");
	}
}

Test(fleet_exit, outcomes_map_to_codes_and_names_round_trip)
{
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_IN_SYNC), 0);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_APPLIED), 0);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_CHANGES), 2);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_FAILED), 1);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_UNAVAILABLE), 5);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_REFUSED), 3);
	cr_expect_eq(pdh_fleet_outcome_exit(PDH_FLEET_STALE), 4);
	cr_expect_eq(pdh_fleet_outcome_of(PDH_EUNAVAILABLE), PDH_FLEET_UNAVAILABLE);
	cr_expect_eq(pdh_fleet_outcome_of(PDH_EBRAKE), PDH_FLEET_REFUSED);
	cr_expect_eq(pdh_fleet_outcome_of(PDH_ESTALE), PDH_FLEET_STALE);
	cr_expect_eq(pdh_fleet_outcome_of(PDH_EAUTH), PDH_FLEET_FAILED);
	for (int o = 0; o < PDH_FLEET_OUTCOME_COUNT; o++)
		cr_expect_eq(pdh_fleet_outcome_parse(pdh_fleet_outcome_name((pdh_fleet_outcome)o)), o);
	cr_expect_eq(pdh_fleet_outcome_parse("bogus"), -1);
}

/* ---- tokens ---- */

static pdh_fleet_account S_cmd_account(char **argv)
{
	pdh_fleet_account a;

	memset(&a, 0, sizeof(a));
	a.name = "acme";
	a.token_kind = PDH_TOKEN_COMMAND;
	a.token_argv = argv;
	while (argv[a.token_argc])
		a.token_argc++;
	return a;
}

/* The token command argv (with o) is refused as PDH_EAUTH with no token; the message, which
 * the caller checks and frees. */
static char *S_token_refused(char **argv, const pdh_token_opts *o)
{
	pdh_fleet_account a = S_cmd_account(argv);
	pdh_error err = { 0 };
	char *tok = NULL, warn[256];
	bool bearer;

	cr_assert_eq(pdh_fleet_token(&tok, &bearer, &a, o, warn, sizeof(warn), &err), PDH_EAUTH);
	cr_expect_null(tok);
	return strdup(err.message);
}

/* The same, and the message says says. */
static void S_token_refused_saying(char **argv, const pdh_token_opts *o, const char *says)
{
	char *msg = S_token_refused(argv, o);

	cr_expect(strstr(msg, says) != NULL, "%s", msg);
	free(msg);
}

Test(fleet_token, command_first_line_of_stdout)
{
	char *argv[] = { "sh", "-c", "echo tok-123; echo second-line; echo noise >&2", NULL };
	pdh_fleet_account a = S_cmd_account(argv);
	pdh_error err = { 0 };
	char *tok = NULL, warn[256];
	bool bearer;

	cr_assert_eq(pdh_fleet_token(&tok, &bearer, &a, NULL, warn, sizeof(warn), &err), 0,
	             "%s", err.message);
	cr_expect_str_eq(tok, "tok-123");
	cr_expect_not(bearer);
	pdh_free_secret(tok);
}

Test(fleet_token, command_failure_names_account_and_status_and_stderr_not_stdout)
{
	char *argv[] = { "sh", "-c", "echo SECRET-OUT; printf 'one\\ntwo\\033[31m\\nthree\\nfour\\n' "
	                 ">&2; echo got SECRET-OUT >&2; exit 3", NULL };
	char *msg = S_token_refused(argv, NULL);

	cr_expect(strstr(msg, "account acme") != NULL, "%s", msg);
	cr_expect(strstr(msg, "status 3; it said: one | two\\x1b[31m | three ...") != NULL, "%s",
	          msg);
	cr_expect(strstr(msg, "four") == NULL, "three lines at most: %s", msg);
	cr_expect(strstr(msg, "SECRET") == NULL, "%s", msg);
	free(msg);
}

Test(fleet_token, command_stderr_is_cut_and_the_printed_token_scrubbed)
{
	char *argv[] = { "sh", "-c", "echo tok-SECRET-77; echo \"got tok-SECRET-77 $(printf "
	                 "'%0400d' 0)\" >&2; exit 1", NULL };
	char *msg = S_token_refused(argv, NULL), *said = strstr(msg, "it said: ");

	cr_assert_not_null(said, "%s", msg);
	cr_expect(strncmp(said, "it said: got *** 000", 20) == 0, "%s", msg);
	cr_expect_leq(strlen(said), strlen("it said: ") + 300 + 4, "%s", msg);
	cr_expect(strstr(msg, "SECRET") == NULL, "%s", msg);
	free(msg);
}

Test(fleet_token, command_killed_after_the_limit_says_what_it_said)
{
	char *argv[] = { "sh", "-c", "echo waiting for the vault >&2; sleep 30", NULL };
	pdh_token_opts o = { .command_timeout_ms = 300 };
	long long started = pdh_now_ms();
	char *msg = S_token_refused(argv, &o);

	cr_expect(strstr(msg, "did not finish within 1 s and was killed; it said: waiting for "
	                      "the vault") != NULL, "%s", msg);
	cr_expect_lt(pdh_now_ms() - started, 3000);
	free(msg);
}

Test(fleet_token, command_not_found_and_no_shell)
{
	/* The argv is run as written: a shell construct is just a missing program. */
	char *argv[] = { "echo tok | cat", NULL };

	S_token_refused_saying(argv, NULL, "status 127");
}

Test(fleet_token, command_killed_after_the_limit)
{
	char *argv[] = { "sh", "-c", "sleep 30", NULL };
	pdh_token_opts o = { .command_timeout_ms = 300 };

	S_token_refused_saying(argv, &o, "did not finish");
}

Test(fleet_token, command_with_empty_output)
{
	char *argv[] = { "true", NULL };

	S_token_refused_saying(argv, NULL, "gave no token");
}

static const char *S_env(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "ACME_TOKEN") == 0 ? "env-tok" : NULL;
}

Test(fleet_token, env_set_and_unset)
{
	pdh_fleet_account a;
	pdh_token_opts o = { .getenv = S_env };
	pdh_error err = { 0 };
	char *tok = NULL, warn[256];
	bool bearer;

	memset(&a, 0, sizeof(a));
	a.name = "acme";
	a.token_kind = PDH_TOKEN_ENV;
	a.token_env = "ACME_TOKEN";
	a.oauth = true;
	cr_assert_eq(pdh_fleet_token(&tok, &bearer, &a, &o, warn, sizeof(warn), &err), 0);
	cr_expect_str_eq(tok, "env-tok");
	cr_expect(bearer, "oauth: true sends Bearer");
	pdh_free_secret(tok);
	a.token_env = "OTHER_TOKEN";
	cr_expect_eq(pdh_fleet_token(&tok, &bearer, &a, &o, warn, sizeof(warn), &err), PDH_EAUTH);
	cr_expect(strstr(err.message, "OTHER_TOKEN is not set") != NULL, "%s", err.message);
}

Test(fleet_token, file_readable_by_others_warns)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/tok", dir);
	pdh_fleet_account a;
	pdh_error err = { 0 };
	char *tok = NULL, warn[256];
	bool bearer;

	pdh_t_write_file(path, "file-tok\n");
	memset(&a, 0, sizeof(a));
	a.name = "acme";
	a.token_kind = PDH_TOKEN_FILE;
	a.token_file = path;
	chmod(path, 0600);
	cr_assert_eq(pdh_fleet_token(&tok, &bearer, &a, NULL, warn, sizeof(warn), &err), 0);
	cr_expect_str_eq(tok, "file-tok");
	cr_expect_str_eq(warn, "");
	pdh_free_secret(tok);
	chmod(path, 0644);
	cr_assert_eq(pdh_fleet_token(&tok, &bearer, &a, NULL, warn, sizeof(warn), &err), 0);
	cr_expect(strstr(warn, "can be read by its group or others") != NULL, "%s", warn);
	cr_expect(strstr(warn, "file-tok") == NULL);
	pdh_free_secret(tok);
	free(path);
	free(dir);
}

/* ---- reports and merge ---- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The accounts a0 to a2: the fleet's selection of the merge tests. */
static const char *const S_whole[] = { "a0", "a1", "a2" };

/* A JSON shard report of the accounts names[] (each "aN": index N), as the runner writes it,
 * of a fleet whose selection is S_whole. */
static char *S_report(unsigned index, unsigned count, const char *sha, const char *names[],
                      const int outcomes[], size_t n)
{
	pdh_fleet_report_opts o = { PDH_FLEET_JSON, sha, { count > 0, index, count }, "plan", 0,
	                            names, n, 3, NULL };
	pdh_fleet_report *r;
	char whole[65];

	pdh_fleet_names_sha256(S_whole, 3, whole);
	o.fleet_selected_sha256 = whole;
	r = pdh_fleet_report_new(&o);
	char *piece = pdh_fleet_report_begin(r);
	char *all = pdh_xstrdup(piece);

	free(piece);
	for (size_t i = 0; i < n; i++) {
		char *section = pdh_xasprintf("{\"index\":%zu,\"name\":\"%s\",\"api_url\":\"https://x\","
		                              "\"company_id\":null,\"outcome\":\"%s\",\"exit_code\":%d,"
		                              "\"error\":\"e\",\"calls\":%d,\"tokens\":%d}",
		                              (size_t)(names[i][1] - '0'), names[i],
		                              pdh_fleet_outcome_name((pdh_fleet_outcome)outcomes[i]),
		                              pdh_fleet_outcome_exit((pdh_fleet_outcome)outcomes[i]),
		                              names[i][1] - '0' + 1, 10 * (names[i][1] - '0' + 1));
		pdh_fleet_row row = { 0 };
		char *next;

		row.name = names[i];
		row.outcome = (pdh_fleet_outcome)outcomes[i];
		row.exit_code = pdh_fleet_outcome_exit(row.outcome);
		piece = pdh_fleet_report_add(r, &row, section);
		next = pdh_xasprintf("%s%s", all, piece);
		free(all);
		all = next;
		free(piece);
		free(section);
	}
	piece = pdh_fleet_report_end(r);
	{
		char *next = pdh_xasprintf("%s%s", all, piece);
		free(all);
		all = next;
	}
	free(piece);
	pdh_fleet_report_free(r);
	return all;
}

Test(fleet_report, json_pieces_make_one_document)
{
	const char *names[] = { "a0", "a1" };
	int outcomes[] = { PDH_FLEET_CHANGES, PDH_FLEET_IN_SYNC };
	char *doc = S_report(1, 2, SHA_A, names, outcomes, 2);
	json_error_t jerr;
	json_t *j = json_loads(doc, 0, &jerr);

	cr_assert_not_null(j, "%s: %s", jerr.text, doc);
	cr_expect_eq(json_array_size(json_object_get(j, "accounts")), 2);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "shard"), "index")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "changes")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
	                                                "detailed_exit_code")), 2);
	json_decref(j);
	free(doc);
}

Test(fleet_merge, joins_shards_in_file_order_with_the_fleet_exit_code)
{
	const char *n0[] = { "a2", "a0" }, *n1[] = { "a1" };
	int o0[] = { PDH_FLEET_IN_SYNC, PDH_FLEET_CHANGES }, o1[] = { PDH_FLEET_REFUSED };
	char *s0 = S_report(0, 2, SHA_A, n0, o0, 2), *s1 = S_report(1, 2, SHA_A, n1, o1, 1);
	const char *texts[] = { s1, s0 }, *names[] = { "s1.json", "s0.json" };
	size_t lens[] = { strlen(s1), strlen(s0) };
	pdh_error err = { 0 };
	char *out = NULL;
	int code;
	json_t *j;

	cr_assert_eq(pdh_fleet_merge(&out, &code, texts, lens, names, 2, PDH_FLEET_JSON, true,
	                             &err), 0, "%s", err.message);
	cr_expect_eq(code, 3);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	                 "accounts"), 0), "name")), "a0");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	                 "accounts"), 2), "name")), "a2");
	cr_expect(json_is_null(json_object_get(j, "shard")));
	/* what the shards' accounts spent, summed: a0 1 call, a1 2, a2 3, 10 tokens a call */
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "calls")), 6,
	             "%s", out);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "tokens")),
	             60, "%s", out);
	json_decref(j);
	free(out);
	cr_assert_eq(pdh_fleet_merge(&out, &code, texts, lens, names, 2, PDH_FLEET_TEXT, false,
	                             &err), 0, "%s", err.message);
	cr_expect(strstr(out, "Fleet: 1 in sync, 1 with changes, 0 failed, 1 refused by a brake "
	                 "(3 accounts; 6 API calls, 60 tokens).") != NULL, "%s", out);
	free(out);
	free(s0);
	free(s1);
}

Test(fleet_merge, refuses_missing_repeated_and_foreign_shards)
{
	const char *n0[] = { "a0" }, *n1[] = { "a1" };
	int o[] = { PDH_FLEET_IN_SYNC };
	char *s0 = S_report(0, 3, SHA_A, n0, o, 1), *s1 = S_report(1, 3, SHA_A, n1, o, 1);
	char *other = S_report(2, 3, SHA_B, n1, o, 1);
	pdh_error err = { 0 };
	char *out = NULL;
	int code;

	{
		const char *t[] = { s0, s1 }, *nm[] = { "s0", "s1" };
		size_t l[] = { strlen(s0), strlen(s1) };
		cr_expect_eq(pdh_fleet_merge(&out, &code, t, l, nm, 2, PDH_FLEET_JSON, false, &err),
		             PDH_EINVAL);
		cr_expect(strstr(err.message, "shard 2/3 is missing") != NULL, "%s", err.message);
		cr_expect_null(out);
	}
	{
		const char *t[] = { s0, s1, s1 }, *nm[] = { "s0", "s1", "again" };
		size_t l[] = { strlen(s0), strlen(s1), strlen(s1) };
		cr_expect_eq(pdh_fleet_merge(&out, &code, t, l, nm, 3, PDH_FLEET_JSON, false, &err),
		             PDH_EINVAL);
		cr_expect(strstr(err.message, "shard 1/3 is given twice") != NULL, "%s", err.message);
	}
	{
		const char *t[] = { s0, s1, other }, *nm[] = { "s0", "s1", "other" };
		size_t l[] = { strlen(s0), strlen(s1), strlen(other) };
		cr_expect_eq(pdh_fleet_merge(&out, &code, t, l, nm, 3, PDH_FLEET_JSON, false, &err),
		             PDH_EINVAL);
		cr_expect(strstr(err.message, "different fleet files") != NULL, "%s", err.message);
	}
	{
		const char *t[] = { "{\"x\":1}" }, *nm[] = { "junk" };
		size_t l[] = { 7 };
		cr_expect_eq(pdh_fleet_merge(&out, &code, t, l, nm, 1, PDH_FLEET_JSON, false, &err),
		             PDH_EINVAL);
		cr_expect(strstr(err.message, "junk is not a fleet report") != NULL, "%s", err.message);
	}
	free(s0);
	free(s1);
	free(other);
}

Test(fleet_report, markdown_stays_within_its_limit)
{
	pdh_fleet_report_opts o = { PDH_FLEET_MARKDOWN, SHA_A, { false, 0, 0 }, "plan", 4000,
	                            NULL, 0, 0, NULL };
	pdh_fleet_report *r = pdh_fleet_report_new(&o);
	char big[900];
	char *piece, *end;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	free(pdh_fleet_report_begin(r));
	for (int i = 0; i < 200; i++) {
		char name[16];
		pdh_fleet_row row = { 0 };

		snprintf(name, sizeof(name), "acct%d", i);
		row.name = name;
		row.api_url = "https://x";
		row.outcome = PDH_FLEET_CHANGES;
		row.exit_code = 2;
		piece = pdh_fleet_report_add(r, &row, big);
		free(piece);
	}
	end = pdh_fleet_report_end(r);
	cr_expect_leq(strlen(end), 4000);
	cr_expect(strstr(end, "more accounts not shown") != NULL, "%s", end);
	cr_expect(strstr(end, "are left out") != NULL, "%s", end);
	free(end);
	pdh_fleet_report_free(r);
}

Test(fleet_metrics, runs_join_with_one_help_and_type_per_family)
{
	pdh_fleet_metrics *m = pdh_fleet_metrics_new();
	char *out;

	pdh_fleet_metrics_add(m, "# HELP pdhooks_a A.\n# TYPE pdhooks_a gauge\n"
	                         "pdhooks_a{account=\"x\"} 1\n# HELP pdhooks_b B.\n"
	                         "# TYPE pdhooks_b gauge\npdhooks_b{account=\"x\",k=\"v\"} 2\n");
	pdh_fleet_metrics_add(m, "# HELP pdhooks_a A.\n# TYPE pdhooks_a gauge\n"
	                         "pdhooks_a{account=\"y\"} 3\n");
	out = pdh_fleet_metrics_render(m);
	cr_expect_str_eq(out, "# HELP pdhooks_a A.\n# TYPE pdhooks_a gauge\n"
	                      "pdhooks_a{account=\"x\"} 1\npdhooks_a{account=\"y\"} 3\n"
	                      "# HELP pdhooks_b B.\n# TYPE pdhooks_b gauge\n"
	                      "pdhooks_b{account=\"x\",k=\"v\"} 2\n");
	free(out);
	pdh_fleet_metrics_free(m);
	m = pdh_fleet_metrics_new();
	out = pdh_fleet_metrics_render(m);
	cr_expect_str_eq(out, "");
	free(out);
	pdh_fleet_metrics_free(m);
}
