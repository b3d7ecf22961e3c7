/* Outputs under hostile conditions, end to end against pdhooks-fake: a stdout that cannot be
 * written (/dev/full), an output path that is a link or a device, control and bidirectional
 * characters in names and URLs, a token file that is a directory, a saved plan of a newer
 * format, and listings whose ids cannot be trusted. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "testutil.h"
#include "world.h"

/* An owned, undeclared webhook: every plan of DESIRED has a create and a delete. */
#define DESIRED PDH_T_ONE_DEAL_DESIRED
#define LIVE PDH_T_ONE_UNDECLARED_LIVE

#define RLO "\xe2\x80\xae"

static void S_setup(pdh_t_world *w, const char *desired, const char *live)
{
	pdh_t_world_setup(w, NULL, desired);
	if (live)
		pdh_t_fake_set_state(w->fake, live);
}

/* pdhooks ARGS... with stdout sent to /dev/full (through sh, so the harness's pipe is not
 * used); args NULL-terminated. */
static void S_to_dev_full(pdh_t_run *r, pdh_t_world *w, const char *const *args)
{
	const char *argv[24] = { "/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full",
		getenv("PDH_BIN") };
	size_t n = 4;

	cr_assert_not_null(argv[3], "PDH_BIN is not set");
	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	pdh_t_run_argv(r, (char *const *)argv, w->env, NULL);
}

/* A file of n webhooks: its plan is longer than stdio's buffer, so a failed write happens
 * inside fputs and the fflush after it finds an empty buffer (the case that exited 0). */
static char *S_many(size_t n)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n");
	for (size_t i = 0; i < n; i++)
		pdh_buf_printf(&b, "  - event_action: create\n    event_object: deal\n"
		               "    subscription_url: https://hooks.example.com/pipedrive/%zu\n", i);
	return pdh_buf_detach(&b);
}

Test(outputs_hostile, a_plan_that_cannot_be_written_exits_1_with_the_reason, .timeout = 60)
{
	const char *formats[] = { "text", "json", "markdown" };
	char *many = S_many(200);
	pdh_t_world w;

	if (access("/dev/full", W_OK) != 0)
		cr_skip_test("no /dev/full here");
	S_setup(&w, many, LIVE);
	free(many);
	for (size_t i = 0; i < 3; i++) {
		const char *args[] = { "plan", "-f", w.file, "--format", formats[i], NULL };
		pdh_t_run r;
		S_to_dev_full(&r, &w, args);
		cr_expect_eq(r.status, 1, "plan --format %s > /dev/full: exit %d\n%s", formats[i],
		             r.status, r.err);
		cr_expect_not_null(strstr(r.err, "cannot write to standard output: No space left"),
		                   "%s: %s", formats[i], r.err);
		pdh_t_run_dispose(&r);
	}
	{
		/* --detailed-exitcode's 2 (changes pending) is not a success to keep either */
		const char *args[] = { "plan", "-f", w.file, "--detailed-exitcode", NULL };
		pdh_t_run r;
		S_to_dev_full(&r, &w, args);
		cr_expect_eq(r.status, 1, "%s", r.err);
		pdh_t_run_dispose(&r);
	}
	{
		const char *args[] = { "export", NULL };
		pdh_t_run r;
		S_to_dev_full(&r, &w, args);
		cr_expect_eq(r.status, 1, "export > /dev/full: %s", r.err);
		cr_expect_not_null(strstr(r.err, "cannot write to standard output"), "%s", r.err);
		cr_expect_null(strstr(r.err, "exported"), "no success line: %s", r.err);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_teardown(&w);
}

Test(outputs_hostile, an_apply_whose_summary_cannot_be_written_still_applies_and_exits_1,
     .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	if (access("/dev/full", W_OK) != 0)
		cr_skip_test("no /dev/full here");
	S_setup(&w, DESIRED, LIVE);
	{
		const char *args[] = { "apply", "-f", w.file, "--auto-approve", NULL };
		S_to_dev_full(&r, &w, args);
	}
	cr_expect_eq(r.status, 1, "apply > /dev/full: exit %d\n%s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "cannot write to standard output"), "%s", r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1, "the calls are made");
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 1);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "converged: %s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* `plan -q -o path` (export -o when export is set) is refused: exit 1 with msg on stderr. */
static void S_expect_output_refused(pdh_t_world *w, bool export, const char *path,
                                    const char *msg)
{
	pdh_t_run r;

	if (export)
		pdh_t_world_run(&r, w, NULL, "export", "-q", "-o", path, NULL);
	else
		pdh_t_world_run(&r, w, NULL, "plan", "-q", "-f", w->file, "-o", path, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, msg), "%s", r.err);
	pdh_t_run_dispose(&r);
}

Test(outputs_hostile, an_output_path_that_is_a_link_or_a_device_is_refused, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *target, *link_path, *text, *dev, *fifo;
	struct stat st;

	S_setup(&w, DESIRED, LIVE);
	target = pdh_xasprintf("%s/elsewhere.json", w.dir);
	link_path = pdh_xasprintf("%s/plan.json", w.dir);
	pdh_t_write_file(target, "kept\n");
	cr_assert_eq(symlink(target, link_path), 0);

	pdh_t_world_run(&r, &w, NULL, "plan", "-q", "-f", w.file, "-o", link_path, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "is a symbolic link; pdhooks writes only to a regular "
	                          "file or a new path"), "%s", r.err);
	cr_expect_eq(r.out[0], '\0', "nothing printed: %s", r.out);
	pdh_t_run_dispose(&r);
	cr_expect_eq(lstat(link_path, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "the link is still a link");
	text = pdh_t_read_file(target, NULL);
	cr_expect_str_eq(text, "kept\n", "its target is untouched");
	free(text);

	/* Never /dev/null itself: a pdhooks that got this wrong would replace the machine's.
	 * A device node of our own (as root), and a named pipe. */
	dev = pdh_xasprintf("%s/null-device", w.dir);
	if (stat("/dev/null", &st) == 0 && mknod(dev, S_IFCHR | 0666, st.st_rdev) == 0) {
		S_expect_output_refused(&w, false, dev, "null-device is a device");
		cr_expect_eq(lstat(dev, &st), 0);
		cr_expect(S_ISCHR(st.st_mode), "the device node is still one");
	}
	fifo = pdh_xasprintf("%s/pipe", w.dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	S_expect_output_refused(&w, false, fifo, "pipe is a named pipe");
	cr_expect_eq(lstat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "the pipe is still a pipe");

	S_expect_output_refused(&w, false, w.dir, "is a directory");

	S_expect_output_refused(&w, true, link_path, "is a symbolic link");
	text = pdh_t_read_file(target, NULL);
	cr_expect_str_eq(text, "kept\n");
	free(text);

	free(target);
	free(link_path);
	free(dev);
	free(fifo);
	pdh_t_world_teardown(&w);
}

Test(outputs_hostile, bidi_and_control_characters_are_escaped_in_text_and_markdown,
     .timeout = 60)
{
	/* A name that reads "invoice.exe" reversed, and a URL with an override in its path. */
	const char *live =
		"[{\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"inv" RLO
		"gpj.exe\\u0007\",\"subscription_url\":\"https://hooks.example.com/pipedrive/a"
		RLO "b\"}]";
	const char *fmts[] = { "text", "markdown" };
	pdh_t_world w;

	S_setup(&w, DESIRED, live);
	for (size_t i = 0; i < 2; i++) {
		pdh_t_run r;
		pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", fmts[i], NULL);
		cr_expect_eq(r.status, 0, "%s", r.err);
		cr_expect_null(strstr(r.out, RLO), "%s: a raw U+202E in the output", fmts[i]);
		cr_expect_null(strchr(r.out, '\a'), "%s: a raw BEL in the output", fmts[i]);
		cr_expect_not_null(strstr(r.out, "u{202E}"), "%s: %s", fmts[i], r.out);
		pdh_t_run_dispose(&r);
	}
	{
		pdh_t_run r;
		pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
		cr_expect_not_null(strstr(r.out, "name=\"inv\\u{202E}gpj.exe\\x07\""), "%s", r.out);
		cr_expect_not_null(strstr(r.out, "https://hooks.example.com/pipedrive/a\\u{202E}b"),
		                   "%s", r.out);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_teardown(&w);
}

Test(outputs_hostile, validate_warns_of_bidi_characters_at_their_line_and_column)
{
	pdh_t_world w;
	pdh_t_run r;

	S_setup(&w, "pdhooks: 1\n"
	            "webhooks:\n"
	            "  - name: \"inv" RLO "gpj.exe\"\n"
	            "    event_action: create\n"
	            "    event_object: deal\n"
	            "    subscription_url: https://hooks.example.com/pipedrive/deals\n"
	            "    http_auth_user: \"adm\xe2\x80\x8bin\"\n", NULL);
	pdh_t_world_run(&r, &w, NULL, "validate", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "a warning, not an error: %s", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:3:11: warning: name contains U+202E "
	                          "RIGHT-TO-LEFT OVERRIDE"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:7:21: warning: http_auth_user contains "
	                          "U+200B ZERO WIDTH SPACE"), "%s", r.err);
	cr_expect_null(strstr(r.err, RLO), "the quoted source line is escaped too: %s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_hostile, a_token_file_that_is_a_directory_is_named_as_one)
{
	pdh_t_world w;
	pdh_t_run r;

	S_setup(&w, DESIRED, NULL);
	pdh_t_world_run_env(&r, &w, (char *[]){ w.env_url, NULL }, "plan", "-f", w.file,
	                    "--token-file", w.dir, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "is a directory; expected a file whose first line is "
	                          "the token"), "%s", r.err);
	cr_expect_null(strstr(r.err, "is empty"), "%s", r.err);
	pdh_t_world_expect_calls(&w, 0, 0, 0);   /* no call without credentials */
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_hostile, a_saved_plan_of_a_newer_format_says_which_version_this_pdhooks_reads)
{
	pdh_t_world w;
	pdh_t_run r;
	char *saved, *text, *p;

	S_setup(&w, DESIRED, LIVE);
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	pdh_t_world_run(&r, &w, NULL, "plan", "-q", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(saved, NULL);
	p = strstr(text, "\"format_version\": 1,");
	cr_assert_not_null(p, "%.200s", text);
	p[18] = '7';
	pdh_t_write_file(saved, text);
	pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", saved, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "a saved plan of format version 7, newer than this "
	                          "pdhooks reads (version 1)"), "%s", r.err);
	cr_expect_null(strstr(r.err, "number out of range"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST") + pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
	free(text);
	free(saved);
	pdh_t_world_teardown(&w);
}
