/* The quick JSON reader: the tree json_loadb gives for plain text, and NULL (json_loadb's
 * turn) for anything else, never a tree json_loadb would not give. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_quick.h"
#include "pdhooks/live.h"

/* A listing as the fake and Pipedrive answer it. */
static const char S_LISTING[] =
	"{\"success\":true,\"status\":\"ok\",\"data\":[{\"id\":1,\"company_id\":1001,"
	"\"owner_id\":1,\"user_id\":1,\"event_action\":\"create\",\"event_object\":\"deal\","
	"\"subscription_url\":\"https:\\/\\/hooks.example.com\\/c0\\/0?a=1&b=\\\"q\\\"\","
	"\"version\":\"2.0\",\"is_active\":1,\"add_time\":\"2026-12-08T03:31:02.701Z\","
	"\"remove_time\":null,\"type\":\"general\",\"http_auth_user\":null,"
	"\"http_auth_password\":\"******\",\"remove_reason\":null,\"last_delivery_time\":null,"
	"\"last_http_status\":-0,\"admin_id\":-12,\"is_x\":false,\"ok\":true,\"name\":"
	"\"tab\\there \\\\ \\b\\f\\n\\r\"},{\"id\":2,\"deep\":{\"a\":[[],{},[1,[2]]],\"\":\"\"}}],"
	"\"additional_data\":{\"pagination\":{\"more_items_in_collection\":false}}}";

static char *S_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	cr_assert_not_null(s);
	return s;
}

/* quick(text) is NULL, or json_loadb reads text too and to the same tree, keys in the same
 * order. Whether quick read it. */
static bool S_same(const char *text, size_t len)
{
	json_t *q = pdh_json_quick_load(text, len), *j;
	char *a, *b;

	if (q == NULL)
		return false;
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	cr_assert_not_null(j, "quick read what json_loadb refuses: %.*s", (int)len, text);
	a = S_dump(q);
	b = S_dump(j);
	cr_assert_str_eq(a, b, "read differently: %.*s", (int)len, text);
	free(a);
	free(b);
	json_decref(q);
	json_decref(j);
	return true;
}

Test(json_quick, reads_a_listing_as_jansson_does)
{
	static const char *const plain[] = { "{}", " \t\r\n{ } \n", "{\"a\":[]}",
		"{\"a\":0,\"b\":-1,\"c\":999999999999999999,\"d\":[true,false,null]}",
		"{\"z\":1,\"a\":2,\"m\":{\"y\":3,\"b\":4}}", "{\"k\":\"\\/\\\"\\\\\"}", NULL };

	cr_expect(S_same(S_LISTING, strlen(S_LISTING)), "the listing is plain");
	for (size_t i = 0; plain[i]; i++)
		cr_expect(S_same(plain[i], strlen(plain[i])), "%s is plain", plain[i]);
}

/* What json_loadb refuses, and what only it reads (other UTF-8, \u, reals, big numbers,
 * arrays at the top, deep nesting, long keys): declined. */
Test(json_quick, declines_the_rest)
{
	static const char *const other[] = { "", "   ", "[1]", "\"s\"", "1", "{", "{\"a\"}",
		"{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\":1}x", "{\"a\":1}{}",
		"{\"a\":1,\"a\":2}", "{\"o\":{\"k\":1,\"k\":1}}", "{\"a\":01}", "{\"a\":-}",
		"{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":1E3}", "{\"a\":1234567890123456789}",
		"{\"a\":truex}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"\\u0041\"}",
		"{\"a\":\"\\x\"}", "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"\xff\"}", "{\"a\":\"t\tb\"}",
		"{\"a\":\"\x7f\"}", "{\"a\":\"open}", "{\"a\":'s'}", "{a:1}", "\xef\xbb\xbf{}",
		"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", NULL };

	for (size_t i = 0; other[i]; i++) {
		json_t *q = pdh_json_quick_load(other[i], strlen(other[i]));

		cr_expect_null(q, "'%s' should be declined", other[i]);
		json_decref(q);
	}
	cr_expect_null(pdh_json_quick_load("{}\0", 3), "a NUL byte after the object");
	cr_expect_null(pdh_json_quick_load(NULL, 0));
}

/* Every text one, two or three bytes away from the listing (bytes changed, cut, swapped for
 * JSON's own punctuation): quick reads it as json_loadb does, or declines it. */
Test(json_quick, never_reads_other_than_jansson)
{
	static const char alphabet[] = "{}[]:,\"\\/-0123456789.eEtfnul \t\nxbrau\x01\x7f\xc3\xff";
	size_t len = strlen(S_LISTING), read = 0, tried = 0;
	char *m = malloc(len + 1);
	unsigned seed = 20261208u;

	cr_assert_not_null(m);
	for (int round = 0; round < 30000; round++) {
		size_t n = len;
		int edits = 1 + round % 3;

		memcpy(m, S_LISTING, len + 1);
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 8) % 16 == 0)
				n = at; /* cut */
			else
				m[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
			if (n == 0)
				break;
		}
		tried++;
		read += S_same(m, n);
	}
	free(m);
	cr_expect_gt(read, tried / 20, "only %zu of %zu were read quickly", read, tried);
	cr_expect_lt(read, tried, "every one of %zu was read quickly", tried);
}

/* ---- listings read in arenas ---- */

#define S_THREADS 8

static void *S_read_listings(void *arg)
{
	const char *body = arg;
	json_t *outside = json_object();  /* made before the arena, released inside it */
	size_t bad = 0;

	json_object_set_new(outside, "before", json_string("made by malloc"));

	for (int i = 0; i < 300; i++) {
		pdh_live *l = NULL;
		pdh_error err = { 0 };

		pdh_json_quick_begin();
		if (i == 0)
			json_object_clear(outside);
		pdh_json_quick_end();
		if (pdh_live_parse_listing(&l, body, strlen(body), &err) != 0 || l->n != 2 ||
		    strcmp(l->items[0].subscription_url, "https://hooks.example.com/c0/0?a=1") != 0 ||
		    strcmp(l->items[1].name, "caf\xc3\xa9") != 0 || l->items[1].id != 2 ||
		    l->items[0].password_state != PDH_SECRET_MASKED)
			bad++;
		pdh_live_free(l);
	}
	json_object_set_new(outside, "after", json_string("the arena: malloc again"));
	if (json_object_size(outside) != 1)
		bad++;
	json_decref(outside);
	return (void *)bad;
}

/* Threads reading listings at once, each in its arena (one of them not plain, so read by
 * json_loadb in the arena too), while jansson's other values come and go by malloc. */
Test(json_quick, listings_are_read_in_each_threads_arena)
{
	static const char body[] =
		"{\"success\":true,\"data\":[{\"id\":1,\"event_action\":\"create\","
		"\"event_object\":\"deal\",\"subscription_url\":\"https:\\/\\/hooks.example.com\\/c0\\/0?a=1\","
		"\"http_auth_password\":\"******\",\"is_active\":1},{\"id\":2,\"event_action\":\"change\","
		"\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/p\","
		"\"name\":\"caf\\u00e9\",\"is_active\":true}]}";
	pthread_t t[S_THREADS];

	pdh_json_quick_init();
	pdh_json_quick_init();
	for (int round = 0; round < 2; round++) {
		json_t *inside, *after;

		pdh_json_quick_begin();
		inside = json_string("in the arena");
		cr_expect_gt(pdh_json_quick_arena_bytes(), 0, "made in the arena");
		json_decref(inside);
		pdh_json_quick_end();
		cr_expect_eq(pdh_json_quick_arena_bytes(), 0, "the end releases the arena");
		after = json_string("by malloc");
		cr_expect_eq(pdh_json_quick_arena_bytes(), 0, "after the end: malloc");
		json_decref(after);
	}
	for (int i = 0; i < S_THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, S_read_listings, (void *)body), 0);
	for (int i = 0; i < S_THREADS; i++) {
		void *bad;

		pthread_join(t[i], &bad);
		cr_expect_eq((size_t)bad, 0, "thread %d read %zu listings wrongly", i, (size_t)bad);
	}
}
