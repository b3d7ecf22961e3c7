/* pdhooks-fake: the delivery-health fields of a webhook (last delivery, active, removal), seeded
 * through --state and changed through POST /_fake/webhooks/{id}. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"

static const char *const S_hdr[] = { "x-api-token: test-token",
	"Content-Type: application/json", NULL };
static const char *const S_health[] = { "last_delivery_time", "last_http_status", "is_active",
	"remove_time", "remove_reason" };

static json_t *S_call(pdh_t_fake *f, const char *method, const char *path, const char *body,
                      long want)
{
	char *url = pdh_xasprintf("%s%s", pdh_t_fake_url(f), path);
	pdh_t_http r;
	json_t *j;

	pdh_t_http_call(&r, method, url, S_hdr, body, -1);
	cr_assert_eq(r.curl_code, 0);
	cr_assert_eq(r.status, want, "%s %s: %ld %s", method, path, r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", r.body);
	pdh_t_http_dispose(&r);
	free(url);
	return j;
}

static json_t *S_listed(pdh_t_fake *f, long id)
{
	json_t *j = S_call(f, "GET", "/webhooks", NULL, 200), *h, *out = NULL;
	size_t i;

	json_array_foreach(json_object_get(j, "data"), i, h)
		if (json_integer_value(json_object_get(h, "id")) == id)
			out = json_incref(h);
	json_decref(j);
	cr_assert_not_null(out, "webhook %ld is not listed", id);
	return out;
}

static void S_expect_str(json_t *h, const char *key, const char *want)
{
	cr_expect_str_eq(json_string_value(json_object_get(h, key)), want, "%s", key);
}

Test(fake_health, new_webhook_carries_every_field_null_but_active)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	json_t *j = S_call(f, "POST", "/webhooks",
		"{\"subscription_url\":\"https://h.example/a\",\"event_action\":\"create\","
		"\"event_object\":\"deal\",\"name\":\"a\"}", 201);
	json_t *d = json_object_get(j, "data"), *l;

	for (size_t i = 0; i < 5; i++)
		cr_expect_not_null(json_object_get(d, S_health[i]), "POST answer lacks %s", S_health[i]);
	cr_expect(json_is_null(json_object_get(d, "last_delivery_time")));
	cr_expect(json_is_null(json_object_get(d, "last_http_status")));
	cr_expect(json_is_null(json_object_get(d, "remove_time")));
	cr_expect(json_is_null(json_object_get(d, "remove_reason")));
	cr_expect_eq(json_integer_value(json_object_get(d, "is_active")), 1);
	l = S_listed(f, (long)json_integer_value(json_object_get(d, "id")));
	for (size_t i = 0; i < 5; i++)
		cr_expect_not_null(json_object_get(l, S_health[i]), "listing lacks %s", S_health[i]);
	json_decref(l);
	json_decref(j);
	pdh_t_fake_stop(f);
}

Test(fake_health, state_seeds_health_null_or_absent)
{
	char path[] = "/tmp/pdh-fake-health-XXXXXX";
	int fd = mkstemp(path);
	const char *seed =
		"[{\"id\":7,\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://h.example/failing\",\"last_http_status\":500,"
		"\"last_delivery_time\":\"2026-11-30 10:00:00\",\"is_active\":0,"
		"\"remove_time\":\"2026-11-30T11:00:00.000Z\",\"remove_reason\":\"no successful delivery\"},"
		" {\"id\":8,\"event_action\":\"create\",\"event_object\":\"person\","
		"\"subscription_url\":\"https://h.example/ok\",\"last_http_status\":null,"
		"\"last_delivery_time\":null}]";
	char *args[] = { "--state", path, NULL };
	pdh_t_fake *f;
	json_t *h;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, seed, strlen(seed)), (ssize_t)strlen(seed));
	close(fd);
	f = pdh_t_fake_start(args);
	h = S_listed(f, 7);
	cr_expect_eq(json_integer_value(json_object_get(h, "last_http_status")), 500);
	S_expect_str(h, "last_delivery_time", "2026-11-30 10:00:00");
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 0);
	S_expect_str(h, "remove_time", "2026-11-30T11:00:00.000Z");
	S_expect_str(h, "remove_reason", "no successful delivery");
	json_decref(h);
	h = S_listed(f, 8);
	cr_expect(json_is_null(json_object_get(h, "last_http_status")));
	cr_expect(json_is_null(json_object_get(h, "remove_reason")), "absent: null");
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 1, "absent: active");
	json_decref(h);
	pdh_t_fake_stop(f);
	unlink(path);
}

/* POSTs the webhook "a" (create.deal https://h.example/a); its id. */
static long S_create_a(pdh_t_fake *f)
{
	json_t *j = S_call(f, "POST", "/webhooks",
		"{\"subscription_url\":\"https://h.example/a\",\"event_action\":\"create\","
		"\"event_object\":\"deal\",\"name\":\"a\"}", 201);
	long id = (long)json_integer_value(json_object_get(json_object_get(j, "data"), "id"));

	json_decref(j);
	return id;
}

Test(fake_health, control_sets_fields_and_listing_follows)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	long id = S_create_a(f);
	char *path = pdh_xasprintf("/_fake/webhooks/%ld", id), *body = NULL;
	json_t *h, *got;

	h = S_listed(f, id);   /* cache the listing's text before the change */
	json_decref(h);
	cr_expect_eq(pdh_t_fake_control(f, "POST", path,
		"{\"last_http_status\":500,\"last_delivery_time\":\"2026-11-30 10:00:00\","
		"\"is_active\":0}", &body), 200, "%s", body);
	got = json_loads(body, 0, NULL);
	cr_expect_eq(json_integer_value(json_object_get(got, "last_http_status")), 500,
	             "the answer is the webhook as stored: %s", body);
	json_decref(got);
	free(body);
	h = S_listed(f, id);
	cr_expect_eq(json_integer_value(json_object_get(h, "last_http_status")), 500);
	S_expect_str(h, "last_delivery_time", "2026-11-30 10:00:00");
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 0);
	S_expect_str(h, "name", "a");
	json_decref(h);
	cr_expect_eq(pdh_t_fake_control(f, "POST", path,
		"{\"last_http_status\":null,\"is_active\":true,\"remove_reason\":\"x\"}", NULL), 200);
	h = S_listed(f, id);
	cr_expect(json_is_null(json_object_get(h, "last_http_status")));
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 1);
	S_expect_str(h, "remove_reason", "x");
	json_decref(h);
	free(path);
	pdh_t_fake_stop(f);
}

Test(fake_health, control_refuses_bad_fields_and_unknown_ids)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	long id = S_create_a(f);
	char *path = pdh_xasprintf("/_fake/webhooks/%ld", id), *body = NULL;
	json_t *h;
	const char *bad[] = { "{\"last_http_status\":\"500\"}", "{\"is_active\":2}",
		"{\"colour\":1}", "{\"id\":99}", "[1]", "{\"last_delivery_time\":5}" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pdh_t_fake_control(f, "POST", path, bad[i], &body), 400, "%s: %s", bad[i],
		             body);
		cr_expect_not_null(strstr(body, "\"error\""), "%s", body);
		free(body);
	}
	cr_expect_eq(pdh_t_fake_control(f, "POST", path, NULL, NULL), 400, "no body");
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/webhooks/999", "{\"is_active\":0}", NULL),
	             404);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/webhooks/x1", "{\"is_active\":0}", NULL),
	             404);
	cr_expect_eq(pdh_t_fake_control(f, "GET", path, NULL, NULL), 405);
	h = S_listed(f, id);
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 1, "nothing changed");
	cr_expect(json_is_null(json_object_get(h, "last_http_status")));
	json_decref(h);
	free(path);
	pdh_t_fake_stop(f);
}
