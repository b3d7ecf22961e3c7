/* The reconciliation rules, one case per directory in testdata/plan/<case>/:
 *   desired.yaml   the desired-state file (loaded by the real loader)
 *   live.json      Pipedrive's GET /webhooks answer (parsed by the real parser)
 *   options        optional: "max_deletes N" (as --max-deletes N), "auth oauth" (an OAuth
 *                  token's run; the default is an API token's), "adopt", "takeover OWNER",
 *                  "target GLOB", "exclude GLOB" (as the options of the same names)
 *   expected.txt   the exact text rendering, without colour; "error: MESSAGE" when the plan
 *                  is an error
 * PDH_UPDATE_EXPECTED=1 rewrites expected.txt from the current output instead of comparing;
 * review the diff before committing it. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/render_text.h"
#include "testutil.h"

#define S_MIN_CASES 30
#define S_MAX_CASES 200

typedef struct S_case {
	char name[96];
} S_case;

/* The environment of every case: the secrets the files refer to. None may appear in output. */
static const char *const S_env[][2] = {
	{ "PD_HOOK_PASSWORD", "s3cret-hook" },
	{ "OTHER_PASSWORD", "other-s3cret" },
};

static const char *S_getenv(const char *name, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(S_env) / sizeof(S_env[0]); i++)
		if (strcmp(name, S_env[i][0]) == 0)
			return S_env[i][1];
	return NULL;
}

static int S_name_cmp(const void *a, const void *b)
{
	return strcmp(((const S_case *)a)->name, ((const S_case *)b)->name);
}

/* The case directories, sorted; *n their number. Caller frees with free(). */
static S_case *S_list_cases(size_t *n)
{
	char *dir = pdh_t_testdata("plan");
	DIR *d = opendir(dir);
	S_case *cases = calloc(S_MAX_CASES, sizeof(*cases));
	struct dirent *e;

	*n = 0;
	while (d && cases && (e = readdir(d)) != NULL && *n < S_MAX_CASES) {
		struct stat st;
		char *path = pdh_xasprintf("%s/%s", dir, e->d_name);
		bool is_case = e->d_name[0] != '.' && strlen(e->d_name) < sizeof(cases[0].name) &&
		               stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		free(path);
		if (is_case)
			strcpy(cases[(*n)++].name, e->d_name);
	}
	if (d)
		closedir(d);
	free(dir);
	qsort(cases, *n, sizeof(*cases), S_name_cmp);
	return cases;
}

static void S_free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

ParameterizedTestParameters(plan, cases)
{
	size_t n;
	S_case *found = S_list_cases(&n);
	S_case *params = cr_calloc(n ? n : 1, sizeof(*params));

	memcpy(params, found, n * sizeof(*params));
	free(found);
	return cr_make_param_array(S_case, params, n, S_free_params);
}

static char *S_case_file(const char *name, const char *file)
{
	char *rel = pdh_xasprintf("plan/%s/%s", name, file);
	char *path = pdh_t_testdata(rel);
	free(rel);
	return path;
}

/* The case's desired.yaml, loaded with S_env (the test stops with the diagnostics when it
 * does not load). */
static pdh_desired *S_load_desired(const char *name)
{
	char *yaml = S_case_file(name, "desired.yaml");
	pdh_load_opts lopts = { .getenv = S_getenv };
	pdh_diags diags;
	pdh_desired *desired = NULL;
	pdh_error err = { 0 };

	pdh_diags_init(&diags, yaml);
	if (pdh_desired_load_file(&desired, yaml, &lopts, &diags, &err) != 0) {
		char *text = pdh_diags_render(&diags, NULL, 0, false, false);
		cr_assert_fail("%s does not load: %s\n%s", yaml, err.message, text);
	}
	pdh_diags_dispose(&diags);
	free(yaml);
	return desired;
}

/* The case's live.json, parsed as Pipedrive's listing (the test stops when it is not). */
static pdh_live *S_load_live(const char *name)
{
	char *json_path = S_case_file(name, "live.json");
	pdh_live *live = NULL;
	pdh_error err = { 0 };
	size_t json_len = 0;
	char *json = pdh_t_read_file(json_path, &json_len);

	cr_assert_not_null(json, "cannot read %s", json_path);
	cr_assert_eq(pdh_live_parse_listing(&live, json, json_len, &err), 0, "%s: %s", json_path,
	             err.message);
	free(json);
	free(json_path);
	return live;
}

ParameterizedTest(S_case *c, plan, cases)
{
	char *want_path = S_case_file(c->name, "expected.txt");
	char *opts_path = S_case_file(c->name, "options");
	pdh_plan_opts popts;
	pdh_desired *desired;
	pdh_live *live;
	pdh_plan *plan = NULL;
	pdh_error err = { 0 };
	char *got, *want;

	pdh_t_plan_options(opts_path, &popts);
	free(opts_path);
	desired = S_load_desired(c->name);
	live = S_load_live(c->name);
	/* A plan that is an error (two owners declare one key) has the message as its text. */
	if (pdh_plan_compute(&plan, desired, live, &popts, &err) != 0)
		got = pdh_xasprintf("error: %s\n", err.message);
	else
		got = pdh_render_text(plan, false);
	for (size_t i = 0; i < sizeof(S_env) / sizeof(S_env[0]); i++)
		cr_expect(strstr(got, S_env[i][1]) == NULL, "%s: the secret of %s is in the output",
		          c->name, S_env[i][0]);
	cr_expect(strchr(got, '\033') == NULL, "no colour unless asked");

	const char *update = getenv("PDH_UPDATE_EXPECTED");
	if (update && strcmp(update, "1") == 0) {
		pdh_t_write_file(want_path, got);
	} else {
		want = pdh_t_read_file(want_path, NULL);
		cr_assert_not_null(want, "%s is missing (PDH_UPDATE_EXPECTED=1 writes it)", want_path);
		cr_expect_str_eq(got, want, "%s: the plan differs from expected.txt\n--- got:\n%s"
		                 "--- expected:\n%s", c->name, got, want);
		free(want);
	}
	free(got);
	pdh_plan_free(plan);
	pdh_live_free(live);
	pdh_desired_free(desired);
	free(want_path);
}

Test(plan, enough_cases)
{
	size_t n;
	S_case *cases = S_list_cases(&n);
	cr_expect_geq(n, S_MIN_CASES, "testdata/plan has %zu cases", n);
	free(cases);
}
