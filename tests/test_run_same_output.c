/* One company run as a single run and as a one-account fleet against the same fake state:
 * the plan, the apply's lines and summary, and the brake's words are the same, line by line
 * (ids and milliseconds aside). The fleet adds only its header per account and its table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "testutil.h"
#include "world.h"

typedef enum { S_SINGLE, S_FLEET } S_how;

/* A world with one webhook to create and one owned live webhook to delete; for a fleet, a
 * fleet file of one account on the same fake with the same token. */
static void S_setup(pdh_t_world *w, S_how how)
{
	pdh_t_world_setup(w, NULL, PDH_T_ONE_DEAL_DESIRED);
	pdh_t_world_seed(w, "%s", PDH_T_ONE_UNDECLARED_LIVE);
	if (how == S_FLEET) {
		char *path = pdh_t_world_path(w, "fleet.yaml");
		char *text = pdh_xasprintf("pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n"
		                           "  - name: one\n    api_url: %s\n"
		                           "    token_env: PIPEDRIVE_API_TOKEN\n",
		                           pdh_t_fake_url(w->fake));

		pdh_t_write_file(path, text);
		free(text);
		free(path);
	}
}

/* Runs command (plan or apply) on the world's one company, with extra (may be NULL). */
static void S_run(pdh_t_run *r, pdh_t_world *w, S_how how, const char *command,
                  const char *extra)
{
	char *fleet = pdh_t_world_path(w, "fleet.yaml");
	const char *yes = strcmp(command, "apply") == 0 ? "--auto-approve" : "-q";

	if (how == S_SINGLE)
		pdh_t_world_run(r, w, NULL, command, "-f", w->file, yes, "--max-deletes",
		                extra ? extra : "5", NULL);
	else
		pdh_t_world_run(r, w, NULL, command, "--fleet", fleet, yes, "--max-deletes",
		                extra ? extra : "5", NULL);
	free(fleet);
}

/* text with "(id N)" and "[N ms]" masked, and for a fleet's report only the account's
 * section: after its "=== one (URL)" line, up to the table. Caller frees. */
static char *S_masked(const char *text, S_how how)
{
	pdh_buf b = PDH_BUF_INIT;
	const char *p = text, *end = text + strlen(text);

	if (how == S_FLEET) {
		const char *head = strstr(text, "=== one (");
		const char *table = strstr(text, "\nACCOUNT ");

		cr_assert(head && table && table > head, "no account section in:\n%s", text);
		p = strchr(head, '\n') + 1;
		end = table + 1;
		/* the report's blank line before its table */
		if (end - p >= 2 && end[-2] == '\n')
			end--;
	}
	while (p < end) {
		if (strncmp(p, "(id ", 4) == 0 || (*p == '[' && strstr(p, " ms]") &&
		                                   p + strspn(p + 1, "0123456789") + 1 ==
		                                   strstr(p, " ms]"))) {
			const char *close = strchr(p, *p == '(' ? ')' : ']');

			pdh_buf_puts(&b, *p == '(' ? "(id #)" : "[# ms]");
			p = close + 1;
			continue;
		}
		if (strncmp(p, "127.0.0.1:", 10) == 0) {
			/* the target's API URL: each world's fake has its own port */
			pdh_buf_puts(&b, "127.0.0.1:#");
			p += 10 + strspn(p + 10, "0123456789");
			continue;
		}
		pdh_buf_putc(&b, *p++);
	}
	return pdh_buf_detach(&b);
}

/* The line of text that holds needle, without what comes before the needle. Caller frees. */
static char *S_line_from(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	cr_assert_not_null(p, "no '%s' in:\n%s", needle, text);
	return pdh_xstrndup(p, strcspn(p, "\n"));
}

/* The single run's and the fleet's output of command compared line by line. */
static void S_compare(const char *command, const char *max_deletes, int want_status)
{
	pdh_t_world ws, wf;
	pdh_t_run rs, rf;
	char *single, *fleet;

	S_setup(&ws, S_SINGLE);
	S_setup(&wf, S_FLEET);
	S_run(&rs, &ws, S_SINGLE, command, max_deletes);
	S_run(&rf, &wf, S_FLEET, command, max_deletes);
	cr_expect_eq(rs.status, want_status, "single: %s%s", rs.out, rs.err);
	cr_expect_eq(rf.status, want_status, "fleet: %s%s", rf.out, rf.err);
	single = S_masked(rs.out, S_SINGLE);
	fleet = S_masked(rf.out, S_FLEET);
	if (want_status == 3) {
		/* What the fleet adds after a refused account's plan: its error, in the words the
		 * single run says on stderr. */
		char *said = S_line_from(rs.err, "refused: ");
		char *last = strstr(fleet, said);

		cr_assert_not_null(last, "the brake's words are not in the fleet's section:\n%s", fleet);
		cr_expect_str_eq(last + strlen(said), "\n", "%s", fleet);
		*last = '\0';
		free(said);
	}
	cr_expect_str_eq(fleet, single, "the fleet's account section differs from the single run:"
	                 "\n--- fleet\n%s--- single\n%s", fleet, single);
	if (want_status == 3) {
		/* The brake's words: "refused: ... (use --force ...)", the fleet naming the account. */
		char *s = S_line_from(rs.err, "refused: "), *f = S_line_from(rf.err, "refused: ");

		cr_expect_str_eq(f, s);
		cr_expect_not_null(strstr(rf.err, "pdhooks: error: account one: refused: "), "%s",
		                   rf.err);
		cr_expect_not_null(strstr(s, "(use --force to apply anyway)"), "%s", s);
		free(s);
		free(f);
	}
	free(single);
	free(fleet);
	pdh_t_run_dispose(&rs);
	pdh_t_run_dispose(&rf);
	pdh_t_world_teardown(&ws);
	pdh_t_world_teardown(&wf);
}

Test(run_same_output, plan_is_the_same_as_a_single_run_and_as_a_fleet_account)
{
	S_compare("plan", NULL, 0);
}

Test(run_same_output, apply_lines_summary_and_verification_are_the_same)
{
	pdh_t_world w;
	pdh_t_run r;
	char *out;

	S_compare("apply", NULL, 0);
	/* and they are the single run's lines: with the time of each step, the Verified line */
	S_setup(&w, S_FLEET);
	S_run(&r, &w, S_FLEET, "apply", NULL);
	out = S_masked(r.out, S_FLEET);
	cr_expect_not_null(strstr(out, "\ncreated  create.deal https://hooks.example.com/pipedrive/"
	                               "deals (id #) [# ms]\n"), "%s", out);
	cr_expect_not_null(strstr(out, "\ndeleted  change.person "), "%s", out);
	cr_expect_not_null(strstr(out, "\nApply: 1 created, 1 deleted, 0 failed, 0 not run"),
	                   "%s", out);
	cr_expect_not_null(strstr(out, "\nVerified: the live webhooks match the file.\n"), "%s",
	                   out);
	cr_expect_null(strstr(out, "; verified."), "%s", out);
	free(out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(run_same_output, the_brake_refuses_in_the_same_words)
{
	S_compare("apply", "0", 3);
}
