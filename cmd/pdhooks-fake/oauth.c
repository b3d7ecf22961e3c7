/* The fake's OAuth side, as Pipedrive's Marketplace apps meet it: installs (an app in a
 * company, with a refresh token), POST /oauth/token (grant_type=refresh_token, HTTP basic
 * auth with the client credentials) answering {access_token, token_type, refresh_token,
 * scope, expires_in, api_domain}, access tokens that expire (--token-ttl), refresh tokens
 * that rotate (--rotate-refresh) or are revoked (the control API), and invalid_grant.
 * Everything here is guarded by the server's lock. */
#include "fake.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"

#define S_DEFAULT_TTL 3600L

/* One install's grant: the refresh token it holds now and what was done with it. */
typedef struct S_install {
	size_t app;            /* index into s->apps: the install's app (stable identity) */
	char *refresh;         /* the refresh token valid now */
	bool revoked;
	long refreshes;        /* answered refreshes */
	long generation;       /* rotations so far */
} S_install;

typedef struct S_issued {
	char *token;
	size_t app;
	long long expires_ms;  /* pdh_now_ms() deadline */
} S_issued;

struct fake_oauth {
	char *client_id, *client_secret;
	long ttl;
	bool rotate;
	char *api_domain;      /* NULL: the scheme and Host of the token call */
	S_install *installs;
	size_t ninstalls, installs_cap;
	S_issued *issued;
	size_t nissued, issued_cap;
	long next;             /* numbers the tokens issued */
	long bad_client;       /* token calls refused for their client credentials */
	long invalid_grants;   /* refreshes refused: unknown, exchanged or revoked tokens */
};

static struct fake_oauth *S_of(fake_server *s)
{
	if (s->oauth == NULL) {
		s->oauth = pdh_xcalloc(1, sizeof(*s->oauth));
		s->oauth->ttl = S_DEFAULT_TTL;
	}
	return s->oauth;
}

int fake_oauth_option(fake_server *s, const char *name, const char *arg)
{
	struct fake_oauth *o = S_of(s);

	if (strcmp(name, "client-id") == 0) {
		free(o->client_id);
		o->client_id = pdh_xstrdup(arg);
	} else if (strcmp(name, "client-secret") == 0) {
		free(o->client_secret);
		o->client_secret = pdh_xstrdup(arg);
	} else if (strcmp(name, "api-domain") == 0) {
		free(o->api_domain);
		o->api_domain = pdh_xstrdup(arg);
	} else if (strcmp(name, "rotate-refresh") == 0) {
		o->rotate = true;
	} else if (strcmp(name, "token-ttl") == 0) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*arg == '\0' || *end != '\0' || v < 1 || v > 100000000L) {
			fprintf(stderr, "pdhooks-fake: --token-ttl takes seconds (1 or more)\n");
			return -1;
		}
		o->ttl = v;
	} else {
		return -1;
	}
	return 0;
}

int fake_oauth_install(fake_server *s, const char *arg)
{
	struct fake_oauth *o = S_of(s);
	const char *colon = strpbrk(arg, ":@");
	char *refresh = pdh_xstrndup(arg, colon ? (size_t)(colon - arg) : strlen(arg));
	char *app_spec;
	int rc;

	if (refresh[0] == '\0') {
		fprintf(stderr, "pdhooks-fake: --oauth-install takes REFRESH[:SCOPES][@COMPANY]\n");
		free(refresh);
		return -1;
	}
	/* The install's app: an identity no caller knows, under the --oauth-app rules. */
	app_spec = pdh_xasprintf("_install-%zu%s", o->ninstalls + 1, colon ? colon : "");
	rc = fake_app_add(s, app_spec);
	free(app_spec);
	if (rc != 0) {
		free(refresh);
		return -1;
	}
	o->installs = pdh_xgrow(o->installs, &o->installs_cap, o->ninstalls + 1,
	                        sizeof(*o->installs));
	o->installs[o->ninstalls++] = (S_install){ s->napps - 1, refresh, false, 0, 0 };
	return 0;
}

void fake_oauth_free(fake_server *s)
{
	struct fake_oauth *o = s->oauth;

	if (o == NULL)
		return;
	for (size_t i = 0; i < o->ninstalls; i++)
		free(o->installs[i].refresh);
	for (size_t i = 0; i < o->nissued; i++)
		free(o->issued[i].token);
	PDH_FREE_ALL(o->installs, o->issued, o->client_id, o->client_secret, o->api_domain, o);
	s->oauth = NULL;
}

const fake_app *fake_oauth_app_of(fake_server *s, const char *bearer)
{
	struct fake_oauth *o = s->oauth;
	long long now = pdh_now_ms();

	for (size_t i = 0; o && bearer && i < o->nissued; i++)
		if (strcmp(o->issued[i].token, bearer) == 0)
			return o->issued[i].expires_ms > now ? &s->apps[o->issued[i].app] : NULL;
	return NULL;
}

static enum MHD_Result S_answer(struct MHD_Connection *c, int status, json_t *body)
{
	struct MHD_Response *r = fake_json_response(body);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* An OAuth error as Pipedrive's token endpoint gives one. */
static json_t *S_oauth_error(const char *code, const char *message)
{
	return json_pack("{s:b, s:s, s:s}", "success", 0, "message", message, "error", code);
}

static int S_b64(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* "Basic BASE64(id:secret)" decoded; NULL when it is not one. Caller frees. */
static char *S_basic(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char *out;
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return NULL;
	h += 6;
	out = pdh_xmalloc(strlen(h) + 1);
	for (; *h && *h != '='; h++) {
		int v = S_b64((unsigned char)*h);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return out;
}

static bool S_client_ok(const struct fake_oauth *o, struct MHD_Connection *c)
{
	char *pair = S_basic(c), *expect;
	bool ok;

	if (pair == NULL)
		return false;
	expect = pdh_xasprintf("%s:%s", o->client_id ? o->client_id : "",
	                       o->client_secret ? o->client_secret : "");
	ok = strcmp(pair, expect) == 0;
	free(pair);
	free(expect);
	return ok;
}

static const char *S_scope_text(unsigned scopes)
{
	if (scopes & FAKE_SCOPE_ADMIN)
		return "base,admin";
	if (scopes & FAKE_SCOPE_FULL)
		return "base,webhooks:full";
	if (scopes & FAKE_SCOPE_READ)
		return "base,webhooks:read";
	return "base";
}

/* The answer to one refresh of install in (lock held). */
static json_t *S_refresh(fake_server *s, S_install *in, struct MHD_Connection *c, bool tls)
{
	struct fake_oauth *o = s->oauth;
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	char *access, *domain;
	json_t *out;

	access = pdh_xasprintf("fake-access-%ld-%zu", ++o->next, in->app);
	o->issued = pdh_xgrow(o->issued, &o->issued_cap, o->nissued + 1, sizeof(*o->issued));
	o->issued[o->nissued++] = (S_issued){ pdh_xstrdup(access), in->app,
	                                      pdh_now_ms() + o->ttl * 1000 };
	if (o->rotate) {
		free(in->refresh);
		in->refresh = pdh_xasprintf("fake-refresh-%ld-%ld", ++o->next, ++in->generation);
	}
	in->refreshes++;
	domain = o->api_domain ? pdh_xstrdup(o->api_domain)
	                       : pdh_xasprintf("%s://%s", tls ? "https" : "http",
	                                       host ? host : "127.0.0.1");
	out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "access_token", access, "token_type",
	                "Bearer", "refresh_token", in->refresh, "scope",
	                S_scope_text(s->apps[in->app].scopes), "expires_in", (int)o->ttl,
	                "api_domain", domain);
	free(access);
	free(domain);
	return out;
}

int fake_oauth_token(fake_server *s, struct MHD_Connection *c, const char *method,
                     const char *body, size_t len)
{
	struct fake_oauth *o;
	json_t *form, *out = NULL;
	const char *grant, *refresh;
	int status = 200;

	long latency;

	if (strcmp(method, "POST") != 0)
		return S_answer(c, 405, S_oauth_error("invalid_request", "POST only"));
	pthread_mutex_lock(&s->lock);
	latency = s->latency_ms;
	pthread_mutex_unlock(&s->lock);
	pdh_nap_ms(latency);  /* as the API calls wait: two refreshes at once overlap */
	form = fake_form_parse(body, len);
	grant = json_string_value(json_object_get(form, "grant_type"));
	refresh = json_string_value(json_object_get(form, "refresh_token"));
	pthread_mutex_lock(&s->lock);
	o = S_of(s);
	if (!S_client_ok(o, c)) {
		o->bad_client++;
		status = 401;
		/* quoting what it was sent, as a careless server does: a client must not show it */
		char *pair = S_basic(c), *msg = pdh_xasprintf("Invalid client credentials: %s",
		                                              pair ? pair : "(none)");

		out = S_oauth_error("invalid_client", msg);
		pdh_free_secret(pair);
		free(msg);
	} else if (grant == NULL || strcmp(grant, "refresh_token") != 0) {
		status = 400;
		out = S_oauth_error("unsupported_grant_type", "Only refresh_token is supported");
	} else if (refresh == NULL || refresh[0] == '\0') {
		status = 400;
		out = S_oauth_error("invalid_request", "Missing refresh_token");
	} else {
		for (size_t i = 0; out == NULL && i < o->ninstalls; i++)
			if (!o->installs[i].revoked && strcmp(o->installs[i].refresh, refresh) == 0)
				out = S_refresh(s, &o->installs[i], c, s->tls_cert != NULL);
		if (out == NULL) {
			char *msg = pdh_xasprintf("Invalid grant: refresh token %s is invalid", refresh);

			o->invalid_grants++;
			status = 400;
			out = S_oauth_error("invalid_grant", msg);
			free(msg);
		}
	}
	pthread_mutex_unlock(&s->lock);
	json_decref(form);
	if (s->verbose)
		fprintf(stderr, "pdhooks-fake: %s /oauth/token %d\n", method, status);
	return S_answer(c, status, out);
}

/* GET /_fake/oauth: the installs; POST /_fake/oauth/revoke {"refresh_token"} (or {} for
 * all); POST /_fake/oauth/expire: every access token issued so far expires now. */
int fake_oauth_control(fake_server *s, struct MHD_Connection *c, const char *url,
                       const char *method, const char *body, size_t len)
{
	bool post = strcmp(method, "POST") == 0;
	json_t *in = NULL, *out = NULL;
	int status = 200;
	struct fake_oauth *o;

	if (!fake_loopback(c))
		return S_answer(c, 403, json_pack("{s:s}", "error", "control API is loopback only"));
	if (post && len > 0 && (in = json_loadb(body, len, 0, NULL)) == NULL)
		return S_answer(c, 400, json_pack("{s:s}", "error", "the body is not JSON"));
	pthread_mutex_lock(&s->lock);
	o = S_of(s);
	if (strcmp(url, "/_fake/oauth") == 0 && strcmp(method, "GET") == 0) {
		json_t *list = json_array();

		for (size_t i = 0; i < o->ninstalls; i++)
			json_array_append_new(list, json_pack("{s:s, s:I, s:b, s:I}", "refresh_token",
				o->installs[i].refresh, "refreshes", (json_int_t)o->installs[i].refreshes,
				"revoked", o->installs[i].revoked, "company_id",
				(json_int_t)s->apps[o->installs[i].app].company_id));
		out = json_pack("{s:o, s:I, s:I, s:I}", "installs", list, "issued",
		                (json_int_t)o->nissued, "bad_client", (json_int_t)o->bad_client,
		                "invalid_grants", (json_int_t)o->invalid_grants);
	} else if (strcmp(url, "/_fake/oauth/revoke") == 0 && post) {
		const char *which = json_string_value(json_object_get(in, "refresh_token"));

		for (size_t i = 0; i < o->ninstalls; i++)
			if (which == NULL || strcmp(which, o->installs[i].refresh) == 0)
				o->installs[i].revoked = true;
	} else if (strcmp(url, "/_fake/oauth/expire") == 0 && post) {
		for (size_t i = 0; i < o->nissued; i++)
			o->issued[i].expires_ms = 0;
	} else {
		status = 404;
		out = json_pack("{s:s}", "error", "unknown control path");
	}
	pthread_mutex_unlock(&s->lock);
	json_decref(in);
	return S_answer(c, status, out ? out : json_pack("{s:b}", "ok", 1));
}
