/* Pipedrive's times in both forms read into ISO 8601 UTC (pdh_iso_time), one table; the
 * listing's parser applying it to add_time, last_delivery_time and remove_time; and the
 * x-correlation-id header read into a call's result. */
#include <criterion/criterion.h>
#include <string.h>

#include "pdhooks/http.h"
#include "pdhooks/live.h"
#include "util/iso_time.h"

static const struct {
	const char *in;
	const char *want;   /* NULL: not a time pdhooks reads */
} S_cases[] = {
	/* ISO 8601, as the spec's examples write it */
	{ "2019-10-25T08:25:27.000Z", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T08:25:27Z", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T08:25:27.123456Z", "2019-10-25T08:25:27Z" },
	{ "2019-10-25t08:25:27z", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T08:25:27", "2019-10-25T08:25:27Z" },
	/* offsets, into UTC, across a day, a month and a year */
	{ "2019-10-25T10:25:27+02:00", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T10:25:27.5+0200", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T10:25:27+02", "2019-10-25T08:25:27Z" },
	{ "2019-10-25T01:00:00+05:30", "2019-10-24T19:30:00Z" },
	{ "2019-12-31T22:00:00-03:00", "2020-01-01T01:00:00Z" },
	{ "2020-03-01T00:30:00+01:00", "2020-02-29T23:30:00Z" },
	{ "2019-03-01T00:30:00+01:00", "2019-02-28T23:30:00Z" },
	/* Pipedrive v1's form, UTC */
	{ "2019-10-25 08:25:27", "2019-10-25T08:25:27Z" },
	{ "2019-10-25 08:25:27.250", "2019-10-25T08:25:27Z" },
	{ "2024-02-29 23:59:59", "2024-02-29T23:59:59Z" },
	{ "1970-01-01 00:00:00", "1970-01-01T00:00:00Z" },
	/* neither */
	{ "", NULL },
	{ "yesterday", NULL },
	{ "2019-10-25", NULL },
	{ "2019-10-25 08:25", NULL },
	{ "2019-10-25 08:25:27Z", NULL },        /* the v1 form has no zone */
	{ "2019-10-25 08:25:27+02:00", NULL },
	{ "2019-13-01T00:00:00Z", NULL },
	{ "2019-02-29T00:00:00Z", NULL },
	{ "1900-02-29 00:00:00", NULL },
	{ "2019-04-31 00:00:00", NULL },
	{ "2019-10-25T24:00:00Z", NULL },
	{ "2019-10-25T08:60:00Z", NULL },
	{ "2019-10-25T08:25:60Z", NULL },
	{ "2019-10-25T08:25:27.Z", NULL },
	{ "2019-10-25T08:25:27+2:00", NULL },
	{ "2019-10-25T08:25:27+02:00x", NULL },
	{ "2019-10-25T08:25:27 ", NULL },
	{ " 2019-10-25T08:25:27Z", NULL },
	{ "19-10-25T08:25:27Z", NULL },
	{ "2019/10/25 08:25:27", NULL },
	{ "0000-01-01T00:30:00+01:00", NULL },   /* before year 0 once in UTC */
	{ "1571991927", NULL },
};

Test(iso_time, the_table)
{
	for (size_t i = 0; i < sizeof(S_cases) / sizeof(S_cases[0]); i++) {
		char out[PDH_ISO_TIME_LEN];
		int rc;

		memset(out, 'x', sizeof(out));
		rc = pdh_iso_time(S_cases[i].in, out);
		if (S_cases[i].want) {
			cr_expect_eq(rc, 0, "'%s' should read", S_cases[i].in);
			if (rc == 0)
				cr_expect_str_eq(out, S_cases[i].want, "'%s'", S_cases[i].in);
		} else {
			cr_expect_eq(rc, -1, "'%s' should not read (got %.20s)", S_cases[i].in, out);
		}
	}
	cr_expect_eq(pdh_iso_time(NULL, (char[PDH_ISO_TIME_LEN]){ 0 }), -1);
}

#define S_HOOK(times) \
	"{\"success\":true,\"data\":[{\"id\":7,\"event_action\":\"create\",\"event_object\":" \
	"\"deal\",\"subscription_url\":\"https://h.example.com/d\"," times "}]}"

/* The listing body parsed (the test fails when it is refused). */
static pdh_live *S_parse(const char *body)
{
	pdh_live *l = NULL;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_live_parse_listing(&l, body, strlen(body), &err), 0, "%s", err.message);
	return l;
}

/* The listing's three times come out in one form, whichever Pipedrive used. */
Test(iso_time, the_listing_reads_both_forms)
{
	const char *body = S_HOOK("\"add_time\":\"2019-10-25 08:25:27\",\"last_delivery_time\":"
	                          "\"2019-10-25T10:25:27.000+02:00\",\"remove_time\":"
	                          "\"2019-10-26T00:00:00.000Z\"");
	pdh_live *l = S_parse(body);

	cr_expect_str_eq(l->items[0].add_time, "2019-10-25T08:25:27Z");
	cr_expect_str_eq(l->items[0].last_delivery_time, "2019-10-25T08:25:27Z");
	cr_expect_str_eq(l->items[0].remove_time, "2019-10-26T00:00:00Z");
	cr_expect_null(l->items[0].time_note);
	pdh_live_free(l);
}

/* A time in neither form is kept as written and noted, never an error. */
Test(iso_time, a_time_in_neither_form_is_kept_and_noted)
{
	const char *body = S_HOOK("\"add_time\":\"2019-10-25 08:25:27\",\"last_delivery_time\":"
	                          "\"last Tuesday\",\"remove_time\":\"soon\\u001b[2J\"");
	pdh_live *l = S_parse(body);

	cr_expect_str_eq(l->items[0].add_time, "2019-10-25T08:25:27Z");
	cr_expect_str_eq(l->items[0].last_delivery_time, "last Tuesday");
	cr_assert_not_null(l->items[0].time_note);
	cr_expect_not_null(strstr(l->items[0].time_note, "last_delivery_time \"last Tuesday\" is "
	                          "not a time pdhooks reads"), "%s", l->items[0].time_note);
	cr_expect_null(strchr(l->items[0].time_note, '\033'), "%s", l->items[0].time_note);
	pdh_live_free(l);
}

static void S_header(pdh_http_result *r, const char *line)
{
	pdh_http_parse_header(r, line, strlen(line), 0);
}

/* x-correlation-id is kept when it is a plain token, in any case of its name; a 1xx answer's
 * is forgotten; text that is not a token is never kept (it reaches messages). */
Test(iso_time, correlation_id_header)
{
	pdh_http_result r;

	pdh_http_result_init(&r);
	cr_expect_str_eq(r.correlation_id, "");
	S_header(&r, "X-Correlation-Id: 3f2a9c1e-7b1d-4e2a-9c3b-0123456789ab\r\n");
	cr_expect_str_eq(r.correlation_id, "3f2a9c1e-7b1d-4e2a-9c3b-0123456789ab");
	S_header(&r, "HTTP/1.1 200 OK\r\n");
	cr_expect_str_eq(r.correlation_id, "");
	S_header(&r, "x-correlation-id: abc\033[2J\r\n");
	cr_expect_str_eq(r.correlation_id, "");
	S_header(&r, "x-correlation-id: a b\r\n");
	cr_expect_str_eq(r.correlation_id, "");
	S_header(&r, "x-correlation-id: "
	             "0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
	cr_expect_str_eq(r.correlation_id, "");
	S_header(&r, "x-correlation-id:req_1.2:3\r\n");
	cr_expect_str_eq(r.correlation_id, "req_1.2:3");
}
