/* Limits: a value the loader and the CLI accept is accepted everywhere else, because every
 * bound is read from core/include/pdhooks/limits.h. The case that drifted: plan -o accepted
 * manage.max_deletes 2000000 and apply PLANFILE refused its own saved plan. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/limits.h"
#include "testutil.h"
#include "world.h"

#define TOKEN "tok-limits-2000000"

#define DESIRED_BIG_BRAKE                                                              \
	"pdhooks: 1\n"                                                                 \
	"manage:\n"                                                                    \
	"  max_deletes: 2000000\n"                                                     \
	"webhooks:\n"                                                                  \
	"  - name: deals\n"                                                            \
	"    event_action: create\n"                                                   \
	"    event_object: deal\n"                                                     \
	"    subscription_url: https://hooks.example.com/pipedrive/deals\n"

static void S_plan_then_apply(const char *desired, const char *const plan_args[],
                              const char *want_in_plan)
{
	pdh_t_world w;
	pdh_t_run r;
	char *saved, *text;
	const char *argv[16];
	size_t n = 0;

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, desired);
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	argv[n++] = getenv("PDH_BIN");
	argv[n++] = "plan";
	argv[n++] = "-q";
	argv[n++] = "-f";
	argv[n++] = w.file;
	argv[n++] = "-o";
	argv[n++] = saved;
	for (size_t i = 0; plan_args && plan_args[i]; i++)
		argv[n++] = plan_args[i];
	argv[n] = NULL;
	pdh_t_run_argv(&r, (char *const *)argv, w.env, NULL);
	cr_assert_eq(r.status, 0, "plan -o: %s", r.err);
	pdh_t_run_dispose(&r);

	text = pdh_t_read_file(saved, NULL);
	cr_assert_not_null(text);
	cr_assert_not_null(strstr(text, want_in_plan), "the saved plan has %s: %s", want_in_plan,
	                   text);
	free(text);

	pdh_t_pdhooks(&r, w.env, NULL, "apply", "--auto-approve", saved, NULL);
	cr_expect_eq(r.status, 0, "apply PLANFILE: %s", r.err);
	cr_expect_null(strstr(r.err, "not a pdhooks saved plan"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	pdh_t_run_dispose(&r);
	free(saved);
	pdh_t_world_teardown(&w);
}

Test(limits, saved_plan_with_a_file_max_deletes_over_a_million_applies)
{
	S_plan_then_apply(DESIRED_BIG_BRAKE, NULL, "\"max_deletes\": 2000000");
}

Test(limits, saved_plan_with_the_largest_max_deletes_option_applies)
{
	char *max = pdh_xasprintf("%d", PDH_MAX_DELETES_MAX);
	char *want = pdh_xasprintf("\"max_deletes\": %d", PDH_MAX_DELETES_MAX);
	const char *const args[] = { "--max-deletes", max, NULL };

	S_plan_then_apply(DESIRED_BIG_BRAKE, args, want);
	free(max);
	free(want);
}

Test(limits, max_deletes_past_the_bound_is_refused_by_loader_and_cli)
{
	pdh_t_world w;
	pdh_t_run r;
	char *over = pdh_xasprintf("%lld", (long long)PDH_MAX_DELETES_MAX + 1);
	char *desired = pdh_xasprintf("pdhooks: 1\nmanage:\n  max_deletes: %s\nwebhooks: []\n", over);

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, desired);
	pdh_t_pdhooks(&r, w.env, NULL, "validate", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "max_deletes"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
	free(desired);

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, DESIRED_BIG_BRAKE);
	pdh_t_pdhooks(&r, w.env, NULL, "plan", "-f", w.file, "--max-deletes", over, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "--max-deletes"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
	free(over);
}
