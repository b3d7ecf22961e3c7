/* Pipedrive's contract (pipedrive/openapi-webhooks.yaml) against the loader, the URL key and
 * the response parsers: limits counted as the spec counts them, shapes the spec allows. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/client.h"
#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/error.h"
#include "pdhooks/live.h"

static int S_load(pdh_desired **d, pdh_diags *diags, const char *yaml)
{
	pdh_error err = { 0 };

	pdh_diags_init(diags, "t.yaml");
	return pdh_desired_load_buffer(d, "t.yaml", yaml, strlen(yaml), NULL, diags, &err);
}

static char *S_file_with_name(const char *unit, size_t n)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n  - name: \"");
	for (size_t i = 0; i < n; i++)
		pdh_buf_puts(&b, unit);
	pdh_buf_puts(&b, "\"\n    event_action: create\n    event_object: deal\n"
	                 "    subscription_url: https://hooks.example.com/d\n");
	return pdh_buf_detach(&b);
}

/* The spec's maxLength: 255 counts characters, as JSON Schema does (and as the fake does). */
Test(openapi_contract, a_name_of_255_two_byte_characters_loads)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	char *yaml = S_file_with_name("\xc3\xa9", 255);

	cr_expect_eq(S_load(&d, &diags, yaml), PDH_OK,
	             "%s", diags.len ? diags.items[0].message : "");
	cr_expect_eq(diags.len, 0);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	free(yaml);
}

Test(openapi_contract, a_name_of_256_characters_is_refused_in_characters)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	char *yaml = S_file_with_name("\xc3\xa9", 256);

	cr_expect_eq(S_load(&d, &diags, yaml), PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags.len, 1);
	cr_expect_str_eq(diags.items[0].message,
	                 "name is 256 characters long; Pipedrive allows at most 255");
	pdh_diags_dispose(&diags);
	free(yaml);
}

/* addWebhookRequest: http_auth_password is a nullable string; an empty one means none and is
 * sent as null, as the plan compares it, so the next listing agrees with the file. */
Test(openapi_contract, an_empty_password_is_sent_as_null)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	char *body;

	cr_assert_eq(S_load(&d, &diags, "pdhooks: 1\nwebhooks:\n"
	                                "  - event_action: create\n    event_object: deal\n"
	                                "    subscription_url: https://hooks.example.com/d\n"
	                                "    http_auth_user: u\n    http_auth_password: \"\"\n"),
	             PDH_OK);
	body = pdh_client_create_body(&d->webhooks[0]);
	cr_expect_not_null(strstr(body, "\"http_auth_password\":null"), "%s", body);
	cr_expect_not_null(strstr(body, "\"http_auth_user\":\"u\""), "%s", body);
	free(body);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}

/* A message quoting a value shows a bidirectional override or a C1 control escaped, as the
 * source line under it does: the raw U+202E would turn the rest of the line around. */
Test(openapi_contract, a_quoted_value_in_a_message_is_escaped)
{
	pdh_desired *d = NULL;
	pdh_diags diags;

	cr_expect_eq(S_load(&d, &diags, "pdhooks: 1\nwebhooks:\n"
	                                "  - event_action: \"cre\xe2\x80\xae" "ate\\x9b\"\n"
	                                "    event_object: deal\n"
	                                "    subscription_url: https://hooks.example.com/d\n"),
	             PDH_EFILE);
	cr_assert_eq(diags.len, 1);
	cr_expect_not_null(strstr(diags.items[0].message, "'cre\\u{202E}ate\\u{009B}'"), "%s",
	                   diags.items[0].message);
	cr_expect_null(strstr(diags.items[0].message, "\xe2\x80\xae"), "%s", diags.items[0].message);
	pdh_diags_dispose(&diags);
}

#define S_HOOK "{\"id\":1,\"event_action\":\"added\",\"event_object\":\"activityType\"," \
	"\"subscription_url\":\"http://example.org\",\"version\":\"2.0\",\"is_active\":1," \
	"\"type\":\"general\",\"http_auth_user\":null,\"http_auth_password\":null," \
	"\"last_http_status\":null,\"future_field\":{\"x\":[1]}}"

/* A listing that says it has more pages is part of the webhooks: refused, never planned on. */
Test(openapi_contract, a_listing_that_says_there_is_more_is_refused)
{
	static const char paged[] = "{\"success\":true,\"data\":[" S_HOOK "],\"additional_data\":"
	                            "{\"pagination\":{\"start\":0,\"limit\":1,"
	                            "\"more_items_in_collection\":true}}}";
	static const char last[] = "{\"success\":true,\"data\":[" S_HOOK "],\"additional_data\":"
	                           "{\"pagination\":{\"more_items_in_collection\":false}}}";
	pdh_live *l = NULL;
	pdh_error err = { 0 };

	cr_expect_eq(pdh_live_parse_listing(&l, paged, strlen(paged), &err), PDH_EPROTO);
	cr_expect_null(l);
	cr_expect_not_null(strstr(err.message, "more_items_in_collection: true"), "%s",
	                   err.message);
	cr_expect_eq(pdh_live_parse_listing(&l, last, strlen(last), &err), PDH_OK, "%s",
	             err.message);
	cr_assert_not_null(l);
	cr_expect_eq(l->n, 1);
	pdh_live_free(l);
}
