/* pdhooks-fake: options, start-up, and a clean stop on SIGTERM/SIGINT. */
#include "fake.h"

#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/read_file.h"

#define S_PEM_MAX (1024 * 1024)

static const char S_usage[] =
	"usage: pdhooks-fake [OPTIONS]\n"
	"\n"
	"A fake Pipedrive webhooks API for tests, demos and benchmarks: GET /webhooks,\n"
	"POST /webhooks (JSON or form-encoded), DELETE /webhooks/{id}, kept in memory, and\n"
	"GET /users/me (the caller's company_id, company_name, company_domain).\n"
	"Listens on 127.0.0.1 only and prints one line \"port=N\" once it is ready.\n"
	"With --tls-cert and --tls-key it serves HTTPS (the control API too).\n"
	"\n"
	"Options:\n"
	"  --port N                 port on 127.0.0.1; 0 (the default) picks a free one\n"
	"  --tls-cert PEM           serve HTTPS with this certificate (chain) file; needs\n"
	"                           --tls-key\n"
	"  --tls-key PEM            the certificate's private key file\n"
	"  --prefix PATH            API path prefix (default /v1; e.g. /api/v1)\n"
	"  --token TOKEN            the API token accepted in x-api-token, ?api_token= or\n"
	"                           Authorization: Bearer (default test-token)\n"
	"  --user-id N              the caller's user id: owner_id of created webhooks and their\n"
	"                           user_id unless the body gives one (default 1)\n"
	"  --company-id N           the --token company's id: company_id of its webhooks\n"
	"                           (default 1)\n"
	"  --company-name TEXT      the --token company's company_name in GET /users/me\n"
	"                           (default \"Company ID\"; other companies: theirs)\n"
	"  --company-domain TEXT    its company_domain there (default companyID)\n"
	"  --company ID:TOKEN       one more company, with its own API token, webhooks,\n"
	"                           faults and rate-limit window (repeatable); webhook ids\n"
	"                           are unique across companies, as Pipedrive's\n"
	"  --companies N            N more companies: tokens tok-1 .. tok-N, ids 1001 .. 1000+N\n"
	"  --oauth-app TOKEN[:SCOPES][@COMPANY]\n"
	"                           a Marketplace app installed in COMPANY (an id; default\n"
	"                           the --token company), called with Authorization: Bearer\n"
	"                           TOKEN. SCOPES: a comma list of webhooks:read,\n"
	"                           webhooks:full, admin, or none (default webhooks:full).\n"
	"                           Its creates are typed application, its GET lists only\n"
	"                           its own, DELETE of another's answers 403; a missing scope\n"
	"                           (GET: any; POST, DELETE: webhooks:full or admin)\n"
	"                           answers 403 \"Scope and URL mismatch\"\n"
	;

/* The rest of the options (split: C11 compilers need only take 4095-character literals). */
static const char S_usage_store[] =
	"  --seed FILE              seed from FILE as --state does, never writing it\n"
	"  --state FILE             seed from FILE (a JSON array of webhooks, or a GET listing,\n"
	"                           or {\"companies\":[{\"id\":N,\"token\":T,\"webhooks\":[...]}]})\n"
	"                           when it exists, and rewrite it after every change; missing\n"
	"                           fields get defaults (id counting up, type general,\n"
	"                           is_active 1, version 2.0, add_time now, name ACTION.OBJECT,\n"
	"                           delivery fields null). Times are kept as written (ISO\n"
	"                           8601, \"YYYY-MM-DD HH:MM:SS\" or anything else)\n"
	"  --time-format FORM       the times the fake makes (add_time of a new webhook): iso\n"
	"                           (default, \"2019-10-25T08:25:27.000Z\") or v1 (\"2019-10-25\n"
	"                           08:25:27\", UTC, as Pipedrive's v1 endpoints write them)\n"
	"  --password-listing MODE  how GET /webhooks shows a set http_auth_password:\n"
	"                           masked (default, \"" FAKE_PASSWORD_MASK "\"), real, or null.\n"
	"                           POST answers and GET /_fake/state always show the real one\n"
	"  --latency-ms N           wait N ms before answering each API call\n"
	"  --rate-limit N           at most N API calls per company per rolling 2 s, then\n"
	"                           429 with Retry-After; x-ratelimit-limit/-remaining/-reset\n"
	"                           headers on every answer (default 0: off, no headers)\n"
	"  --rate-window-ms N       the rolling window of --rate-limit (default 2000)\n"
	"  --daily-limit N          x-daily-requests-left header; 429 once N calls are used\n"
	"                           by a company\n"
	"                           (default 0: off)\n"
	"  --max-webhooks N         general webhooks per user before POST answers 422\n"
	"                           \"Webhooks limit reached\" (default 40)\n"
	;

/* Pipedrive's meter (meter.c): its option, then its control paths. */
static const char S_usage_meter[] =
	"  --daily-budget N         Pipedrive's daily token budget, N tokens per company:\n"
	"                           every answer carries x-daily-ratelimit-token-limit and\n"
	"                           x-daily-ratelimit-token-remaining; each answered call\n"
	"                           costs what Pipedrive charges (GET /webhooks 10, POST 10,\n"
	"                           DELETE 6); once spent, every call is answered 429 with\n"
	"                           remaining 0 and x-daily-ratelimit-reset (seconds to UTC\n"
	"                           midnight) until POST /_fake/meter/reset (default 0: off,\n"
	"                           no headers; the tokens are counted all the same)\n"
	;

static const char S_usage_meter_control[] =
	"  GET  /_fake/meter        {\"daily_budget\",\"remaining\",\"tokens\",\"calls\"}: the\n"
	"                           company's budget (null: off) and what its answered\n"
	"                           calls cost (a dropped call, or one without a known\n"
	"                           token, costs nothing)\n"
	"  POST /_fake/meter        {\"daily_budget\":N, \"remaining\":N}: set the budget (every\n"
	"                           company's) and what the company has left\n"
	"  POST /_fake/meter/reset  a new day: the whole budget back, tokens from 0 (every\n"
	"                           company without ?company)\n"
	"\n"
	"Stops cleanly on SIGTERM or SIGINT.\n";

/* The OAuth side (oauth.c), after the options above. */
static const char S_usage_oauth[] =
	"  --oauth-install REFRESH[:SCOPES][@COMPANY]\n"
	"                           an app installed in COMPANY (as --oauth-app) whose\n"
	"                           refresh token is REFRESH: POST /oauth/token (outside\n"
	"                           the prefix; form grant_type=refresh_token&refresh_token=,\n"
	"                           HTTP basic auth --client-id:--client-secret) answers\n"
	"                           {access_token, token_type, refresh_token, scope,\n"
	"                           expires_in, api_domain}; the access tokens it issues are\n"
	"                           Bearer tokens of that app until they expire. An unknown,\n"
	"                           exchanged or revoked refresh token: 400 invalid_grant;\n"
	"                           wrong client credentials: 401 invalid_client (both\n"
	"                           messages quote what was sent, as a careless server does).\n"
	"                           --latency-ms delays its answers too\n"
	"  --client-id ID, --client-secret SECRET\n"
	"                           the app's client credentials (default: empty)\n"
	"  --token-ttl SECONDS      lifetime of the access tokens issued (default 3600)\n"
	"  --rotate-refresh         every refresh answers a new refresh token; the old one\n"
	"                           is exchanged (invalid_grant) from then on\n"
	"  --api-domain URL         api_domain of the token answers (default: the scheme and\n"
	"                           Host of the token call)\n";


/* Split: C11 compilers need only take 4095-character literals. */
static const char S_usage_faults[] =
	"  --fail METHOD:KIND[:N]   fail the next N (default 1) calls of METHOD (GET, POST,\n"
	"                           DELETE or *) of the --token company (POST\n"
	"                           /_fake/fail?company=ID for another); repeatable, used in\n"
	"                           order. KIND:\n"
	"                             STATUS       e.g. 503: that status, Pipedrive-shaped JSON\n"
	"                                          (402: \"Company account is not open\")\n"
	"                             STATUS=TEXT  the same with TEXT as Pipedrive's error, e.g.\n"
	"                                          422=name contains forbidden characters (a\n"
	"                                          422 that is not the limit; no ':' in TEXT)\n"
	"                             html[=S]     a CDN's HTML error page, status S (503)\n"
	"                             truncated    200 with a JSON body cut short\n"
	"                             drop         close the connection without an answer\n"
	"                             delay=MS     wait MS, then serve the call\n"
	"                             create-503   POST creates the webhook, then answers 503\n"
	"                             huge[=BYTES] 200 with a chunked listing of BYTES (default\n"
	"                                          40 MiB, past pdhooks' 32 MiB cap)\n"
	"                             wrong-types  200 (POST: 201) with a webhook whose id,\n"
	"                                          user_id, is_active, event_object have\n"
	"                                          wrong JSON types (GET: added to the listing)\n"
	"                             missing-id   the same with a webhook without \"id\"\n"
	"                             success-false  200 with \"success\": false\n"
	"                             reset-mid-body  headers and half the listing, then the\n"
	"                                          connection is closed\n"
	"                             redirect=PORT  302 with Location: the same path on\n"
	"                                          http://127.0.0.1:PORT\n"
	"                             echo-400     400 whose error text quotes the request body\n"
	"                             ratelimit-zero[=S]  served, with x-ratelimit-remaining: 0\n"
	"                                          and x-ratelimit-reset: S (default 3600)\n"
	"                             ratelimit-zero-epoch[=S]  the same, reset = now + S as a\n"
	"                                          Unix time\n"
	"                             retry-after-huge  429 with Retry-After: " FAKE_HUGE_WAIT "\n"
	"                             ratelimit-reset-huge  429 with x-ratelimit-reset:\n"
	"                                          " FAKE_HUGE_WAIT " (no Retry-After)\n"
	"                             late-answer=MS  serve the call (a POST creates), then\n"
	"                                          wait MS before answering\n"
	"                           For GET listings only (other calls leave them queued):\n"
	"                             duplicate-id the listing with its first webhook twice\n"
	"                             zero-id, negative-id  a webhook of id 0 / -1 added\n"
	"                             null-data    200 {\"success\":true,\"data\":null}\n"
	"                             cut-password  200, the listing cut in the middle of the\n"
	"                                          first password it shows\n"
	"                           Faulted calls are not served, nothing is created or deleted\n"
	"                           (delay, create-503, late-answer and ratelimit-zero aside),\n"
	"                           and no token is checked.\n"
	"  -v, --verbose            one line per API call on stderr\n"
	"  -h, --help               this text\n"
	"  --version                print the version\n";

/* Split in two: C11 compilers need only take 4095-character literals. */
static const char S_usage_control[] =
	"\n"
	"Control API (no auth, loopback only). ?company=ID picks a company (default: the\n"
	"--token one; state, webhooks, fail, fail/reset and calls take it; company=all:\n"
	"GET/PUT state in the companies form, fail queued in every company):\n"
	"  GET  /_fake/calls        {\"GET\":n,\"POST\":n,\"DELETE\":n,\"OTHER\":n,\n"
	"                            \"connections\":n, \"log\":[{\"method\",\"path\",\"status\",\n"
	"                            \"company\",\"correlation_id\"}]} (status 0: dropped;\n"
	"                           company 0: no known token; correlation_id: the answer's\n"
	"                           x-correlation-id header, unique per API answer;\n"
	"                           connections: accepted, control calls' included);\n"
	"                           with ?company=ID only that company's calls\n"
	"  GET  /_fake/companies    [{\"id\",\"token\",\"webhooks\":n,\"apps\":[tokens]}]\n"
	"  POST /_fake/calls/reset  forget the calls and the connections count\n"
	"  GET  /_fake/state        all webhooks, full objects with real passwords\n"
	"  PUT  /_fake/state        replace them with a JSON array, or many companies' with\n"
	"                           the companies form (new ones added; as for --state)\n"
	"  POST /_fake/webhooks/ID  {\"last_http_status\":500, \"last_delivery_time\":\"2026-11-30\n"
	"                           10:00:00\", \"is_active\":0, ...}: set fields of one webhook\n"
	"                           (delivery health: last_delivery_time, last_http_status,\n"
	"                           is_active, remove_time, remove_reason; any field but id);\n"
	"                           answers the webhook as stored; without ?company the\n"
	"                           company that holds the id\n"
	"  POST /_fake/fail         {\"method\":\"POST\",\"kind\":\"status\",\"status\":503,\"count\":2};\n"
	"                           kind status|html|truncated|drop|delay|create-503|huge|\n"
	"                           wrong-types|missing-id|success-false|reset-mid-body|\n"
	"                           redirect|echo-400|ratelimit-zero|ratelimit-zero-epoch|\n"
	"                           retry-after-huge|ratelimit-reset-huge|duplicate-id|\n"
	"                           zero-id|negative-id|null-data|cut-password|late-answer;\n"
	"                           html takes an optional status, delay and late-answer\n"
	"                           delay_ms, huge an optional size (bytes), redirect a port\n"
	"                           and an optional 3xx status, ratelimit-zero* seconds,\n"
	"                           status an optional \"text\" (Pipedrive's error);\n"
	"                           method defaults to any, count to 1; \"path\":\"/users/me\"\n"
	"                           limits it to calls to that API path; or a JSON string\n"
	"                           \"METHOD:KIND[:N]\" as --fail takes it\n"
	"  POST /_fake/fail/reset   forget pending faults (of every company without ?company)\n"
	"  POST /_fake/config       {\"latency_ms\":N, \"rate_limit\":N, \"daily_limit\":N,\n"
	"                            \"max_webhooks\":N, \"password_listing\":\"real\"} (0 = off)\n"
	"  GET  /_fake/oauth        {\"installs\": [{\"refresh_token\", \"refreshes\", \"revoked\",\n"
	"                           \"company_id\"}], \"issued\": N, \"bad_client\": N,\n"
	"                           \"invalid_grants\": N}\n"
	"  POST /_fake/oauth/revoke {\"refresh_token\": \"...\"} revokes it ({} revokes all)\n"
	"  POST /_fake/oauth/expire every access token issued so far expires now\n";

/* What the options ask for beyond the settings: built once every option is read, since
 * --token and --company-id may come after a --fail or an --oauth-app. */
typedef struct start_plan {
	struct { long id; char *token; } *companies;
	size_t ncompanies, companies_cap;
	long generated;        /* --companies N */
	fake_fault *faults;
	size_t nfaults, faults_cap;
} start_plan;

static void S_plan_dispose(start_plan *p)
{
	for (size_t i = 0; i < p->ncompanies; i++)
		free(p->companies[i].token);
	free(p->companies);
	free(p->faults);
}

static void S_server_init(fake_server *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->token = pdh_xstrdup("test-token");
	s->prefix = pdh_xstrdup("/v1");
	s->user_id = 1;
	s->company_id = 1;
	s->pw_mode = FAKE_PW_MASKED;
	s->max_webhooks = 40;
	s->next_id = 1;
}

static void S_server_dispose(fake_server *s)
{
	for (size_t i = 0; i < s->nlog; i++) {
		free(s->log[i].method);
		free(s->log[i].path);
	}
	free(s->log);
	for (size_t i = 0; i < s->ncompanies; i++)
		fake_company_free(s->companies[i]);
	free(s->companies);
	json_decref(s->by_token);
	json_decref(s->by_id);
	for (size_t i = 0; i < s->napps; i++)
		free(s->apps[i].token);
	free(s->apps);
	fake_oauth_free(s);
	PDH_FREE_ALL(s->token, s->company_name, s->company_domain, s->seed_path, s->prefix,
	             s->state_path, s->tls_cert_path, s->tls_key_path, s->tls_cert);
	pdh_free_secret(s->tls_key);
	pthread_mutex_destroy(&s->lock);
}

static int S_number(const char *opt, const char *arg, long lo, long hi, long *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (*arg == '\0' || errno != 0 || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "pdhooks-fake: %s takes a number from %ld to %ld, not '%s'\n", opt, lo,
		        hi, arg);
		return -1;
	}
	*out = n;
	return 0;
}

static void S_set(char **field, const char *v)
{
	free(*field);
	*field = pdh_xstrdup(v);
}

enum {
	O_PORT = 256, O_PREFIX, O_TOKEN, O_USER, O_COMPANY, O_STATE, O_PW, O_LATENCY, O_RATE,
	O_RATE_WINDOW, O_DAILY, O_MAXHOOKS, O_FAIL, O_VERSION, O_COMPANY_TOKEN, O_COMPANIES, O_APP,
	O_SEED, O_TLS_CERT, O_TLS_KEY, O_DAILY_BUDGET, O_COMPANY_NAME, O_COMPANY_DOMAIN,
	O_TIME_FORMAT, O_OAUTH_INSTALL, O_OAUTH_OPT
};

static const struct option S_options[] = {
	{ "port", required_argument, NULL, O_PORT },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "token", required_argument, NULL, O_TOKEN },
	{ "user-id", required_argument, NULL, O_USER },
	{ "company-id", required_argument, NULL, O_COMPANY },
	{ "company-name", required_argument, NULL, O_COMPANY_NAME },
	{ "company-domain", required_argument, NULL, O_COMPANY_DOMAIN },
	{ "state", required_argument, NULL, O_STATE },
	{ "password-listing", required_argument, NULL, O_PW },
	{ "latency-ms", required_argument, NULL, O_LATENCY },
	{ "rate-limit", required_argument, NULL, O_RATE },
	{ "rate-window-ms", required_argument, NULL, O_RATE_WINDOW },
	{ "daily-limit", required_argument, NULL, O_DAILY },
	{ "daily-budget", required_argument, NULL, O_DAILY_BUDGET },
	{ "max-webhooks", required_argument, NULL, O_MAXHOOKS },
	{ "fail", required_argument, NULL, O_FAIL },
	{ "company", required_argument, NULL, O_COMPANY_TOKEN },
	{ "companies", required_argument, NULL, O_COMPANIES },
	{ "oauth-app", required_argument, NULL, O_APP },
	{ "seed", required_argument, NULL, O_SEED },
	{ "tls-cert", required_argument, NULL, O_TLS_CERT },
	{ "tls-key", required_argument, NULL, O_TLS_KEY },
	{ "time-format", required_argument, NULL, O_TIME_FORMAT },
	{ "oauth-install", required_argument, NULL, O_OAUTH_INSTALL },
	{ "client-id", required_argument, NULL, O_OAUTH_OPT },
	{ "client-secret", required_argument, NULL, O_OAUTH_OPT },
	{ "token-ttl", required_argument, NULL, O_OAUTH_OPT },
	{ "api-domain", required_argument, NULL, O_OAUTH_OPT },
	{ "rotate-refresh", no_argument, NULL, O_OAUTH_OPT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* --company ID:TOKEN */
static int S_company_opt(start_plan *p, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char *idtext;
	long id;
	int rc;

	if (colon == NULL || colon[1] == '\0') {
		fprintf(stderr, "pdhooks-fake: --company takes ID:TOKEN, not '%s'\n", arg);
		return -1;
	}
	idtext = pdh_xstrndup(arg, (size_t)(colon - arg));
	rc = S_number("--company ID", idtext, 1, 0x7fffffffL, &id);
	free(idtext);
	if (rc != 0)
		return -1;
	p->companies = pdh_xgrow(p->companies, &p->companies_cap, p->ncompanies + 1,
	                         sizeof(*p->companies));
	p->companies[p->ncompanies].id = id;
	p->companies[p->ncompanies].token = pdh_xstrdup(colon + 1);
	p->ncompanies++;
	return 0;
}

/* --oauth-app TOKEN[:SCOPES][@COMPANY] */
static int S_app_opt(fake_server *s, const char *arg)
{
	char *spec = pdh_xstrdup(arg), *at = strrchr(spec, '@'), *scopes = strchr(spec, ':');
	fake_app app = { NULL, FAKE_SCOPE_FULL, 0, NULL };
	int rc = -1;

	if (at) {
		*at++ = '\0';
		if (S_number("--oauth-app @COMPANY", at, 1, 0x7fffffffL, &app.company_id) != 0)
			goto done;
	}
	if (scopes) {
		*scopes++ = '\0';
		app.scopes = 0;
		for (char *tok = strtok(scopes, ","); tok; tok = strtok(NULL, ",")) {
			if (strcmp(tok, "webhooks:read") == 0)
				app.scopes |= FAKE_SCOPE_READ;
			else if (strcmp(tok, "webhooks:full") == 0)
				app.scopes |= FAKE_SCOPE_FULL;
			else if (strcmp(tok, "admin") == 0)
				app.scopes |= FAKE_SCOPE_ADMIN;
			else if (strcmp(tok, "none") != 0) {
				fprintf(stderr, "pdhooks-fake: --oauth-app: unknown scope '%s' (webhooks:read, "
				        "webhooks:full, admin, none)\n", tok);
				goto done;
			}
		}
	}
	if (spec[0] == '\0') {
		fprintf(stderr, "pdhooks-fake: --oauth-app takes TOKEN[:SCOPES][@COMPANY]\n");
		goto done;
	}
	for (size_t i = 0; i < s->napps; i++) {
		if (strcmp(s->apps[i].token, spec) == 0) {
			fprintf(stderr, "pdhooks-fake: --oauth-app: the token is given twice\n");
			goto done;
		}
	}
	app.token = spec;
	spec = NULL;
	s->apps = pdh_xgrow(s->apps, &s->apps_cap, s->napps + 1, sizeof(*s->apps));
	s->apps[s->napps++] = app;
	rc = 0;
done:
	free(spec);
	return rc;
}

int fake_app_add(fake_server *s, const char *arg)
{
	return S_app_opt(s, arg);
}

/* Makes the companies (the --token one first), hands out the faults and places the apps. */
static int S_build(fake_server *s, start_plan *p)
{
	char why[256];

	if (fake_company_add(s, s->company_id, s->token, why, sizeof(why)) == NULL)
		goto fail;
	s->companies[0]->name = s->company_name ? pdh_xstrdup(s->company_name) : NULL;
	s->companies[0]->domain = s->company_domain ? pdh_xstrdup(s->company_domain) : NULL;
	for (size_t i = 0; i < p->ncompanies; i++)
		if (fake_company_add(s, p->companies[i].id, p->companies[i].token, why,
		                     sizeof(why)) == NULL)
			goto fail;
	for (long i = 1; i <= p->generated; i++) {
		char tok[32];
		snprintf(tok, sizeof(tok), "tok-%ld", i);
		if (fake_company_add(s, 1000 + i, tok, why, sizeof(why)) == NULL)
			goto fail;
	}
	for (size_t i = 0; i < p->nfaults; i++)
		fake_fault_add(s->companies[0], &p->faults[i]);
	for (size_t i = 0; i < s->napps; i++) {
		fake_app *a = &s->apps[i];
		a->company = a->company_id ? fake_company_find(s, a->company_id) : s->companies[0];
		if (a->company == NULL) {
			snprintf(why, sizeof(why), "--oauth-app: no company %ld", a->company_id);
			goto fail;
		}
		if (fake_company_by_token(s, a->token) != NULL) {
			snprintf(why, sizeof(why), "--oauth-app: the token is a company's API token");
			goto fail;
		}
		a->company_id = a->company->id;
	}
	return 0;
fail:
	fprintf(stderr, "pdhooks-fake: %s\n", why);
	return -1;
}

/* An option whose argument is stored as it is (text), handed to a function of the server
 * that adds what it describes (add), or stored as a number from lo to hi (num). */
typedef struct {
	int id;
	char **text;
	int (*add)(fake_server *s, const char *arg);
	const char *name;
	long lo, hi;
	long *num;
} S_plain_opt;

/* Takes optarg when option c is one of the n of opts: 1 when it is, -1 when it is bad
 * (message printed), 0 when c is another option. */
static int S_plain_arg(fake_server *s, const S_plain_opt *opts, size_t n, int c)
{
	for (size_t i = 0; i < n; i++) {
		if (opts[i].id != c)
			continue;
		if (opts[i].text) {
			S_set(opts[i].text, optarg);
			return 1;
		}
		if (opts[i].add)
			return opts[i].add(s, optarg) == 0 ? 1 : -1;
		return S_number(opts[i].name, optarg, opts[i].lo, opts[i].hi, opts[i].num) == 0 ? 1
		                                                                                : -1;
	}
	return 0;
}

/* Returns -1 on a bad option (message printed), 1 when done (help, version), 0 to run. */
static int S_parse(fake_server *s, start_plan *p, int argc, char **argv, long *port)
{
	const char *why = NULL;
	fake_fault f;
	long rate = s->rate_limit, budget = (long)s->daily_budget, max_hooks = s->max_webhooks;
	const S_plain_opt plain[] = {
		{ O_COMPANY_NAME, &s->company_name, NULL, NULL, 0, 0, NULL },
		{ O_COMPANY_DOMAIN, &s->company_domain, NULL, NULL, 0, 0, NULL },
		{ O_STATE, &s->state_path, NULL, NULL, 0, 0, NULL },
		{ O_SEED, &s->seed_path, NULL, NULL, 0, 0, NULL },
		{ O_TLS_CERT, &s->tls_cert_path, NULL, NULL, 0, 0, NULL },
		{ O_TLS_KEY, &s->tls_key_path, NULL, NULL, 0, 0, NULL },
		{ O_APP, NULL, S_app_opt, NULL, 0, 0, NULL },
		{ O_OAUTH_INSTALL, NULL, fake_oauth_install, NULL, 0, 0, NULL },
		{ O_PORT, NULL, NULL, "--port", 0, 65535, port },
		{ O_USER, NULL, NULL, "--user-id", 1, 0x7fffffffL, &s->user_id },
		{ O_COMPANY, NULL, NULL, "--company-id", 1, 0x7fffffffL, &s->company_id },
		{ O_LATENCY, NULL, NULL, "--latency-ms", 0, 600000, &s->latency_ms },
		{ O_RATE, NULL, NULL, "--rate-limit", 0, 1000000, &rate },
		{ O_RATE_WINDOW, NULL, NULL, "--rate-window-ms", 1, 3600000, &s->rate_window_ms },
		{ O_DAILY, NULL, NULL, "--daily-limit", 0, 1000000000, &s->daily_limit },
		{ O_DAILY_BUDGET, NULL, NULL, "--daily-budget", 0, 2000000000L, &budget },
		{ O_MAXHOOKS, NULL, NULL, "--max-webhooks", 0, 1000000, &max_hooks },
		{ O_COMPANIES, NULL, NULL, "--companies", 0, 100000, &p->generated },
	};
	int c, done;

	int idx = 0;

	while ((c = getopt_long(argc, argv, "vh", S_options, &idx)) != -1) {
		if ((done = S_plain_arg(s, plain, sizeof(plain) / sizeof(plain[0]), c)) != 0) {
			if (done < 0)
				return -1;
			continue;
		}
		switch (c) {
		case O_PREFIX:
			if (optarg[0] != '\0' && optarg[0] != '/') {
				fprintf(stderr, "pdhooks-fake: --prefix must start with '/'\n");
				return -1;
			}
			S_set(&s->prefix, optarg);
			while (s->prefix[0] && s->prefix[strlen(s->prefix) - 1] == '/')
				s->prefix[strlen(s->prefix) - 1] = '\0';
			break;
		case O_TOKEN:
			if (optarg[0] == '\0') {
				fprintf(stderr, "pdhooks-fake: --token must not be empty\n");
				return -1;
			}
			S_set(&s->token, optarg);
			break;
		case O_PW:
			if (fake_pw_mode_of(optarg) < 0) {
				fprintf(stderr, "pdhooks-fake: --password-listing takes masked, real or null\n");
				return -1;
			}
			s->pw_mode = fake_pw_mode_of(optarg);
			break;
		case O_TIME_FORMAT:
			if (strcmp(optarg, "v1") != 0 && strcmp(optarg, "iso") != 0) {
				fprintf(stderr, "pdhooks-fake: --time-format '%s': expected v1 or iso\n",
				        optarg);
				return -1;
			}
			s->time_v1 = strcmp(optarg, "v1") == 0;
			break;
		case O_FAIL:
			if (fake_fault_parse(optarg, &f, &why) != 0) {
				fprintf(stderr, "pdhooks-fake: --fail '%s': %s\n", optarg, why);
				return -1;
			}
			p->faults = pdh_xgrow(p->faults, &p->faults_cap, p->nfaults + 1, sizeof(*p->faults));
			p->faults[p->nfaults++] = f;
			break;
		case O_COMPANY_TOKEN:
			if (S_company_opt(p, optarg) != 0)
				return -1;
			break;
		case O_OAUTH_OPT:
			if (fake_oauth_option(s, S_options[idx].name, optarg ? optarg : "") != 0)
				return -1;
			break;
		case 'v':
			s->verbose = true;
			break;
		case 'h':
			fputs(S_usage, stdout);
			fputs(S_usage_store, stdout);
			fputs(S_usage_meter, stdout);
			fputs(S_usage_oauth, stdout);
			fputs(S_usage_faults, stdout);
			fputs(S_usage_control, stdout);
			fputs(S_usage_meter_control, stdout);
			return 1;
		case O_VERSION:
			printf("pdhooks-fake %s\n", PDH_VERSION);
			return 1;
		default:
			fputs("Try 'pdhooks-fake --help'.\n", stderr);
			return -1;
		}
	}
	s->rate_limit = (int)rate;
	s->daily_budget = budget;
	s->max_webhooks = (int)max_hooks;
	if (optind < argc) {
		fprintf(stderr, "pdhooks-fake: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if ((s->tls_cert_path == NULL) != (s->tls_key_path == NULL)) {
		fprintf(stderr, "pdhooks-fake: --tls-cert and --tls-key go together\n");
		return -1;
	}
	return S_build(s, p);
}

/* The PEM files of --tls-cert and --tls-key, read whole (libmicrohttpd takes them in memory). */
static int S_tls_load(fake_server *s)
{
	pdh_error err = { 0 };
	size_t len;

	if (s->tls_cert_path == NULL)
		return 0;
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		fprintf(stderr, "pdhooks-fake: this libmicrohttpd has no TLS support\n");
		return -1;
	}
	if (pdh_read_file_capped(s->tls_cert_path, S_PEM_MAX, &s->tls_cert, &len, NULL, &err) != 0 ||
	    pdh_read_file_capped(s->tls_key_path, S_PEM_MAX, &s->tls_key, &len, NULL,
	                         &err) != 0) {
		fprintf(stderr, "pdhooks-fake: %s\n", err.message);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	fake_server s;
	start_plan plan;
	struct MHD_Daemon *d = NULL;
	sigset_t stop;
	char why[1024];
	long port = 0;
	unsigned bound = 0;
	int rc, sig = 0;

	S_server_init(&s);
	memset(&plan, 0, sizeof(plan));
	rc = S_parse(&s, &plan, argc, argv, &port);
	S_plan_dispose(&plan);
	if (rc != 0) {
		rc = rc < 0 ? 2 : 0;
		goto done;
	}
	rc = 1;
	if (S_tls_load(&s) != 0)
		goto done;
	if (fake_store_load(&s, why, sizeof(why)) != 0) {
		fprintf(stderr, "pdhooks-fake: %s\n", why);
		goto done;
	}
	/* Threads started from here inherit the blocked set; sigwait() below takes the signals. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = fake_listen(&s, (unsigned)port, &bound);
	if (d == NULL) {
		fprintf(stderr, "pdhooks-fake: cannot listen on 127.0.0.1:%ld: %s\n", port,
		        strerror(errno));
		goto done;
	}
	printf("port=%u\n", bound);
	fflush(stdout);
	while (sigwait(&stop, &sig) != 0)
		;
	rc = 0;
done:
	if (d)
		MHD_stop_daemon(d);
	S_server_dispose(&s);
	return rc;
}
