/* OAuth tokens: the JSON form, scopes, and the refresh at the token endpoint (libcurl, TLS
 * checked as every API call is, no redirect followed, the client secret only in the basic
 * auth header, nothing secret in a message). */
#define _DEFAULT_SOURCE /* timegm */
#include "pdhooks/oauth.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/session_perform.h"
#include "pdhooks/alloc.h"
#include "pdhooks/api_url.h"
#include "pdhooks/buf.h"
#include "pdhooks/secrets.h"
#include "util/escape.h"

#define S_TIMEOUT_MS 30000L
#define S_CONNECT_MS 10000L
#define S_ANSWER_MAX (256 * 1024)
#define S_TEXT_MAX 200

void pdh_oauth_token_dispose(pdh_oauth_token *t)
{
	if (t == NULL)
		return;
	pdh_free_secret(t->access_token);
	pdh_free_secret(t->refresh_token);
	PDH_FREE_ALL(t->api_domain, t->scope);
	memset(t, 0, sizeof(*t));
}

/* "2026-12-08T03:26:43Z", "2026-12-08T03:26:43.000Z", "2026-12-08 03:26:43" (UTC). */
static bool S_time(const char *s, long long *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	char sep;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &n) != 7 ||
	    (sep != 'T' && sep != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return false;
	rest = s + n;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			;
	if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0 && *rest != '\0')
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm);
	return true;
}

static int S_string(char **out, json_t *o, const char *key, const char *what, pdh_error *err)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return pdh_error_set(err, PDH_EAUTH, "%s: %s is not a non-empty string", what, key);
	*out = pdh_xstrdup(json_string_value(v));
	return 0;
}

int pdh_oauth_token_parse(pdh_oauth_token *t, const char *text, size_t len, const char *what,
                          pdh_error *err)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *v;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		/* je.text may quote the text: only where it broke. */
		return pdh_error_set(err, PDH_EAUTH, "%s is not one JSON object (line %d, column %d)",
		                     what, je.line, je.column);
	}
	if ((rc = S_string(&t->access_token, o, "access_token", what, err)) != 0 ||
	    (rc = S_string(&t->refresh_token, o, "refresh_token", what, err)) != 0 ||
	    (rc = S_string(&t->api_domain, o, "api_domain", what, err)) != 0 ||
	    (rc = S_string(&t->scope, o, "scope", what, err)) != 0)
		goto done;
	if ((v = json_object_get(o, "expires_at")) != NULL && !json_is_null(v)) {
		t->has_expires = true;
		if (json_is_integer(v))
			t->expires_at = (long long)json_integer_value(v);
		else if (!json_is_string(v) || !S_time(json_string_value(v), &t->expires_at)) {
			rc = pdh_error_set(err, PDH_EAUTH, "%s: expires_at is neither Unix seconds nor "
			                   "an ISO 8601 time", what);
			goto done;
		}
	} else if ((v = json_object_get(o, "expires_in")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			rc = pdh_error_set(err, PDH_EAUTH, "%s: expires_in is not a number of seconds",
			                   what);
			goto done;
		}
		t->has_expires = true;
		t->expires_at = (long long)time(NULL) + (long long)json_integer_value(v);
	}
	if ((v = json_object_get(o, "company_id")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			rc = pdh_error_set(err, PDH_EAUTH, "%s: company_id is not a positive integer",
			                   what);
			goto done;
		}
		t->has_company_id = true;
		t->company_id = (long long)json_integer_value(v);
	}
done:
	json_decref(o);
	if (rc != 0)
		pdh_oauth_token_dispose(t);
	return rc;
}

/* Whether the scope list holds name (separated by spaces or commas). */
static bool S_has(const char *scope, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = scope; *p;) {
		size_t k;

		p += strspn(p, " ,\t");
		k = strcspn(p, " ,\t");
		if (k == n && strncmp(p, name, n) == 0)
			return true;
		p += k;
	}
	return false;
}

const char *pdh_oauth_scope_missing(const char *scope, bool write)
{
	if (S_has(scope, "webhooks:full") || S_has(scope, "admin"))
		return NULL;
	if (!write && S_has(scope, "webhooks:read"))
		return NULL;
	return write ? "webhooks:full" : "webhooks:read";
}

char *pdh_oauth_api_url(const char *api_domain)
{
	size_t n = strlen(api_domain);

	while (n > 0 && api_domain[n - 1] == '/')
		n--;
	return pdh_xasprintf("%.*s/api/v1", (int)n, api_domain);
}

static size_t S_on_body(char *data, size_t size, size_t n, void *ctx)
{
	return pdh_buf_append(ctx, data, size * n) == 0 ? size * n : 0;
}

/* The endpoint's words: error_description, message or error of its JSON, else "HTTP N";
 * scrubbed of secrets, escaped, cut. Caller frees. */
static char *S_said(const char *body, size_t len, long status, const pdh_secrets *sec,
                    char **code)
{
	json_t *o = json_loadb(body, len, 0, NULL);
	const char *keys[] = { "error_description", "message", "error" }, *text = NULL;
	pdh_buf b = PDH_BUF_INIT;
	char *scrubbed, *cut;

	*code = NULL;
	if (json_is_object(o) && json_is_string(json_object_get(o, "error")))
		*code = pdh_xstrdup(json_string_value(json_object_get(o, "error")));
	for (size_t i = 0; json_is_object(o) && text == NULL && i < 3; i++)
		text = json_string_value(json_object_get(o, keys[i]));
	scrubbed = pdh_secrets_scrub(sec, text ? text : "no error text");
	cut = pdh_xstrndup(scrubbed, strnlen(scrubbed, S_TEXT_MAX));
	pdh_buf_printf(&b, "HTTP %ld: ", status);
	pdh_escape_display(&b, cut);
	json_decref(o);
	pdh_free_secret(scrubbed);
	free(cut);
	return pdh_buf_detach(&b);
}

#define S_SET(opt, val)                                                               \
	do {                                                                          \
		if (curl_easy_setopt(curl, opt, val) != CURLE_OK) {                   \
			rc = pdh_error_set(err, PDH_ENET, "libcurl refused option %s", #opt); \
			goto done;                                                    \
		}                                                                     \
	} while (0)

int pdh_oauth_refresh(pdh_oauth_token *out, const pdh_oauth_refresh_opts *o,
                      const char *refresh_token, pdh_error *err)
{
	const char *url = o->token_url ? o->token_url : PDH_OAUTH_DEFAULT_TOKEN_URL;
	const char *cacert = o->session ? pdh_session_cacert(o->session) : o->cacert;
	pdh_secrets *sec = pdh_secrets_new();
	pdh_buf body = PDH_BUF_INIT;
	char *form = NULL, *esc = NULL, *said = NULL, *code = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURL *curl = NULL;
	CURLcode cc;
	long status = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	pdh_secrets_add_credential(sec, refresh_token, "***");
	pdh_secrets_add_credential(sec, o->client_secret, "***");
	if ((rc = pdh_api_url_check(url, err)) != 0) {
		char *msg = pdh_xasprintf("token_url: %s", err->message);

		rc = pdh_error_set(err, rc, "%.900s", msg);
		free(msg);
		goto done;
	}
	if ((rc = pdh_curl_global_init(err)) != 0)
		goto done;
	if ((curl = curl_easy_init()) == NULL) {
		rc = pdh_error_set(err, PDH_ENET, "cannot initialise libcurl");
		goto done;
	}
	esc = curl_easy_escape(curl, refresh_token, 0);
	form = pdh_xasprintf("grant_type=refresh_token&refresh_token=%s", esc ? esc : "");
	headers = curl_slist_append(headers, "Accept: application/json");
	body.max = S_ANSWER_MAX;
	S_SET(CURLOPT_URL, url);
	S_SET(CURLOPT_ERRORBUFFER, errbuf);
	S_SET(CURLOPT_NOSIGNAL, 1L);
	if (pdh_curl_transport(curl, cacert, cacert != NULL) != CURLE_OK) {
		rc = pdh_error_set(err, PDH_ENET, "libcurl refused a transport option");
		goto done;
	}
	S_SET(CURLOPT_CONNECTTIMEOUT_MS, S_CONNECT_MS);
	S_SET(CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : S_TIMEOUT_MS);
	S_SET(CURLOPT_USERAGENT, "pdhooks/" PDH_VERSION);
	S_SET(CURLOPT_HTTPHEADER, headers);
	S_SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	S_SET(CURLOPT_USERNAME, o->client_id ? o->client_id : "");
	S_SET(CURLOPT_PASSWORD, o->client_secret ? o->client_secret : "");
	S_SET(CURLOPT_POSTFIELDS, form);
	S_SET(CURLOPT_WRITEFUNCTION, S_on_body);
	S_SET(CURLOPT_WRITEDATA, &body);
	cc = o->session ? pdh_session_perform(o->session, curl, url) : curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		rc = pdh_error_set(err, PDH_ENET, "POST %s: %s", url,
		                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto done;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300) {
		said = S_said(pdh_buf_cstr(&body), body.len, status, sec, &code);
		if (code && strcmp(code, "invalid_grant") == 0)
			rc = pdh_error_set(err, PDH_EREAUTH, "the refresh token was refused "
			                   "(invalid_grant; %s): the app must be authorized again",
			                   said);
		else
			rc = pdh_error_set(err, PDH_EAUTH, "the token endpoint refused the refresh (%s)",
			                   said);
		goto done;
	}
	rc = pdh_oauth_token_parse(out, pdh_buf_cstr(&body), body.len,
	                           "the token endpoint's answer", err);
	if (rc == 0 && (out->access_token == NULL || !out->has_expires)) {
		pdh_oauth_token_dispose(out);
		rc = pdh_error_set(err, PDH_EAUTH, "the token endpoint's answer has no access_token "
		                   "or expires_in");
	}
done:
	if (rc != 0 && err) {
		char *t = pdh_secrets_scrub(sec, err->message);

		snprintf(err->message, sizeof(err->message), "%s", t);
		pdh_free_secret(t);
	}
	if (body.data)
		pdh_wipe(body.data, body.cap);
	pdh_buf_dispose(&body);
	if (esc) {
		pdh_wipe(esc, strlen(esc));
		curl_free(esc);
	}
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	pdh_free_secret(form);
	pdh_secrets_free(sec);
	PDH_FREE_ALL(said, code);
	return rc;
}
