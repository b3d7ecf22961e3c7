/* A ${VAR} from the environment in a URL path is never printed by any command in any format:
 * every row of the tables below is one command line, run against pdhooks-fake listing a
 * webhook with that URL (matched, with delivery health, replaced, deleted, foreign), and its
 * stdout, stderr and written files must not hold the value. A new command or format is one
 * more row. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

/* The value of HOOK_SECRET in the environment. (A fleet account's vars are written in the
 * fleet file, not secrets.) */
#define ENV_SECRET "s3cr3t-path-7f1c9a"
#define ZAP "https://hooks.zapier.com/hooks/catch/123/"

#define DESIRED                                                                 \
	"pdhooks: 1\n"                                                          \
	"webhooks:\n"                                                           \
	"  - name: zap\n"                                                       \
	"    event_action: create\n"                                            \
	"    event_object: deal\n"                                              \
	"    subscription_url: " ZAP "${HOOK_SECRET}/\n"                        \
	"  - name: zap-people\n"                                                \
	"    event_action: change\n"                                            \
	"    event_object: person\n"                                            \
	"    subscription_url: " ZAP "${HOOK_SECRET}/people\n"

/* Live, under the secret path: the deal webhook (unchanged, its last delivery failed), people
 * under an old name (a replace), an undeclared one named after its URL (a delete) and an
 * automation (foreign). */
static char *S_live(const char *secret)
{
	return pdh_xasprintf(
		"[{\"id\":11,\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"zap\","
		"  \"subscription_url\":\"" ZAP "%s/\",\"last_http_status\":500,"
		"  \"last_delivery_time\":\"2026-11-30 10:00:00\"},"
		" {\"id\":12,\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"old\","
		"  \"subscription_url\":\"" ZAP "%s/people\"},"
		" {\"id\":13,\"event_action\":\"delete\",\"event_object\":\"note\","
		"  \"name\":\"delete.note hooks.zapier.com/hooks/catch/123/%s/gone\","
		"  \"subscription_url\":\"" ZAP "%s/gone\"},"
		" {\"id\":14,\"event_action\":\"create\",\"event_object\":\"deal\",\"type\":\"automation\","
		"  \"name\":\"auto %s\",\"subscription_url\":\"" ZAP "%s/auto\"}]",
		secret, secret, secret, secret, secret, secret);
}

/* One command line. In args, "@F" is the desired (or fleet) file and "@D/NAME" a path in the
 * test's directory. */
typedef struct S_row {
	const char *args[16];
	int status;           /* its exit status */
	const char *shows;    /* stdout holds this (the URL as its reference), NULL: not checked */
	const char *wrote[2]; /* "@D/NAME": files, or directories of files, it writes; checked too */
	const char *keep;     /* "@D/NAME": its stdout is saved there, for a later row */
} S_row;

#define REF ZAP "${HOOK_SECRET}/"
#define REF_JSON "${HOOK_SECRET}"
#define REF_MD "\\${HOOK\\_SECRET}"

static const S_row S_single[] = {
	{ { "validate", "-f", "@F" }, 0, NULL, { NULL }, NULL },
	{ { "plan", "-v", "-f", "@F" }, 0, REF, { NULL }, NULL },
	{ { "plan", "-f", "@F", "--format", "json" }, 0, REF_JSON, { NULL }, NULL },
	{ { "plan", "-f", "@F", "--format", "markdown" }, 0, REF_MD, { NULL }, NULL },
	{ { "plan", "-f", "@F", "-o", "@D/saved.plan", "--metrics-file", "@D/plan.prom" }, 0, REF,
	  { "@D/saved.plan", "@D/plan.prom" }, NULL },
	{ { "apply", "@D/saved.plan", "--auto-approve" }, 0, REF, { NULL }, NULL },
	{ { "apply", "-v", "-f", "@F", "--auto-approve" }, 0, REF, { NULL }, NULL },
	{ { "apply", "-f", "@F", "--auto-approve", "--format", "json", "--metrics-file",
	    "@D/apply.prom" }, 0, REF_JSON, { "@D/apply.prom" }, NULL },
	{ { "status", "-f", "@F" }, 0, REF, { NULL }, NULL },
	{ { "status", "-f", "@F", "--format", "json", "--metrics-file", "@D/status.prom" }, 0,
	  REF_JSON, { "@D/status.prom" }, NULL },
	/* export reads no desired file: it cannot know which part of a live URL came from a
	 * variable, and the file it writes must hold the real URL to plan nothing; what it
	 * prints is checked. */
	{ { "export", "-o", "@D/export.yaml" }, 0, NULL, { NULL }, NULL },
};

static const S_row S_fleet[] = {
	{ { "validate", "--fleet", "@F" }, 0, NULL, { NULL }, NULL },
	{ { "plan", "--fleet", "@F" }, 0, REF, { NULL }, NULL },
	{ { "plan", "--fleet", "@F", "--format", "json" }, 0, REF_JSON, { NULL }, "@D/shard.json" },
	{ { "plan", "--fleet", "@F", "--format", "markdown" }, 0, REF_MD, { NULL }, NULL },
	{ { "plan", "--fleet", "@F", "-o", "@D/plans", "--metrics-file", "@D/plan.prom" }, 0, REF,
	  { "@D/plans", "@D/plan.prom" }, NULL },
	{ { "merge", "@D/shard.json" }, 0, REF, { NULL }, NULL },
	{ { "merge", "@D/shard.json", "--format", "json" }, 0, REF_JSON, { NULL }, NULL },
	{ { "merge", "@D/shard.json", "--format", "markdown" }, 0, REF_MD, { NULL }, NULL },
	{ { "apply", "--fleet", "@F", "@D/plans", "--auto-approve" }, 0, REF, { NULL }, NULL },
	{ { "apply", "--fleet", "@F", "--auto-approve", "--metrics-file", "@D/apply.prom" }, 0,
	  REF, { "@D/apply.prom" }, NULL },
	{ { "apply", "--fleet", "@F", "--auto-approve", "--format", "json" }, 0, REF_JSON, { NULL },
	  NULL },
	{ { "status", "--fleet", "@F", "--metrics-file", "@D/status.prom" }, 0, REF,
	  { "@D/status.prom" }, NULL },
	{ { "status", "--fleet", "@F", "--format", "json" }, 0, REF_JSON, { NULL }, NULL },
};

typedef struct S_ctx {
	const char *dir;
	const char *file;
	const char *const *secrets;   /* NULL-terminated */
	const char *row;              /* the command line, for messages */
} S_ctx;

static char *S_arg(const S_ctx *c, const char *a)
{
	if (strcmp(a, "@F") == 0)
		return pdh_xstrdup(c->file);
	if (strncmp(a, "@D/", 3) == 0)
		return pdh_xasprintf("%s/%s", c->dir, a + 3);
	return pdh_xstrdup(a);
}

static void S_no_secret(const S_ctx *c, const char *what, const char *text)
{
	cr_assert_not_null(text, "%s: %s: nothing to read", c->row, what);
	for (size_t i = 0; c->secrets[i]; i++)
		cr_expect_null(strstr(text, c->secrets[i]), "`pdhooks %s`: %s shows '%s':\n%s",
		               c->row, what, c->secrets[i], text);
}

static void S_check_file(const S_ctx *c, const char *path)
{
	char *text = pdh_t_read_file(path, NULL);

	S_no_secret(c, path, text);
	free(text);
}

/* A file, or each file of a directory. */
static void S_check_written(const S_ctx *c, const char *path)
{
	struct stat st;
	struct dirent *e;
	int files = 0;
	DIR *d;

	cr_assert_eq(stat(path, &st), 0, "`pdhooks %s` wrote no %s", c->row, path);
	if (!S_ISDIR(st.st_mode)) {
		S_check_file(c, path);
		return;
	}
	d = opendir(path);
	cr_assert_not_null(d, "cannot open %s", path);
	while ((e = readdir(d)) != NULL) {
		char *one;

		if (e->d_name[0] == '.')
			continue;
		one = pdh_xasprintf("%s/%s", path, e->d_name);
		S_check_file(c, one);
		free(one);
		files++;
	}
	closedir(d);
	cr_expect_gt(files, 0, "`pdhooks %s`: %s is empty", c->row, path);
}

/* Runs every row (reset() first) in env, checking what each prints and writes. */
static void S_run_rows(const S_row *rows, size_t n, S_ctx *c, char *const env[],
                       void (*reset)(void *), void *reset_ctx)
{
	const char *bin = getenv("PDH_BIN");

	cr_assert_not_null(bin);
	for (size_t i = 0; i < n; i++) {
		const S_row *row = &rows[i];
		char *argv[20], line[512] = "";
		size_t k = 0;
		pdh_t_run r;

		reset(reset_ctx);
		argv[k++] = pdh_xstrdup(bin);
		for (size_t a = 0; row->args[a]; a++) {
			argv[k++] = S_arg(c, row->args[a]);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s",
			         a ? " " : "", row->args[a]);
		}
		argv[k] = NULL;
		c->row = line;
		pdh_t_run_argv(&r, argv, env, NULL);
		cr_expect_eq(r.status, row->status, "`pdhooks %s` exited %d:\n%s\n%s", line, r.status,
		             r.out, r.err);
		S_no_secret(c, "stdout", r.out);
		S_no_secret(c, "stderr", r.err);
		if (row->shows)
			cr_expect_not_null(strstr(r.out, row->shows), "`pdhooks %s` does not show %s:\n%s",
			                   line, row->shows, r.out);
		for (size_t f = 0; f < 2 && row->wrote[f]; f++) {
			char *path = S_arg(c, row->wrote[f]);
			S_check_written(c, path);
			free(path);
		}
		if (row->keep) {
			char *path = S_arg(c, row->keep);
			pdh_t_write_file(path, r.out);
			free(path);
		}
		pdh_t_run_dispose(&r);
		for (size_t a = 0; a < k; a++)
			free(argv[a]);
	}
}

/* base (NULL-terminated) and HOOK_SECRET into env, which has room for n entries. */
static void S_env(char **env, size_t n, char *const base[])
{
	size_t k = 0;

	while (base[k] && k + 2 < n) {
		env[k] = base[k];
		k++;
	}
	cr_assert_null(base[k], "too many environment entries");
	env[k] = "HOOK_SECRET=" ENV_SECRET;
	env[k + 1] = NULL;
}

static void S_reset_world(void *ctx)
{
	pdh_t_world *w = ctx;
	char *live = S_live(ENV_SECRET);

	pdh_t_fake_set_state(w->fake, live);
	free(live);
}

Test(secrets_everywhere, no_command_prints_a_url_path_secret_from_the_environment)
{
	static const char *const secrets[] = { ENV_SECRET, NULL };
	pdh_t_world w;
	char *env[PDH_T_WORLD_ENV + 2];
	S_ctx c;

	pdh_t_world_setup(&w, NULL, DESIRED);
	S_env(env, sizeof(env) / sizeof(env[0]), w.env);
	c = (S_ctx){ w.dir, w.file, secrets, NULL };
	S_run_rows(S_single, sizeof(S_single) / sizeof(S_single[0]), &c, env, S_reset_world, &w);
	pdh_t_world_teardown(&w);
}

static void S_reset_fleet(void *ctx)
{
	pdh_t_fleet *f = ctx;
	char *live = S_live(ENV_SECRET);

	for (size_t i = 0; i < f->n; i++)
		pdh_t_fake_set_state(f->fakes[i], live);
	free(live);
}

Test(secrets_everywhere, no_fleet_command_prints_a_url_path_secret_from_the_environment)
{
	static const char *const secrets[] = { ENV_SECRET, NULL };
	pdh_t_fleet f;
	char *env[PDH_T_FLEET_MAX + 8], *acc[3];
	S_ctx c;

	pdh_t_fleet_setup(&f, 2, NULL, DESIRED);
	acc[0] = pdh_t_fleet_account(&f, "acme", 0, NULL);
	acc[1] = pdh_t_fleet_account(&f, "globex", 1, "vars: { TENANT: globex }");
	acc[2] = NULL;
	pdh_t_fleet_write(&f, acc);
	S_env(env, sizeof(env) / sizeof(env[0]), f.env);
	c = (S_ctx){ f.dir, f.fleet, secrets, NULL };
	S_run_rows(S_fleet, sizeof(S_fleet) / sizeof(S_fleet[0]), &c, env, S_reset_fleet, &f);
	pdh_t_fleet_teardown(&f);
}
