/* A listing whose ids cannot be trusted (one id twice, an id of 0 or below) is refused as a
 * protocol error: the plan would keep one copy and delete "the other", the same webhook. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/live.h"
#include "testutil.h"
#include "world.h"

#define HOOK(id, url) \
	"{\"id\":" #id ",\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"" url "\",\"type\":\"general\",\"is_active\":1}"

static int S_parse(const char *items, pdh_error *err)
{
	char body[1024];
	pdh_live *l = NULL;
	int rc;

	snprintf(body, sizeof(body), "{\"success\":true,\"data\":[%s]}", items);
	memset(err, 0, sizeof(*err));
	rc = pdh_live_parse_listing(&l, body, strlen(body), err);
	if (rc != 0)
		cr_expect_null(l);
	pdh_live_free(l);
	return rc;
}

Test(listing_ids, one_id_twice_is_refused)
{
	pdh_error err;

	cr_expect_eq(S_parse(HOOK(7, "https://h.example/a") "," HOOK(8, "https://h.example/b") ","
	                     HOOK(7, "https://h.example/c"), &err), PDH_EPROTO);
	cr_expect_str_eq(err.message, "the webhook listing (GET /webhooks): id 7 appears twice "
	                 "(items 0 and 2); pdhooks plans nothing on such a listing");
	cr_expect_eq(S_parse(HOOK(7, "https://h.example/a") "," HOOK(8, "https://h.example/b"),
	                     &err), 0, "distinct ids are fine");
}

Test(listing_ids, an_id_of_zero_or_below_is_refused)
{
	pdh_error err;

	cr_expect_eq(S_parse(HOOK(0, "https://h.example/a"), &err), PDH_EPROTO);
	cr_expect_str_eq(err.message, "the webhook listing (GET /webhooks): item 0: \"id\" is 0, "
	                 "expected a positive integer");
	cr_expect_eq(S_parse(HOOK(1, "https://h.example/a") "," HOOK(-3, "https://h.example/b"),
	                     &err), PDH_EPROTO);
	cr_expect_not_null(strstr(err.message, "item 1: \"id\" is -3, expected a positive integer"));
}

/* The webhooks of one listing are one company's: a listing that mixes companies names no
 * target, and a plan of it could delete another company's webhooks. */
#define IN_COMPANY(id, company) \
	"{\"id\":" #id ",\"company_id\":" #company ",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"subscription_url\":\"https://h.example/" #id "\"}"

Test(listing_ids, a_listing_of_two_companies_is_refused)
{
	pdh_error err;

	cr_expect_eq(S_parse(IN_COMPANY(7, 101) "," HOOK(8, "https://h.example/b") ","
	                     IN_COMPANY(9, 202), &err), PDH_EPROTO);
	cr_expect_str_eq(err.message, "the webhook listing (GET /webhooks) mixes companies 101 "
	                 "and 202 (items 0 and 2); pdhooks plans nothing on such a listing");
	cr_expect_eq(S_parse(IN_COMPANY(7, 101) "," HOOK(8, "https://h.example/b") ","
	                     IN_COMPANY(9, 101), &err), 0, "one company, and one without an id");
}

/* Against the fake holding state (a JSON array) and failing with fault (NULL: none): plan
 * and apply refuse the listing, with no write. */
static void S_refused_state(const char *fault, const char *state, const char *want)
{
	char *args[] = { "--fail", (char *)fault, NULL };
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, fault ? args : NULL,
	                  "pdhooks: 1\nmanage:\n  urls: [\"*\"]\nwebhooks:\n"
	                  "  - event_action: create\n    event_object: deal\n"
	                  "    subscription_url: https://h.example/new\n");
	pdh_t_fake_set_state(w.fake, state);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s: %s", fault, r.err);
	cr_expect_not_null(strstr(r.err, want), "%s: %s", fault, r.err);
	cr_expect_eq(r.out[0], '\0', "no plan printed: %s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "%s: %s", fault, r.err);
	cr_expect_not_null(strstr(r.err, want), "%s: %s", fault, r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST") + pdh_t_fake_calls(w.fake, "DELETE"), 0,
	             "%s: no write after such a listing", fault);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

static void S_refused(const char *fault, const char *want)
{
	S_refused_state(fault, "[" HOOK(7, "https://h.example/a") "," HOOK(8, "https://h.example/b")
	                "]", want);
}

Test(listing_ids, plan_and_apply_refuse_such_listings_from_the_server, .timeout = 60)
{
	S_refused("GET:duplicate-id:100", "appears twice");
	S_refused("GET:zero-id:100", "\"id\" is 0, expected a positive integer");
	S_refused("GET:negative-id:100", "\"id\" is -1, expected a positive integer");
	S_refused_state(NULL, "[" IN_COMPANY(7, 101) "," IN_COMPANY(8, 202) "]",
	                "mixes companies 101 and 202");
}
