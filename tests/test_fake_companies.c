/* pdhooks-fake with many companies: one store, id space, fault queue and rate window per
 * token; the companies form of the state; the control API's ?company=; and scale (1,000
 * companies served to 32 concurrent clients with latency). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "testutil.h"

#define API "x-api-token: test-token"
#define ACME "x-api-token: acme"
#define TOK1 "x-api-token: tok-1"
#define TOK2 "x-api-token: tok-2"
#define HOOK(url) PDH_T_DEAL_HOOK(url)

/* "id@company," for each webhook listed */
static char *S_listing(pdh_t_fake *f, const char *auth)
{
	return pdh_t_fake_list_ids(f, auth, true);
}

static void S_expect_listing(pdh_t_fake *f, const char *auth, const char *want)
{
	char *got = S_listing(f, auth);
	cr_expect_str_eq(got, want, "as %s", auth);
	free(got);
}

static long S_create(pdh_t_fake *f, const char *auth)
{
	json_t *j = pdh_t_fake_api_json(f, auth, "POST", "/webhooks", HOOK("https://h.example/x"), 201);
	long id = (long)json_integer_value(json_object_get(json_object_get(j, "data"), "id"));
	json_decref(j);
	return id;
}

Test(fake_companies, each_token_its_own_store_and_ids_unique_across)
{
	char *args[] = { "--company", "7:acme", "--companies", "2", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	cr_expect_eq(S_create(f, API), 1);
	cr_expect_eq(S_create(f, ACME), 2);
	cr_expect_eq(S_create(f, TOK2), 3);
	cr_expect_eq(S_create(f, ACME), 4);
	S_expect_listing(f, API, "1@1,");
	S_expect_listing(f, ACME, "2@7,4@7,");
	S_expect_listing(f, TOK1, "");
	S_expect_listing(f, TOK2, "3@1002,");
	json_decref(pdh_t_fake_api_json(f, ACME, "DELETE", "/webhooks/1", NULL, 404));
	json_decref(pdh_t_fake_api_json(f, API, "DELETE", "/webhooks/2", NULL, 404));
	json_decref(pdh_t_fake_api_json(f, ACME, "DELETE", "/webhooks/2", NULL, 200));
	S_expect_listing(f, ACME, "4@7,");
	S_expect_listing(f, API, "1@1,");
	json_decref(pdh_t_fake_api_json(f, "x-api-token: tok-3", "GET", "/webhooks", NULL, 401));
	pdh_t_fake_stop(f);
}

Test(fake_companies, rate_limit_window_per_company)
{
	char *args[] = { "--company", "7:acme", "--rate-limit", "1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	json_decref(pdh_t_fake_api_json(f, API, "GET", "/webhooks", NULL, 200));
	json_decref(pdh_t_fake_api_json(f, API, "GET", "/webhooks", NULL, 429));
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 200));
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 429));
	pdh_t_fake_stop(f);
}

Test(fake_companies, faults_per_company_and_for_all)
{
	char *args[] = { "--company", "7:acme", "--fail", "GET:502", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 200));
	json_decref(pdh_t_fake_api_json(f, API, "GET", "/webhooks", NULL, 502));   /* --fail: the first company */
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail?company=7", "\"GET:503\"", NULL), 200);
	json_decref(pdh_t_fake_api_json(f, API, "GET", "/webhooks", NULL, 200));
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 503));
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail?company=all", "\"GET:504\"", NULL),
	             200);
	json_decref(pdh_t_fake_api_json(f, API, "GET", "/webhooks", NULL, 504));
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 504));
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail?company=7", "\"GET:500:5\"", NULL),
	             200);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail/reset?company=1", NULL, NULL), 200);
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 500));
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail/reset", NULL, NULL), 200);
	json_decref(pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 200));
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail?company=8", "\"GET:503\"", NULL), 404);
	pdh_t_fake_stop(f);
}

Test(fake_companies, control_api_addresses_a_company)
{
	char *args[] = { "--company", "7:acme", "--oauth-app", "app@7", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	char *body = NULL;
	json_t *j;

	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state?company=7",
		"[{\"id\":40,\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://h.example/acme\"}]", NULL), 200);
	S_expect_listing(f, ACME, "40@7,");
	S_expect_listing(f, API, "");
	cr_expect_eq(S_create(f, API), 41, "ids go on past every company's");
	cr_expect_eq(S_create(f, "Authorization: Bearer app"), 42);
	S_expect_listing(f, ACME, "40@7,42@7,");
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/state?company=7", NULL, &body), 200);
	cr_expect_not_null(strstr(body, "\"_app\":\"app\""), "%s", body);
	cr_expect_null(strstr(body, "\"id\":41"), "%s", body);
	free(body);
	/* without ?company, the webhook is found in whichever company holds it */
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/webhooks/40", "{\"last_http_status\":410}",
	                                NULL), 200);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/webhooks/40?company=1",
	                                "{\"last_http_status\":411}", NULL), 404);
	j = pdh_t_fake_api_json(f, ACME, "GET", "/webhooks", NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "data"), 0),
	                                                "last_http_status")), 410);
	json_decref(j);
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/calls?company=7", NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_expect_eq(json_integer_value(json_object_get(j, "GET")), 3, "%s", body);
	cr_expect_eq(json_integer_value(json_object_get(j, "POST")), 1, "the app's: %s", body);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "log"), 0),
	                                                "company")), 7);
	json_decref(j);
	free(body);
	cr_expect_eq(pdh_t_fake_calls(f, "GET"), 4, "all companies' calls");
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/companies", NULL, &body), 200);
	cr_expect_not_null(strstr(body, "{\"id\":7,\"token\":\"acme\",\"webhooks\":2,\"apps\":[\"app\"]}"),
	                   "%s", body);
	free(body);
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/state?company=9", NULL, &body), 404);
	cr_expect_not_null(strstr(body, "no company with id 9"), "%s", body);
	free(body);
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/state?company=x", NULL, NULL), 404);
	pdh_t_fake_stop(f);
}

Test(fake_companies, state_of_many_companies_seeds_adds_and_persists)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/state.json", dir);
	char *args[] = { "--company", "7:acme", "--state", path, NULL };
	char *body = NULL;
	pdh_t_fake *f;

	pdh_t_write_file(path,
		"{\"companies\": ["
		"{\"id\": 7, \"webhooks\": [{\"id\": 10, \"event_action\": \"create\","
		" \"event_object\": \"deal\", \"subscription_url\": \"https://h.example/a\"}]},"
		"{\"id\": 20, \"token\": \"from-file\", \"webhooks\": [{\"event_action\": \"create\","
		" \"event_object\": \"person\", \"subscription_url\": \"https://h.example/b\"}]},"
		"{\"id\": 1, \"webhooks\": []}]}");
	f = pdh_t_fake_start(args);
	S_expect_listing(f, ACME, "10@7,");
	S_expect_listing(f, "x-api-token: from-file", "11@20,");
	S_expect_listing(f, API, "");
	cr_expect_eq(S_create(f, "x-api-token: from-file"), 12);
	pdh_t_fake_stop(f);
	body = pdh_t_read_file(path, NULL);
	cr_expect_not_null(strstr(body, "\"companies\""), "%s", body);
	free(body);
	f = pdh_t_fake_start(args);
	S_expect_listing(f, "x-api-token: from-file", "11@20,12@20,");
	S_expect_listing(f, ACME, "10@7,");
	cr_expect_eq(S_create(f, API), 13);
	/* GET/PUT in the companies form */
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/state?company=all", NULL, &body), 200);
	cr_expect_not_null(strstr(body, "\"companies\""), "%s", body);
	free(body);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state",
		"{\"companies\":[{\"id\":20,\"webhooks\":[]},{\"id\":30,\"token\":\"new\"}]}", NULL), 200);
	S_expect_listing(f, "x-api-token: from-file", "");
	S_expect_listing(f, "x-api-token: new", "");
	S_expect_listing(f, ACME, "10@7,");
	cr_expect_eq(pdh_t_fake_stop_status(f), 0, "a clean stop (under ASan: no leak)");
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(fake_companies, bad_company_states_change_nothing)
{
	char *args[] = { "--company", "7:acme", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	const char *bad[] = {
		"{\"companies\":[{\"id\":8}]}",
		"{\"companies\":[{\"id\":7,\"token\":\"other\"}]}",
		"{\"companies\":[{\"id\":8,\"token\":\"acme\"}]}",
		"{\"companies\":[{\"id\":0,\"token\":\"z\"}]}",
		"{\"companies\":[{\"id\":7,\"colour\":1}]}",
		"{\"companies\":[{\"id\":7},{\"id\":7}]}",
		"{\"companies\":{}}",
		"{\"companies\":[{\"id\":1,\"webhooks\":[]},{\"id\":7,\"webhooks\":[{\"id\":\"x\"}]}]}",
	};
	char *body = NULL;

	S_create(f, API);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state", bad[i], &body), 400, "%s: %s",
		             bad[i], body);
		free(body);
	}
	S_expect_listing(f, API, "1@1,");
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/companies", NULL, &body), 200);
	cr_expect_null(strstr(body, "\"id\":8"), "%s", body);
	free(body);
	pdh_t_fake_stop(f);
}

Test(fake_companies, bad_company_options_exit_2)
{
	const char *bad[][4] = { { "--company", "x:t", NULL, NULL }, { "--company", "5", NULL, NULL },
		{ "--company", "5:", NULL, NULL }, { "--company", "1:other", NULL, NULL },
		{ "--company", "5:test-token", NULL, NULL }, { "--companies", "-1", NULL, NULL },
		{ "--company", "1001:x", "--companies", "1" } };

	pdh_t_fake_expect_bad_args(bad, sizeof(bad) / sizeof(bad[0]), NULL);
}

static size_t S_sink(char *p, size_t size, size_t n, void *ud)
{
	size_t *got = ud;
	(void)p;
	*got += size * n;
	return size * n;
}

static long S_rss_kb(pdh_t_fake *f)
{
	char *path = pdh_xasprintf("/proc/%d/status", pdh_t_fake_pid(f));
	char *text = pdh_t_read_file(path, NULL);
	const char *v = strstr(text, "VmRSS:");
	long kb = v ? atol(v + 6) : -1;

	free(text);
	free(path);
	return kb;
}

/* 1,000 companies x 10 webhooks, 50 ms latency: 1,000 listings by 32 clients at once take
 * about 1000 x 0.05 / 32 = 1.6 s when the latency is slept side by side, 50 s if the calls
 * were serialised. */
Test(fake_companies, thousand_companies_serve_32_clients_side_by_side, .timeout = 120)
{
	enum { N = 1000, PER = 10, CLIENTS = 32 };
	char *dir = pdh_t_tmpdir();
	char *seed = pdh_xasprintf("%s/seed.json", dir);
	char *args[] = { "--companies", "1000", "--seed", seed, "--latency-ms", "50", NULL };
	pdh_buf b = PDH_BUF_INIT;
	CURLM *multi = curl_multi_init();
	CURL *easy[CLIENTS];
	struct curl_slist *hdr[CLIENTS];
	size_t got[CLIENTS];
	int slot[CLIENTS];
	int next = 0, done = 0, running = 0, ok = 0;
	long long t0, ms;
	pdh_t_fake *f;

	pdh_buf_puts(&b, "{\"companies\":[");
	for (int c = 1; c <= N; c++) {
		pdh_buf_printf(&b, "%s{\"id\":%d,\"webhooks\":[", c > 1 ? "," : "", 1000 + c);
		for (int k = 0; k < PER; k++)
			pdh_buf_printf(&b, "%s{\"event_action\":\"create\",\"event_object\":\"deal\","
			               "\"subscription_url\":\"https://fleet.example/%d/%d\"}",
			               k ? "," : "", c, k);
		pdh_buf_puts(&b, "]}");
	}
	pdh_buf_puts(&b, "]}");
	pdh_t_write_file(seed, pdh_buf_cstr(&b));
	pdh_buf_dispose(&b);
	f = pdh_t_fake_start(args);
	fprintf(stderr, "pdhooks-fake RSS with %d companies x %d webhooks: %ld kB\n", N, PER, S_rss_kb(f));

	t0 = pdh_now_ms();
	for (int i = 0; i < CLIENTS; i++) {
		easy[i] = curl_easy_init();
		hdr[i] = NULL;
		slot[i] = i;
	}
	while (done < N) {
		CURLMsg *msg;
		int left;
		for (int i = 0; i < CLIENTS && next < N && running < CLIENTS; i++) {
			char *url, *tok;
			if (hdr[i] != NULL)
				continue;
			url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
			tok = pdh_xasprintf("x-api-token: tok-%d", ++next);
			hdr[i] = curl_slist_append(NULL, tok);
			got[i] = 0;
			curl_easy_setopt(easy[i], CURLOPT_URL, url);
			curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, hdr[i]);
			curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, S_sink);
			curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &got[i]);
			curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)&slot[i]);
			curl_multi_add_handle(multi, easy[i]);
			running++;
			free(url);
			free(tok);
		}
		curl_multi_perform(multi, &left);
		curl_multi_poll(multi, NULL, 0, 100, NULL);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			int *priv;
			long status = 0;
			int i;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			i = *priv;
			if (msg->data.result == CURLE_OK && status == 200 && got[i] > PER * 200)
				ok++;
			curl_multi_remove_handle(multi, easy[i]);
			curl_slist_free_all(hdr[i]);
			hdr[i] = NULL;
			running--;
			done++;
		}
	}
	ms = pdh_now_ms() - t0;
	fprintf(stderr, "%d listings of 10 webhooks, 32 clients, 50 ms latency: %lld ms; RSS %ld kB\n", N,
	            ms, S_rss_kb(f));
	cr_expect_eq(ok, N, "every listing answered with its 10 webhooks");
	cr_expect_lt(ms, 15000, "%lld ms: the latency is not slept side by side", ms);
	for (int i = 0; i < CLIENTS; i++)
		curl_easy_cleanup(easy[i]);
	curl_multi_cleanup(multi);
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);
	unlink(seed);
	rmdir(dir);
	free(seed);
	free(dir);
}
