/* Hostile servers: every command that reads the live webhooks, against pdhooks-fake answering
 * the listing with something a real server, a proxy or a CDN could send instead of Pipedrive's
 * JSON. Each run must exit 1 with one clear error on stderr, print nothing on stdout, make no
 * write call (no POST, no DELETE), and never show the token. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define TOKEN "tok-hostile-5150"

/* One declared webhook, and live one owned but undeclared (see world.h). */
#define DESIRED PDH_T_ONE_DEAL_DESIRED
#define LIVE PDH_T_ONE_UNDECLARED_LIVE

typedef pdh_t_world S_world;

/* The world, and a plan of it saved (while the fake still answers well) for apply PLANFILE. */
static void S_setup(S_world *w)
{
	char *saved;
	pdh_t_run r;

	pdh_t_world_setup(w, (char *[]){ "--token", TOKEN, NULL }, DESIRED);
	pdh_t_fake_set_state(w->fake, LIVE);
	saved = pdh_xasprintf("%s/saved.plan", w->dir);
	pdh_t_world_run(&r, w, NULL, "plan", "-q", "-f", w->file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "plan -o: %s", r.err);
	pdh_t_run_dispose(&r);
	free(saved);
}

/* The commands that list the live webhooks; each is run once per hostile answer. */
enum { CMD_PLAN, CMD_PLAN_JSON_SAVED, CMD_APPLY, CMD_APPLY_PLANFILE, CMD_EXPORT, CMD_COUNT };

static const char *const S_command_names[CMD_COUNT] = { "plan", "plan --format json -o",
	"apply --auto-approve", "apply PLANFILE", "export -o" };

/* Runs command cmd; *out_file gets the file it was told to write (NULL: none), which a failed
 * run must not leave behind. timeout: --timeout's SECONDS, short only for the slow answer (a
 * huge body read under valgrind takes seconds). */
static void S_run_command(pdh_t_run *r, S_world *w, int cmd, const char *timeout,
                          char **out_file)
{
	char *saved = pdh_xasprintf("%s/saved.plan", w->dir);

	*out_file = NULL;
	switch (cmd) {
	case CMD_PLAN:
		pdh_t_world_run(r, w, NULL, "plan", "-f", w->file, "--timeout", timeout, NULL);
		break;
	case CMD_PLAN_JSON_SAVED:
		*out_file = pdh_xasprintf("%s/new.plan", w->dir);
		pdh_t_world_run(r, w, NULL, "plan", "-f", w->file, "--format", "json", "-o",
		              *out_file, "--timeout", timeout, NULL);
		break;
	case CMD_APPLY:
		pdh_t_world_run(r, w, NULL, "apply", "-f", w->file, "--auto-approve", "--timeout",
		              timeout, NULL);
		break;
	case CMD_APPLY_PLANFILE:
		pdh_t_world_run(r, w, NULL, "apply", saved, "--auto-approve", "--timeout", timeout,
		              NULL);
		break;
	case CMD_EXPORT:
		*out_file = pdh_xasprintf("%s/exported.yaml", w->dir);
		pdh_t_world_run(r, w, NULL, "export", "-o", *out_file, "--timeout", timeout, NULL);
		break;
	default:
		cr_assert_fail("no command %d", cmd);
	}
	free(saved);
}

/* The last line of text (without its newline), copied. */
static char *S_last_line(const char *text)
{
	size_t len = strlen(text);
	const char *start;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	start = text + len;
	while (start > text && start[-1] != '\n')
		start--;
	return pdh_xstrndup(start, (size_t)(text + len - start));
}

/* Every command, each after every listing is set to fail with the fault (a KIND of the fake's
 * --fail; apply retries some, so it is not for one call only): exit `want`, one error on stderr,
 * its last line, "pdhooks: error: " with needle; stdout empty, no file written, no write
 * call, no token shown. */
static void S_hostile_timeout(const char *kind, const char *needle, const char *timeout,
                              int want)
{
	char *fault = pdh_xasprintf("\"GET:%s:1000\"", kind);
	S_world w;

	S_setup(&w);
	for (int cmd = 0; cmd < CMD_COUNT; cmd++) {
		const char *name = S_command_names[cmd];
		char *out_file, *last;
		pdh_t_run r;

		cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail/reset", NULL, NULL), 200);
		cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail", fault, NULL), 200,
		             "the fake refused %s", fault);
		S_run_command(&r, &w, cmd, timeout, &out_file);
		last = S_last_line(r.err);
		cr_expect_eq(r.status, want, "%s, %s: exit %d, stderr: %s", name, fault, r.status,
		             r.err);
		cr_expect_str_eq(r.out, "", "%s, %s: stdout", name, fault);
		cr_expect_eq(strncmp(last, "pdhooks: error: ", 16), 0, "%s, %s: stderr: %s", name,
		             fault, r.err);
		cr_expect_not_null(strstr(last, needle), "%s, %s: stderr should say '%s': %s", name,
		                   fault, needle, r.err);
		cr_expect_eq(strstr(r.err, "error:"), strstr(r.err, last) + 9,
		             "%s, %s: one error: %s", name, fault, r.err);
		if (out_file)
			cr_expect_eq(access(out_file, F_OK), -1, "%s, %s: wrote %s", name, fault, out_file);
		cr_expect_null(strstr(r.err, TOKEN), "%s: the token is on stderr", name);
		cr_expect_null(strstr(r.err, "Sanitizer"), "%s: %s", name, r.err);
		cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 0, "%s, %s: a POST was made", name,
		             fault);
		cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0, "%s, %s: a DELETE was made", name,
		             fault);
		pdh_t_run_dispose(&r);
		free(last);
		free(out_file);
	}
	pdh_t_world_teardown(&w);
	free(fault);
}

static void S_hostile(const char *fault, const char *needle)
{
	S_hostile_timeout(fault, needle, "30", 1);
}

/* A fault that retries cannot get past: "could not check", exit 5. */
static void S_unavailable(const char *fault, const char *needle)
{
	S_hostile_timeout(fault, needle, "30", 5);
}

/* Without a fault the same world plans writes, exports, and apply (of the saved plan) makes
 * the writes: the cases below would make them too if a bad listing were read as a good one. */
Test(hostile, the_world_plans_and_applies_a_create_and_a_delete)
{
	char *saved, *exported;
	S_world w;
	pdh_t_run r;

	S_setup(&w);
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	exported = pdh_xasprintf("%s/exported.yaml", w.dir);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "1 to create"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "1 to delete"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", exported, NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_eq(access(exported, F_OK), 0, "export wrote nothing");
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 1);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
	free(saved);
	free(exported);
}

Test(hostile, html_error_page)
{
	S_unavailable("html", "HTML");
}

Test(hostile, html_page_with_status_200)
{
	S_hostile("html=200", "HTML page instead of Pipedrive's JSON");
}

Test(hostile, truncated_json)
{
	S_hostile("truncated", "not valid JSON");
}

Test(hostile, body_over_the_cap)
{
	S_hostile("huge", "larger than 33554432 bytes");
}

Test(hostile, listing_with_wrong_types)
{
	S_hostile("wrong-types", "\"id\" is a string, expected an integer");
}

Test(hostile, listing_with_a_webhook_without_id)
{
	S_hostile("missing-id", "\"id\" is missing");
}

Test(hostile, success_false_with_status_200)
{
	S_hostile("success-false", "success: false: Service temporarily unavailable");
}

Test(hostile, server_error_500)
{
	S_unavailable("500", "HTTP 500");
}

Test(hostile, too_many_requests_429)
{
	S_unavailable("429", "HTTP 429");
}

Test(hostile, slow_answer_past_the_timeout)
{
	S_hostile_timeout("delay=3000", "timed out after 1 s", "1", 5);
}

Test(hostile, connection_dropped_without_answer)
{
	S_unavailable("drop", "GET http://127.0.0.1:");
}

Test(hostile, connection_reset_mid_body)
{
	S_unavailable("reset-mid-body", "transfer closed");
}

/* A redirect to another server: reported, never followed, so the token never reaches it. The
 * other server is a second fake that takes the same token and counts every call it gets. */
Test(hostile, redirect_to_another_host_is_not_followed)
{
	pdh_t_fake *other = pdh_t_fake_start((char *[]){ "--token", TOKEN, NULL });
	char *kind = pdh_xasprintf("redirect=%d", pdh_t_fake_port(other));
	char *where = pdh_xasprintf("redirects to http://127.0.0.1:%d/v1/webhooks",
	                            pdh_t_fake_port(other));

	S_hostile(kind, where);
	cr_expect_eq(pdh_t_fake_calls(other, NULL), 0, "the redirect was followed");
	pdh_t_fake_stop(other);
	free(kind);
	free(where);
}

/* A 307 or 308 would have the client send the same POST (with a webhook's password in its
 * body) or DELETE, and the token, to the other server: apply reports each as failed instead. */
Test(hostile, redirects_of_writes_are_not_followed)
{
	pdh_t_fake *other = pdh_t_fake_start((char *[]){ "--token", TOKEN, NULL });
	char *post = pdh_xasprintf("{\"method\":\"POST\",\"kind\":\"redirect\",\"port\":%d,"
	                           "\"status\":307,\"count\":1000}", pdh_t_fake_port(other));
	char *del = pdh_xasprintf("{\"method\":\"DELETE\",\"kind\":\"redirect\",\"port\":%d,"
	                          "\"status\":308,\"count\":1000}", pdh_t_fake_port(other));
	char *state_before, *state_after;
	S_world w;
	pdh_t_run r;

	S_setup(&w);
	state_before = pdh_t_fake_state(w.fake);
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail", post, NULL), 200);
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail", del, NULL), 200);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "HTTP 307: POST"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "HTTP 308: DELETE"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "does not follow redirects"), "%s", r.out);
	cr_expect_null(strstr(r.out, TOKEN), "the token is on stdout");
	cr_expect_null(strstr(r.err, TOKEN), "the token is on stderr");
	state_after = pdh_t_fake_state(w.fake);
	cr_expect_str_eq(state_after, state_before, "the redirected calls changed something");
	cr_expect_eq(pdh_t_fake_calls(other, NULL), 0, "a redirect was followed");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
	pdh_t_fake_stop(other);
	free(state_before);
	free(state_after);
	free(post);
	free(del);
}

/* A listing cut inside the live password of a webhook no file declares: the parse error says
 * where the listing broke, never the text around it. */
Test(hostile, a_listing_cut_in_a_password_is_never_quoted)
{
	static const char *const cmds[] = { "plan", "status", "apply", "export" };
	S_world w;

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, "--password-listing", "real", NULL },
	                  DESIRED);
	pdh_t_fake_set_state(w.fake, "[{\"event_action\":\"change\",\"event_object\":\"person\","
	                     "\"subscription_url\":\"https://other.example.com/p\","
	                     "\"http_auth_user\":\"u\",\"http_auth_password\":\"pw-cut-SECRET-90210\"}]");
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail", "\"GET:cut-password:1000\"",
	                                NULL), 200);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		pdh_t_run r;

		if (strcmp(cmds[i], "export") == 0)
			pdh_t_world_run(&r, &w, NULL, cmds[i], NULL);
		else if (strcmp(cmds[i], "apply") == 0)
			pdh_t_world_run(&r, &w, NULL, cmds[i], "--auto-approve", "-f", w.file, NULL);
		else
			pdh_t_world_run(&r, &w, NULL, cmds[i], "-f", w.file, NULL);
		cr_expect_eq(r.status, 1, "%s: exit %d: %s", cmds[i], r.status, r.err);
		cr_expect_not_null(strstr(r.err, "is not valid JSON: it ends too early (line 1, "
		                                 "column "), "%s: %s", cmds[i], r.err);
		/* the part of the password before the cut */
		cr_expect_null(strstr(r.err, "pw-cut"), "%s: %s", cmds[i], r.err);
		cr_expect_null(strstr(r.out, "pw-cut"), "%s: %s", cmds[i], r.out);
		pdh_t_run_dispose(&r);
	}
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 0);
	pdh_t_world_teardown(&w);
}
