/* The Pipedrive webhooks API over libcurl: one easy handle per client. Given a session, every
 * call runs through it (the run's connections, TLS sessions and CA store shared); without
 * one, the handle is reused between calls so its own connection stays open. Credentials travel only in a request header; redirects are never
 * followed, so they are never sent anywhere else; bodies are capped; curl never logs. */
#include "pdhooks/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/session_perform.h"
#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/buf.h"
#include "pdhooks/url.h"

#define S_DEFAULT_CONNECT_MS 10000L
#define S_DEFAULT_TIMEOUT_MS 30000L
#define S_DEFAULT_MAX_BODY (32u * 1024u * 1024u)
#define S_EXCERPT_MAX 120

struct pdh_client {
	CURL *curl;
	pdh_session *session;       /* borrowed; NULL: curl_easy_perform on this handle */
	char *base;                 /* no trailing '/' */
	char *base_path;            /* the path of base, for log lines ("/v1"); "" when none */
	pdh_secrets *secrets;       /* the token and every other secret known: scrubbed from any
	                             * text shown */
	struct curl_slist *headers;      /* Accept, the credentials */
	struct curl_slist *post_headers; /* the same and Content-Type */
	char *cacert;
	bool no_capath;             /* the CA store is one file: no directory beside it, so
	                             * libcurl caches the store (it will not with a CA path) */
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	pdh_log_fn log;
	void *log_ctx;
	pdh_meter *meter;           /* borrowed; NULL: none */
	pdh_auth_kind auth;
	char *token;                /* the token the headers carry */
	pdh_reauth_fn reauth;       /* NULL: a 401 is final */
	void *reauth_ctx;
	char errbuf[CURL_ERROR_SIZE];
	/* One exchange's request body (POST), handed to libcurl by S_on_read. */
	const char *post;
	size_t post_len, post_off;
	/* One exchange's answer. */
	pdh_buf body;
	bool body_overflow;
	pdh_http_result *res;
	char *location;
	char *content_type;
};

void pdh_client_free(pdh_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->post_headers);
	pdh_secrets_free(c->secrets);
	pdh_free_secret(c->token);
	if (c->body.data) /* the last answer may hold a webhook's password */
		pdh_wipe(c->body.data, c->body.cap);
	pdh_buf_dispose(&c->body);
	PDH_FREE_ALL(c->base, c->base_path, c->cacert, c->location, c->content_type, c);
}

/* Appends to a header list; curl_slist_append returns NULL only when out of memory. */
static struct curl_slist *S_header(struct curl_slist *list, const char *line)
{
	struct curl_slist *l = curl_slist_append(list, line);
	if (l == NULL) {
		fputs("pdhooks: out of memory\n", stderr);
		abort();
	}
	return l;
}

/* libcurl's built-in CA bundle is there: the system's store is that one file, and its CA
 * directory (the same certificates, one per file) is not needed. */
static bool S_default_bundle_readable(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v != NULL && v->cainfo != NULL && access(v->cainfo, R_OK) == 0;
}

/* The credential headers of every call, for token. */
static void S_set_credentials(pdh_client *c, const char *token)
{
	char *auth = c->auth == PDH_AUTH_BEARER ? pdh_xasprintf("Authorization: Bearer %s", token)
	                                        : pdh_xasprintf("x-api-token: %s", token);

	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->post_headers);
	c->headers = c->post_headers = NULL;
	c->headers = S_header(c->headers, "Accept: application/json");
	c->headers = S_header(c->headers, auth);
	c->post_headers = S_header(c->post_headers, "Accept: application/json");
	c->post_headers = S_header(c->post_headers, auth);
	c->post_headers = S_header(c->post_headers, "Content-Type: application/json");
	c->post_headers = S_header(c->post_headers, "Expect:"); /* no 100-continue round trip */
	pdh_free_secret(auth);
	pdh_free_secret(c->token);
	c->token = pdh_xstrdup(token);
	pdh_secrets_add_credential(c->secrets, token, "***");
}

int pdh_client_new(pdh_client **out, const pdh_client_opts *opts, pdh_error *err)
{
	pdh_client *c = NULL;
	pdh_url u;
	int rc;

	*out = NULL;
	memset(&u, 0, sizeof(u));
	if (opts == NULL || opts->api_url == NULL)
		return pdh_error_set(err, PDH_EINVAL, "no API URL given");
	rc = pdh_api_url_check(opts->api_url, err);
	if (rc != 0)
		goto done;
	if (opts->auth == PDH_AUTH_NONE || opts->token == NULL || *opts->token == '\0') {
		rc = pdh_error_set(err, PDH_EAUTH, "no Pipedrive credentials: set PIPEDRIVE_API_TOKEN "
		                   "(or PIPEDRIVE_OAUTH_TOKEN), or pass --token-file PATH");
		goto done;
	}
	if (!pdh_token_valid(opts->token)) {
		rc = pdh_error_set(err, PDH_EAUTH, "the API token contains spaces or control "
		                   "characters");
		goto done;
	}
	if ((rc = pdh_curl_global_init(err)) != 0)
		goto done;
	c = pdh_xcalloc(1, sizeof(*c));
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		rc = pdh_error_set(err, PDH_ENET, "cannot initialise libcurl");
		goto done;
	}
	c->base = pdh_xstrdup(opts->api_url);
	for (size_t n = strlen(c->base); n > 0 && c->base[n - 1] == '/'; n--)
		c->base[n - 1] = '\0';
	if (pdh_url_parse(&u, c->base, NULL) != 0) {
		rc = pdh_error_set(err, PDH_EINVAL, "invalid API URL");
		goto done;
	}
	c->base_path = pdh_xstrdup(u.path);
	c->secrets = pdh_secrets_new();
	pdh_secrets_add_credential(c->secrets, opts->token, "***");
	pdh_secrets_merge(c->secrets, opts->secrets);
	c->session = opts->session;
	c->cacert = pdh_xstrdup(c->session ? pdh_session_cacert(c->session) : opts->cacert);
	c->no_capath = c->cacert != NULL || S_default_bundle_readable();
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
	                                                     : S_DEFAULT_CONNECT_MS;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	c->max_body = opts->max_body > 0 ? opts->max_body : S_DEFAULT_MAX_BODY;
	c->log = opts->log;
	c->log_ctx = opts->log_ctx;
	c->meter = opts->meter;
	c->auth = opts->auth;
	c->reauth = opts->reauth;
	c->reauth_ctx = opts->reauth_ctx;
	S_set_credentials(c, opts->token);
	*out = c;
	c = NULL;
	rc = PDH_OK;
done:
	pdh_url_dispose(&u);
	pdh_client_free(c);
	return rc;
}

static size_t S_on_body(char *data, size_t size, size_t n, void *ctx)
{
	pdh_client *c = ctx;

	if (pdh_buf_append(&c->body, data, size * n) != 0) {
		c->body_overflow = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* The POST body, read once: there is no seek function, so libcurl cannot send it again by
 * itself. It would on a reused connection that closes without an answer (its "retry on a
 * fresh connect"), which for a POST could create the webhook twice; without a rewind the call
 * fails instead (CURLE_SEND_FAIL_REWIND) and apply settles it by a listing. */
static size_t S_on_read(char *to, size_t size, size_t n, void *ctx)
{
	pdh_client *c = ctx;
	size_t k = c->post_len - c->post_off;

	if (k > size * n)
		k = size * n;
	memcpy(to, c->post + c->post_off, k);
	c->post_off += k;
	return k;
}

static size_t S_on_header(char *line, size_t size, size_t n, void *ctx)
{
	pdh_client *c = ctx;
	size_t len = size * n;
	char *v;

	pdh_http_parse_header(c->res, line, len, time(NULL));
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(c->location);
		free(c->content_type);
		c->location = c->content_type = NULL;
	} else if ((v = pdh_http_header_value(line, len, "location")) != NULL) {
		free(c->location);
		c->location = v;
	} else if ((v = pdh_http_header_value(line, len, "content-type")) != NULL) {
		free(c->content_type);
		c->content_type = v;
	}
	return len;
}

/* "30 s", "1.5 s": how long a timeout was, for messages. */
static void S_seconds(char *out, size_t n, long ms)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "%ld s", ms / 1000);
	else
		snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

/* Text from the server made safe to show: every known secret replaced (before the cut, so
 * no secret is shown in part), one line, printable ASCII, at most S_EXCERPT_MAX characters.
 * Caller frees. */
static char *S_sanitize(const pdh_client *c, const char *text, size_t text_len)
{
	char *s = pdh_secrets_scrub_n(c->secrets, text, text_len);
	size_t len = strlen(s);
	pdh_buf b = PDH_BUF_INIT;
	bool last_space = true;

	for (size_t i = 0; i < len && b.len < S_EXCERPT_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f) {
			if (!last_space)
				pdh_buf_putc(&b, ' ');
			last_space = true;
			continue;
		}
		pdh_buf_putc(&b, (char)ch);
		last_space = false;
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len >= S_EXCERPT_MAX)
		pdh_buf_puts(&b, "...");
	pdh_free_secret(s);
	return pdh_buf_detach(&b);
}

static bool S_looks_like_html(const pdh_client *c)
{
	const char *p = pdh_buf_cstr(&c->body);

	if (c->content_type && strncasecmp(c->content_type, "text/html", 9) == 0)
		return true;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return *p == '<';
}

/* What an error answer says: Pipedrive's own text, else a note on what came instead.
 * Caller frees. */
static char *S_describe_error_body(const pdh_client *c)
{
	char *text = pdh_api_error_text(pdh_buf_cstr(&c->body), c->body.len);
	char *clean;

	if (text != NULL) {
		clean = S_sanitize(c, text, strlen(text));
		free(text);
		if (*clean)
			return clean;
		free(clean);
	}
	if (c->body.len == 0)
		return pdh_xstrdup("(empty response)");
	if (S_looks_like_html(c))
		return pdh_xstrdup("an HTML error page instead of Pipedrive's JSON");
	text = S_sanitize(c, c->body.data, c->body.len);
	clean = pdh_xasprintf("unexpected answer: %s", text);
	free(text);
	return clean;
}

CURLcode pdh_curl_transport(CURL *easy, const char *cacert, bool no_capath)
{
	CURLcode cc;

#if LIBCURL_VERSION_NUM >= 0x075500
	cc = curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	cc = curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cc == CURLE_OK && cacert)
		cc = curl_easy_setopt(easy, CURLOPT_CAINFO, cacert);
	if (cc == CURLE_OK && no_capath)
		cc = curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	return cc;
}

#define S_SETOPT(opt, val)                                                             \
	do {                                                                           \
		CURLcode set_rc_ = curl_easy_setopt(c->curl, opt, val);                \
		if (set_rc_ != CURLE_OK) {                                             \
			rc = pdh_error_set(err, PDH_ENET, "libcurl refused option %s: %s", \
			                   #opt, curl_easy_strerror(set_rc_));         \
			goto done;                                                     \
		}                                                                      \
	} while (0)

/* One HTTP exchange. 0 when the answer is a 2xx (its body in c->body); otherwise the error,
 * classified: transport PDH_ENET, 401/403 PDH_EAUTH, other statuses PDH_EAPI, an oversized
 * body PDH_EPROTO. res is always filled. */
static int S_exchange_once(pdh_client *c, const char *method, const char *path,
                           const char *post, pdh_http_result *res, pdh_error *err)
{
	char *url = pdh_xasprintf("%s%s", c->base, path);
	char *text = NULL, *line = NULL;
	char secs[32];
	long long start;
	CURLcode cc;
	int rc = PDH_OK;

	pdh_http_result_init(res);
	pdh_buf_reset(&c->body);
	c->body.max = c->max_body;
	c->body_overflow = false;
	c->res = res;
	free(c->location);
	free(c->content_type);
	c->location = c->content_type = NULL;
	c->errbuf[0] = '\0';

	curl_easy_reset(c->curl); /* keeps the open connection, forgets the last call's options */
	S_SETOPT(CURLOPT_URL, url);
	S_SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
	S_SETOPT(CURLOPT_VERBOSE, 0L);
	S_SETOPT(CURLOPT_NOSIGNAL, 1L);
	if ((cc = pdh_curl_transport(c->curl, c->cacert, c->no_capath)) != CURLE_OK) {
		rc = pdh_error_set(err, PDH_ENET, "libcurl refused a transport option: %s",
		                   curl_easy_strerror(cc));
		goto done;
	}
	S_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	S_SETOPT(CURLOPT_TIMEOUT_MS, c->timeout_ms);
	S_SETOPT(CURLOPT_USERAGENT, "pdhooks/" PDH_VERSION);
	S_SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
	S_SETOPT(CURLOPT_WRITEFUNCTION, S_on_body);
	S_SETOPT(CURLOPT_WRITEDATA, c);
	S_SETOPT(CURLOPT_HEADERFUNCTION, S_on_header);
	S_SETOPT(CURLOPT_HEADERDATA, c);
	if (post != NULL) {
		S_SETOPT(CURLOPT_HTTPHEADER, c->post_headers);
		c->post = post;
		c->post_len = strlen(post);
		c->post_off = 0;
		S_SETOPT(CURLOPT_POST, 1L);
		S_SETOPT(CURLOPT_READFUNCTION, S_on_read);
		S_SETOPT(CURLOPT_READDATA, c);
		S_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->post_len);
	} else {
		S_SETOPT(CURLOPT_HTTPHEADER, c->headers);
		if (strcmp(method, "GET") == 0)
			S_SETOPT(CURLOPT_HTTPGET, 1L);
		else
			S_SETOPT(CURLOPT_CUSTOMREQUEST, method);
	}

	start = pdh_now_ms();
	cc = c->session ? pdh_session_perform(c->session, c->curl, url) : curl_easy_perform(c->curl);
	res->elapsed_ms = (long)(pdh_now_ms() - start);
	res->transport = (int)cc;
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &res->status) != CURLE_OK)
		res->status = 0;
	pdh_meter_charge(c->meter, method, path, res); /* the server answered: it counted */
	if (cc != CURLE_OK && !c->body_overflow)
		res->status = 0; /* no complete answer: its status says nothing */

	if (c->log) {
		int cost = pdh_call_cost_of(method, path);

		if (cc == CURLE_OK)
			line = pdh_xasprintf("%s %s%s %ld %ldms %d token%s%s%s%s", method, c->base_path,
			                     path, res->status, res->elapsed_ms, cost, cost == 1 ? "" : "s",
			                     res->correlation_id[0] ? " (correlation id " : "",
			                     res->correlation_id, res->correlation_id[0] ? ")" : "");
		else
			line = pdh_xasprintf("%s %s%s failed %ldms (%s)", method, c->base_path, path,
			                     res->elapsed_ms, curl_easy_strerror(cc));
		c->log(c->log_ctx, line);
	}

	if (c->body_overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = pdh_error_set(err, PDH_EPROTO, "%s %s: the response is larger than %zu bytes",
		                   method, url, c->max_body);
		goto done;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		bool connecting = strstr(c->errbuf, "onnect") != NULL ||
		                  strstr(c->errbuf, "esolv") != NULL;
		S_seconds(secs, sizeof(secs), connecting ? c->connect_timeout_ms : c->timeout_ms);
		rc = pdh_error_set(err, PDH_ENET, "%s %s: %s after %s", method, url,
		                   connecting ? "connection timed out" : "timed out", secs);
		goto done;
	}
	if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_ISSUER_ERROR ||
	    cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || cc == CURLE_SSL_INVALIDCERTSTATUS) {
		/* Refused in the handshake: no request, so no token, was sent. Never retried. */
		bool unknown_ca = strstr(c->errbuf, "issuer") || strstr(c->errbuf, "self-signed") ||
		                  strstr(c->errbuf, "self signed");
		rc = pdh_error_set(err, PDH_ENET, "%s %s: the server's TLS certificate was refused, "
		                   "nothing was sent: %s%s", method, url,
		                   c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc),
		                   unknown_ca && !c->cacert ? " (a private CA? pass --cacert PATH)"
		                                            : "");
		goto done;
	}
	if (cc == CURLE_SEND_FAIL_REWIND) {
		rc = pdh_error_set(err, PDH_ENET, "%s %s: the connection closed before an answer "
		                   "(the request was sent)", method, url);
		goto done;
	}
	if (cc == CURLE_SSL_CACERT_BADFILE) {
		rc = pdh_error_set(err, PDH_ENET, "%s %s: cannot read the CA certificates to check "
		                   "the server's certificate with: %s", method, url,
		                   c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
		goto done;
	}
	if (cc != CURLE_OK) {
		rc = pdh_error_set(err, PDH_ENET, "%s %s: %s", method, url,
		                   c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
		goto done;
	}
	if (res->status >= 200 && res->status < 300)
		goto done;

	if (res->status >= 300 && res->status < 400) {
		char *where = c->location ? pdh_url_redact(c->location)
		                          : pdh_xstrdup("(no Location header)");
		rc = pdh_error_set(err, PDH_EAPI, "HTTP %ld: %s %s redirects to %s; pdhooks does not "
		                   "follow redirects (check the API URL)", res->status, method, url,
		                   where);
		free(where);
		goto done;
	}
	text = S_describe_error_body(c);
	if (res->status == 403 && !S_looks_like_html(c)) {
		/* OAuth: listing needs webhooks:read, creating and deleting webhooks:full. */
		char *scope = pdh_api_missing_scope(text, strcmp(method, "GET") == 0
		                                          ? "webhooks:read" : "webhooks:full");
		if (scope != NULL) {
			rc = pdh_error_set(err, PDH_EAUTH, "HTTP 403: the token lacks the %s scope, "
			                   "which %s %s%s needs (Pipedrive: %s)", scope, method,
			                   c->base_path, path, text);
			free(scope);
			goto done;
		}
	}
	if (res->status == 402) {
		/* Nothing works for the company until its account is open again: not retried. */
		rc = pdh_error_set(err, PDH_EAPI, "the company's Pipedrive account is not open "
		                   "(trial ended or unpaid): HTTP 402: %s", text);
		goto done;
	}
	/* A 403 on DELETE is about that webhook; an HTML 403 is a CDN after too many calls. */
	if (res->status == 401 ||
	    (res->status == 403 && strcmp(method, "DELETE") != 0 && !S_looks_like_html(c)))
		rc = pdh_error_set(err, PDH_EAUTH, "HTTP %ld: %s (the credentials were refused for "
		                   "%s %s%s)", res->status, text, method, c->base_path, path);
	else
		rc = pdh_error_set(err, PDH_EAPI, "HTTP %ld: %s", res->status, text);
done:
	if (err && rc != PDH_OK)
		err->http_status = (int)res->status;
	free(line);
	free(text);
	free(url);
	return rc;
}

/* One exchange (S_exchange_once) and, when it was answered 401 and the credential source
 * gives a new token, the same exchange once more with it: Pipedrive did nothing with a call
 * it refused as unauthorized, so a POST sent again creates its webhook once. */
static int S_exchange(pdh_client *c, const char *method, const char *path, const char *post,
                      pdh_http_result *res, pdh_error *err)
{
	int rc = S_exchange_once(c, method, path, post, res, err);
	char *fresh = NULL;

	if (rc == PDH_OK || res->status != 401 || c->reauth == NULL)
		return rc;
	if (c->reauth(c->reauth_ctx, c->token, &fresh) != 0 || fresh == NULL ||
	    !pdh_token_valid(fresh)) {
		pdh_free_secret(fresh);
		return rc;
	}
	S_set_credentials(c, fresh);
	pdh_free_secret(fresh);
	if (c->log)
		c->log(c->log_ctx, "401: a new token from the token source; sending the call again");
	return S_exchange_once(c, method, path, post, res, err);
}

/* A 2xx answer that is an HTML page, not JSON (a proxy or CDN in the way). */
static int S_check_json_answer(pdh_client *c, const char *method, const char *path,
                               const pdh_http_result *res, pdh_error *err)
{
	if (!S_looks_like_html(c))
		return PDH_OK;
	return pdh_error_set(err, PDH_EPROTO, "HTTP %ld: %s %s%s answered with an HTML page "
	                     "instead of Pipedrive's JSON", res->status, method, c->base_path,
	                     path);
}

/* The parsers' messages already say which answer was wrong; add only the status. */
static int S_parsed(int rc, pdh_error *err, const pdh_http_result *res)
{
	if (err != NULL && rc != PDH_OK)
		err->http_status = (int)res->status;
	return rc;
}

/* The last word on any message a call gives: no known secret in it, whichever layer wrote
 * it (the JSON parser quotes the broken spot of a body). */
static int S_scrubbed(const pdh_client *c, int rc, pdh_error *err)
{
	if (rc != PDH_OK && err != NULL) {
		char *t = pdh_secrets_scrub(c->secrets, err->message);
		snprintf(err->message, sizeof(err->message), "%s", t);
		pdh_free_secret(t);
	}
	return rc;
}

/* A failed call's message names the answer's x-correlation-id, for Pipedrive's support. */
static int S_traced(int rc, pdh_error *err, const pdh_http_result *res)
{
	size_t n;

	if (rc == PDH_OK || err == NULL || res->correlation_id[0] == '\0')
		return rc;
	n = strlen(err->message);
	snprintf(err->message + n, sizeof(err->message) - n, " (correlation id %s)",
	         res->correlation_id);
	return rc;
}

/* A call whose 2xx answer must be Pipedrive's JSON, parsed by parse into out; res may be NULL. */
static int S_json_call(pdh_client *c, const char *method, const char *path, const char *post,
                       pdh_http_result *res, pdh_error *err,
                       int (*parse)(void *out, const char *body, size_t len, pdh_error *err),
                       void *out)
{
	pdh_http_result local;
	int rc;

	if (res == NULL)
		res = &local;
	rc = S_exchange(c, method, path, post, res, err);
	if (rc == PDH_OK)
		rc = S_check_json_answer(c, method, path, res, err);
	if (rc == PDH_OK)
		rc = S_parsed(parse(out, pdh_buf_cstr(&c->body), c->body.len, err), err, res);
	return S_traced(rc, err, res);
}

static int S_parse_listing(void *out, const char *body, size_t len, pdh_error *err)
{
	return pdh_live_parse_listing(out, body, len, err);
}

static int S_parse_created(void *out, const char *body, size_t len, pdh_error *err)
{
	return pdh_live_parse_created(out, body, len, err);
}

int pdh_client_list(pdh_client *c, pdh_live **out, pdh_http_result *res, pdh_error *err)
{
	int rc;

	*out = NULL;
	rc = S_json_call(c, "GET", "/webhooks", NULL, res, err, S_parse_listing, out);
	/* A password the listing shows is one more secret an error text must not show. */
	for (size_t i = 0; rc == PDH_OK && i < (*out)->n; i++)
		if ((*out)->items[i].password_state == PDH_SECRET_REAL)
			pdh_secrets_add(c->secrets, (*out)->items[i].http_auth_password, "***");
	return S_scrubbed(c, rc, err);
}

int pdh_client_get_json(pdh_client *c, const char *path,
                        int (*parse)(void *out, const char *body, size_t len, pdh_error *err),
                        void *out, pdh_http_result *res, pdh_error *err)
{
	return S_scrubbed(c, S_json_call(c, "GET", path, NULL, res, err, parse, out), err);
}

int pdh_client_create(pdh_client *c, const pdh_desired_webhook *w, pdh_live_webhook *out,
                      pdh_http_result *res, pdh_error *err)
{
	char *body = pdh_client_create_body(w);
	int rc;

	memset(out, 0, sizeof(*out));
	if (w->has_http_auth_password)
		pdh_secrets_add(c->secrets, w->http_auth_password, "(sensitive)");
	rc = S_json_call(c, "POST", "/webhooks", body, res, err, S_parse_created, out);
	pdh_free_secret(body); /* it may hold http_auth_password */
	return S_scrubbed(c, rc, err);
}

int pdh_client_delete(pdh_client *c, long long id, pdh_http_result *res, pdh_error *err)
{
	pdh_http_result local;
	char path[64];

	if (res == NULL)
		res = &local;
	snprintf(path, sizeof(path), "/webhooks/%lld", id);
	return S_scrubbed(c, S_traced(S_exchange(c, "DELETE", path, NULL, res, err), err, res),
	                  err);
}
