/* The harness of every suite that runs the pdhooks binary: a pdhooks-fake, a temporary
 * directory with a desired file in it, the environment a correctly set-up run gets, running
 * pdhooks in that world (checking that no secret and no sanitizer report shows), and
 * reading what the fake saw. Every function aborts the test (cr_assert) when it cannot do
 * its job.
 *
 *     pdh_t_world w;
 *     pdh_t_run r;
 *     pdh_t_world_setup(&w, NULL, "pdhooks: 1\nwebhooks: []\n");
 *     pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
 *     cr_expect_eq(r.status, 0);
 *     pdh_t_world_expect_calls(&w, 1, 0, 0);
 *     pdh_t_run_dispose(&r);
 *     pdh_t_world_teardown(&w);
 */
#ifndef PDH_T_WORLD_H
#define PDH_T_WORLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fake.h"
#include "testutil.h"

/* Desired files written as C literals: the head, and one webhook entry (string literals). */
#define PDH_T_YAML_HEAD "pdhooks: 1\nwebhooks:\n"
#define PDH_T_YAML_HOOK(name, action, object, url)                                      \
	"  - name: " name "\n    event_action: " action "\n    event_object: " object "\n" \
	"    subscription_url: " url "\n"
/* One declared webhook (deals) and, live, one owned (same host) but undeclared: a correct
 * read plans a create and a delete, so a command that went on after a bad read would make
 * write calls. */
#define PDH_T_ONE_DEAL_DESIRED \
	PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", \
	                                "https://hooks.example.com/pipedrive/deals")
#define PDH_T_ONE_UNDECLARED_LIVE                                                    \
	"[{\"event_action\":\"change\",\"event_object\":\"person\","                 \
	"\"subscription_url\":\"https://hooks.example.com/pipedrive/people\"}]"

#define PDH_T_WORLD_ENV 24
#define PDH_T_WORLD_SECRETS 8

typedef struct pdh_t_world {
	pdh_t_fake *fake;
	char *dir;         /* a fresh temporary directory, removed by teardown */
	char *file;        /* DIR/pdhooks.yaml */
	char *planfile;    /* DIR/pdhooks.plan (not written by the harness) */
	char *env_token;   /* "PIPEDRIVE_API_TOKEN=..." */
	char *env_url;     /* "PIPEDRIVE_API_URL=..." */
	/* token, URL, PIPEDRIVE_OAUTH_TOKEN and PIPEDRIVE_COMPANY_DOMAIN unset, then what
	 * pdh_t_world_setenv added; NULL-terminated. For pdh_t_pdhooks and pdh_t_run_argv too. */
	char *env[PDH_T_WORLD_ENV];
	/* Never in any output: the token, then what pdh_t_world_secret added. */
	const char *secrets[PDH_T_WORLD_SECRETS];
} pdh_t_world;

/* Starts the fake with fake_args (NULL-terminated, may be NULL; a --token there is the
 * world's token) and, unless desired is NULL, writes desired to DIR/pdhooks.yaml. */
void pdh_t_world_setup(pdh_t_world *w, char *const fake_args[], const char *desired);
/* The same with a fake serving HTTPS with testdata/tls/CERT.pem and CERT.key ("server":
 * the test CA's certificate for 127.0.0.1; "expired", "other-name", "untrusted": bad ones),
 * then fake_args. The world's URL is https://; pdhooks trusts the test CA only with
 * --cacert pdh_t_fake_cacert(w->fake). */
void pdh_t_world_setup_tls(pdh_t_world *w, const char *cert, char *const fake_args[],
                           const char *desired);
/* Stops the fake, removes the directory and frees the paths. */
void pdh_t_world_teardown(pdh_t_world *w);

/* pdhooks running in the background in a world, for tests that watch it while it works:
 * stdout is a pipe read line by line, stderr goes to a file. Its environment is the world's,
 * with XDG_RUNTIME_DIR set to the world's directory (the apply lock lives there), plus
 * extra_env. */
typedef struct pdh_t_bg {
	int pid;
	int out_fd;        /* -1 once closed */
	char *err_path;
	char *pending;     /* read from stdout, not yet returned as a line */
	size_t n_pending;
	char *seen;        /* every stdout byte read so far */
	size_t n_seen;
} pdh_t_bg;

/* Starts $PDH_BIN with args (NULL-terminated). extra_env may be NULL. */
void pdh_t_bg_start(pdh_t_bg *b, const pdh_t_world *w, char *const extra_env[], ...);
/* The next line of its stdout without the newline, waiting at most timeout_s; NULL at the end
 * of stdout or on timeout. Caller frees. */
char *pdh_t_bg_line(pdh_t_bg *b, double timeout_s);
/* Closes our end of its stdout, as `head -1` does after one line. */
void pdh_t_bg_close_stdout(pdh_t_bg *b);
void pdh_t_bg_signal(pdh_t_bg *b, int sig);
/* Reads the rest of stdout (unless closed) and waits for it (at most 60 s, then kills it).
 * r->out gets all of stdout read, r->err all of stderr, r->status the exit status. */
void pdh_t_bg_wait(pdh_t_bg *b, pdh_t_run *r);

/* Adds "K=V" ("K=": unset) to the world's environment; kv must outlive the world. */
void pdh_t_world_setenv(pdh_t_world *w, char *kv);
/* Adds a string that no output may hold (a password); it must outlive the world. */
void pdh_t_world_secret(pdh_t_world *w, const char *secret);
/* (Re)writes the desired file. */
void pdh_t_world_desired(pdh_t_world *w, const char *yaml);
/* DIR/name. Caller frees. */
char *pdh_t_world_path(const pdh_t_world *w, const char *name);

/* Runs pdhooks with the arguments after extra_env (NULL-terminated) in the world's
 * environment plus extra_env ("K=V", NULL-terminated, may be NULL), stdin /dev/null. Checks
 * that stdout and stderr hold no secret and no sanitizer report. */
void pdh_t_world_run(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[], ...);
/* The same with stdin fed from in (NULL: /dev/null). */
void pdh_t_world_run_in(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[],
                        const char *in, ...);
/* The same with only env (NULL-terminated, may be NULL): the credential and API variables
 * it does not set are unset. For tests of missing or other credentials. */
void pdh_t_world_run_env(pdh_t_run *r, const pdh_t_world *w, char *const env[], ...);
/* Sets the world's environment in this process: for a forked child that execs pdhooks. */
void pdh_t_world_child_env(const pdh_t_world *w);

/* Checks that text (what names it in messages) holds no secret of the world. */
void pdh_t_world_no_secret(const pdh_t_world *w, const char *what, const char *text);
void pdh_t_world_no_secret_in_file(const pdh_t_world *w, const char *path);

/* In a world whose file is `desired`: `pdhooks CMD -f FILE OPT VALUE` fails before any call,
 * exit 1 with msg on stderr. */
void pdh_t_world_expect_option_refused(const char *desired, const char *cmd, const char *opt,
                                       const char *value, const char *msg);
/* Expects doc (apply --format json's stdout) valid against schemas/apply.schema.json, written
 * to DIR/apply.json and checked by tests/validate_plan.py. */
void pdh_t_world_check_apply_json(const pdh_t_world *w, const char *doc);

/* The fake: its webhooks set from a printf-formatted JSON array. */
void pdh_t_world_seed(pdh_t_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* POST path (a control call such as "/_fake/config") with json (may be NULL); asserts 2xx. */
void pdh_t_world_control(pdh_t_world *w, const char *path, const char *json);
/* POST /_fake/fail with a fault. */
void pdh_t_world_fail(pdh_t_world *w, const char *fault_json);
void pdh_t_world_reset_calls(pdh_t_world *w);
/* Expects that many GET, POST and DELETE calls served since the start (or the last reset). */
void pdh_t_world_expect_calls(pdh_t_world *w, int get, int post, int del);
/* The call log: "METHOD PATH STATUS" lines in the order served. Caller frees. */
char *pdh_t_world_call_log(pdh_t_world *w);
/* How many times needle occurs in text (a call log). */
int pdh_t_count(const char *text, const char *needle);
/* The fake's webhooks as a JSON array. Caller decrefs. */
json_t *pdh_t_world_hooks(pdh_t_world *w);
/* How many live webhooks have this URL (and are active, when active_only); how many in all. */
int pdh_t_world_count_url(pdh_t_world *w, const char *url, bool active_only);
size_t pdh_t_world_count_hooks(pdh_t_world *w);

/* A fleet's world: one pdhooks-fake per company (token "tok-I", company_id 101+I, the same
 * extra arguments), DIR/pdhooks.yaml holding desired, and the environment with PDH_T_TOK_I=tok-I
 * for every company (token_env of the accounts pdh_t_fleet_account writes). Teardown stops
 * the fakes and removes the directory. */
#define PDH_T_FLEET_MAX 8
typedef struct pdh_t_fleet {
	pdh_t_fake *fakes[PDH_T_FLEET_MAX];
	size_t n;
	char *dir;
	char *desired;     /* DIR/pdhooks.yaml */
	char *fleet;       /* DIR/fleet.yaml, written by pdh_t_fleet_write */
	char *tokens[PDH_T_FLEET_MAX];   /* "tok-I" (the fakes borrow them) */
	char *env[PDH_T_FLEET_MAX + 6];  /* PDH_T_TOK_I=..., the single-company variables unset */
} pdh_t_fleet;

void pdh_t_fleet_setup(pdh_t_fleet *w, size_t n, char *const fake_args[], const char *desired);
void pdh_t_fleet_teardown(pdh_t_fleet *w);
/* "  - name: NAME\n    api_url: URL-of-company-I\n    token_env: PDH_T_TOK_I\n" then extra
 * (more keys of the entry, each line indented by 4; may be NULL). Caller frees. */
char *pdh_t_fleet_account(const pdh_t_fleet *w, const char *name, size_t company,
                          const char *extra);
/* The same with company's URL and company token's token_env (another company's: refused). */
char *pdh_t_fleet_account_token(const pdh_t_fleet *w, const char *name, size_t company,
                                size_t token, const char *extra);
/* Writes DIR/fleet.yaml: "pdhooks_fleet: 1", "desired: pdhooks.yaml", then the account
 * entries (NULL-terminated; each from pdh_t_fleet_account, freed here). */
void pdh_t_fleet_write(pdh_t_fleet *w, char *accounts[]);
/* `plan --fleet --shard I/2 --format json` for shards 0 and 1, each report (exit 0 asserted)
 * written to paths[I] = DIR/shard-I.json (caller frees). */
void pdh_t_fleet_shard_reports(const pdh_t_fleet *w, char *paths[2]);

/* Validates a fleet report (JSON text) against schemas/fleet-report.schema.json with
 * python3-jsonschema. */
void pdh_t_fleet_check_report(const char *report);
/* The figures of a fleet's text or Markdown summary line, which must start with head
 * ("Fleet: 1 in sync, 2 with changes, 0 failed (3 accounts") and end "; C API calls, T
 * tokens)."; fails the test when no such line is in out. */
void pdh_t_fleet_summary(const char *out, const char *head, long long *calls,
                         long long *tokens);
/* The same, expecting the figures calls and tokens (-1: any). */
void pdh_t_fleet_expect_summary(const char *out, const char *head, long long calls,
                                long long tokens);
/* The account named name in a fleet report's "accounts" (borrowed); fails the test when none. */
json_t *pdh_t_report_account(json_t *report, const char *name);

/* `pdhooks apply -f FILE --auto-approve [OPT [VALUE]]` in the world (pdh_t_world_run; opt and
 * value may be NULL), expecting exit status want (stdout and stderr shown when it is not). */
void pdh_t_world_apply(pdh_t_run *r, const pdh_t_world *w, int want, const char *opt,
                       const char *value);

/* `pdhooks CMD -f FILE --metrics-file PATH` in the world, expecting exit 0 (stderr shown when
 * not): the text of the metrics file it wrote (malloc'd; the test fails when there is none). */
char *pdh_t_world_metrics(const pdh_t_world *w, const char *cmd, const char *path);

/* A suite whose every test has a world: the static pdh_t_world W, set up with the
 * desired file desired (NULL: none) before each test of suite and torn down after it. */
#define PDH_T_WORLD_SUITE(suite, desired)                                        \
	static pdh_t_world W;                                                    \
	static void S_world_init(void)                                           \
	{                                                                        \
		pdh_t_world_setup(&W, NULL, desired);                            \
	}                                                                        \
	static void S_world_fini(void)                                           \
	{                                                                        \
		pdh_t_world_teardown(&W);                                        \
	}                                                                        \
	TestSuite(suite, .init = S_world_init, .fini = S_world_fini)

/* A fleet suite: the static pdh_t_fleet var, a fleet of n companies with the desired file
 * desired, set up before each test of suite and torn down after it (120 s per test). */
#define PDH_T_FLEET_SUITE(var, suite, n, desired)                               \
	static pdh_t_fleet var;                                                  \
	static void S_fleet_init_##suite(void)                                   \
	{                                                                        \
		pdh_t_fleet_setup(&var, n, NULL, desired);                       \
	}                                                                        \
	static void S_fleet_fini_##suite(void)                                   \
	{                                                                        \
		pdh_t_fleet_teardown(&var);                                      \
	}                                                                        \
	TestSuite(suite, .init = S_fleet_init_##suite, .fini = S_fleet_fini_##suite, .timeout = 120)

#endif
