/* HTTPS as Pipedrive serves it: pdhooks against a pdhooks-fake serving TLS with the test
 * certificates of testdata/tls/. A private CA works with --cacert; an untrusted issuer, a
 * certificate for another name or an expired one fails (exit 1, "certificate" and what was
 * wrong) before any request, so no token, reaches the server, and is not retried. A fleet's
 * accounts on one API host share the run's connections, each call with its own token. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "testutil.h"
#include "world.h"

#define HOOK_URL "https://hooks.example.com/pipedrive/deals"
#define DESIRED PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", HOOK_URL)
#define FLEET_DESIRED \
	PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", \
	                                "https://hooks.example.com/${TENANT}/deals")

/* The fake's count of connections accepted (the control call's own included). */
static long S_connections(pdh_t_world *w)
{
	char *body = NULL;
	json_t *j;
	long n;

	cr_assert_eq(pdh_t_fake_control(w->fake, "GET", "/_fake/calls", NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(json_object_get(j, "connections"), "%s", body);
	n = (long)json_integer_value(json_object_get(j, "connections"));
	json_decref(j);
	free(body);
	return n;
}

Test(tls, private_ca_with_cacert_plans_and_applies)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup_tls(&w, "server", NULL, DESIRED);
	cr_assert_eq(strncmp(pdh_t_fake_url(w.fake), "https://", 8), 0);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--cacert", pdh_t_fake_cacert(w.fake),
	                NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 1 to create"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_reset_calls(&w);
	/* A whole apply over TLS: listing, /users/me (empty), create, verifying listing. */
	pdh_t_world_apply(&r, &w, 0, "--cacert", pdh_t_fake_cacert(w.fake));
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 3, 1, 0);
	cr_expect_eq(pdh_t_world_count_url(&w, HOOK_URL, true), 1);
	pdh_t_world_teardown(&w);
}

/* `plan` against a fake serving cert (with --cacert CA unless without_ca): exit 1 naming the
 * certificate and what is wrong with it (each of why[]), no call served, one connection
 * (not retried). */
static void S_expect_refused(const char *cert, bool without_ca, const char *const why[])
{
	pdh_t_world w;
	pdh_t_run r;
	char *ca = pdh_t_tls_path("ca.pem");
	long conns;

	pdh_t_world_setup_tls(&w, cert, NULL, DESIRED);
	pdh_t_world_reset_calls(&w);
	if (without_ca)
		pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	else
		pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--cacert", ca, NULL);
	cr_expect_eq(r.status, 1, "%s: exit %d: %s%s", cert, r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.err, "certificate"), "%s: %s", cert, r.err);
	for (size_t i = 0; why[i]; i++)
		cr_expect_not_null(strstr(r.err, why[i]), "%s: lacks '%s': %s", cert, why[i], r.err);
	cr_expect_str_eq(r.out, "", "%s: no plan", cert);
	pdh_t_run_dispose(&r);
	/* The refused handshake and this control call: no second try. */
	conns = S_connections(&w);
	cr_expect_eq(conns, 2, "%s: %ld connections", cert, conns - 1);
	pdh_t_world_expect_calls(&w, 0, 0, 0);
	free(ca);
	pdh_t_world_teardown(&w);
}

Test(tls, untrusted_issuer_is_refused_before_any_request)
{
	/* The test CA is not in the system store. */
	S_expect_refused("server", true, (const char *const[]){ "unable to get local issuer",
	                                                        "--cacert", NULL });
	/* Self-signed: no CA vouches for it, the test CA included. */
	S_expect_refused("untrusted", false, (const char *const[]){ "self-signed", NULL });
}

Test(tls, certificate_for_another_name_is_refused_before_any_request)
{
	S_expect_refused("other-name", false, (const char *const[]){ "127.0.0.1", NULL });
}

Test(tls, expired_certificate_is_refused_before_any_request)
{
	S_expect_refused("expired", false, (const char *const[]){ "expired", NULL });
}

/* The session names each call's proxy itself (libcurl would read the environment again for
 * every call): https_proxy, HTTPS_PROXY and all_proxy are still honoured, and no_proxy still
 * exempts a host. A proxy that refuses connections makes the listing fail (exit 5), naming
 * it; exempted, the plan goes to the server. */
Test(tls, proxy_variables_are_honoured)
{
	char *proxies[] = { "https_proxy=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1",
		            "all_proxy=http://127.0.0.1:1" };
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup_tls(&w, "server", NULL, DESIRED);
	for (size_t i = 0; i < sizeof(proxies) / sizeof(*proxies); i++) {
		pdh_t_world_run(&r, &w, (char *[]){ proxies[i], NULL }, "plan", "-f", w.file,
		                "--cacert", pdh_t_fake_cacert(w.fake), NULL);
		cr_expect_eq(r.status, 5, "%s: %s%s", proxies[i], r.out, r.err);
		cr_expect_not_null(strstr(r.err, "port 1"), "%s: %s", proxies[i], r.err);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_expect_calls(&w, 0, 0, 0);
	pdh_t_world_run(&r, &w, (char *[]){ proxies[0], "no_proxy=127.0.0.1", NULL }, "plan", "-f",
	                w.file, "--cacert", pdh_t_fake_cacert(w.fake), NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

#define FLEET_N 20
#define FLEET_CONCURRENCY 4

/* A fleet of FLEET_N accounts on one API host (one fake, company 1001+I with token tok-I+1),
 * each with its own TENANT, run at FLEET_CONCURRENCY. */
static void S_fleet(pdh_t_world *w, char *env[FLEET_N + 1])
{
	pdh_buf b = PDH_BUF_INIT;
	char *fleet;

	pdh_t_world_setup_tls(w, "server", (char *[]){ "--companies", "20", NULL }, FLEET_DESIRED);
	pdh_buf_puts(&b, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n");
	for (int i = 0; i < FLEET_N; i++) {
		pdh_buf_printf(&b, "  - name: c%d\n    api_url: %s\n    token_env: PDH_T_TOK_%d\n"
		                   "    vars: { TENANT: t%d }\n", i, pdh_t_fake_url(w->fake), i, i);
		env[i] = pdh_xasprintf("PDH_T_TOK_%d=tok-%d", i, i + 1);
	}
	env[FLEET_N] = NULL;
	fleet = pdh_t_world_path(w, "fleet.yaml");
	pdh_t_write_file(fleet, pdh_buf_cstr(&b));
	pdh_buf_dispose(&b);
	free(fleet);
}

Test(tls, fleet_shares_connections_and_each_call_carries_its_own_token)
{
	char *env[FLEET_N + 1], conc[8];
	pdh_t_world w;
	pdh_t_run r;
	long conns;

	snprintf(conc, sizeof(conc), "%d", FLEET_CONCURRENCY);
	S_fleet(&w, env);
	pdh_t_world_reset_calls(&w);
	pdh_t_world_run(&r, &w, env, "apply", "--fleet", "fleet.yaml", "-C", w.dir, "--cacert",
	                pdh_t_fake_cacert(w.fake), "--concurrency", conc, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "tok-"), "a token in the report: %s", r.out);
	cr_expect_null(strstr(r.err, "tok-"), "a token on stderr: %s", r.err);
	pdh_t_run_dispose(&r);
	/* Connections as the calls in flight (one per account at a time here), not one or two
	 * per account: the run's session keeps them. */
	conns = S_connections(&w) - 1;
	cr_expect_leq(conns, 2 * FLEET_CONCURRENCY, "%ld connections for %d accounts", conns,
	              FLEET_N);
	/* Each account listed, created in and verified its own company, and only that: every
	 * call carried the account's own token. */
	for (int i = 0; i < FLEET_N; i++) {
		char path[64], url[96], *body = NULL;
		json_t *hooks, *calls;

		snprintf(path, sizeof(path), "/_fake/state?company=%d", 1001 + i);
		cr_assert_eq(pdh_t_fake_control(w.fake, "GET", path, NULL, &body), 200);
		hooks = json_loads(body, 0, NULL);
		free(body);
		snprintf(url, sizeof(url), "https://hooks.example.com/t%d/deals", i);
		cr_expect_eq(json_array_size(hooks), 1, "company %d: %zu webhooks", 1001 + i,
		             json_array_size(hooks));
		cr_expect_str_eq(json_string_value(json_object_get(json_array_get(hooks, 0),
		                                                   "subscription_url")), url);
		json_decref(hooks);
		snprintf(path, sizeof(path), "/_fake/calls?company=%d", 1001 + i);
		cr_assert_eq(pdh_t_fake_control(w.fake, "GET", path, NULL, &body), 200);
		calls = json_loads(body, 0, NULL);
		free(body);
		/* the fleet's listing pass (one company in two accounts is refused before any
		 * write), apply's own listing, GET /users/me (the company is empty: the pass
		 * does not ask, apply's plan does, to name it) and the verification */
		cr_expect_eq(json_integer_value(json_object_get(calls, "GET")), 4, "company %d",
		             1001 + i);
		cr_expect_eq(json_integer_value(json_object_get(calls, "POST")), 1, "company %d",
		             1001 + i);
		json_decref(calls);
	}
	/* No call went without a known token. */
	cr_expect_eq(pdh_t_fake_calls(w.fake, NULL), FLEET_N * 5);
	for (int i = 0; i < FLEET_N; i++)
		free(env[i]);
	pdh_t_world_teardown(&w);
}
