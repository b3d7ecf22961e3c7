/* A listing whose ids cannot be trusted (one id twice, an id of 0 or below) is refused as a
 * protocol error: the plan would keep one copy and delete "the other", the same webhook. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pdhooks/live.h"

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
