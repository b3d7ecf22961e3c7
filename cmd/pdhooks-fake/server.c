/* HTTP side of the fake: routing, auth, rate limit, faults, and the /_fake/ control API. */
#include "fake.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"

#define ERROR_INFO "Please check developers.pipedrive.com for more information about Pipedrive API."
#define RATE_WINDOW_MS 2000

typedef struct fake_req {
	pdh_buf body;
	bool too_big;
} fake_req;

/* Who is calling: a company's API token, or an app installed in it. */
typedef struct caller {
	fake_company *co;      /* NULL: no known token */
	const fake_app *app;   /* NULL: the company's API token */
} caller;

/* What one API answer carries besides its body: rate-limit headers and extras. */
typedef struct reply_meta {
	bool rate_on;
	long limit, remaining, reset;
	bool daily_on;
	long daily_left;
	long retry_after;     /* > 0: a Retry-After header */
	const char *allow;    /* 405: the Allow header */
	fake_budget budget;   /* the daily token budget's headers (meter.c) */
} reply_meta;

/* The x-correlation-id of the API answer this thread is making ("" when none): set by S_api
 * (one call at a time per thread), sent with every answer, kept in the call log. UUID-shaped
 * and unique per answer: the fake's pid, then the answer's number. */
static _Thread_local char S_correlation[40];

static void S_correlation_new(fake_server *s)
{
	unsigned long long n;

	pthread_mutex_lock(&s->lock);
	n = ++s->answers;
	pthread_mutex_unlock(&s->lock);
	snprintf(S_correlation, sizeof(S_correlation), "%08lx-0000-4000-8000-%012llx",
	         (unsigned long)getpid() & 0xffffffffUL, n & 0xffffffffffffULL);
}

/* Every answer carries one, as Pipedrive's do. */
static enum MHD_Result S_queue(struct MHD_Connection *c, unsigned status,
                               struct MHD_Response *r)
{
	if (S_correlation[0])
		MHD_add_response_header(r, "x-correlation-id", S_correlation);
	return MHD_queue_response(c, status, r);
}

static void S_header(struct MHD_Response *r, const char *name, long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%ld", v);
	MHD_add_response_header(r, name, num);
}

/* Queues body (malloc'd, taken over) as the answer. */
static enum MHD_Result S_send(struct MHD_Connection *c, int status, const char *ctype, char *body,
                              size_t len, const reply_meta *meta)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", ctype);
	if (meta && meta->rate_on) {
		S_header(r, "x-ratelimit-limit", meta->limit);
		S_header(r, "x-ratelimit-remaining", meta->remaining);
		S_header(r, "x-ratelimit-reset", meta->reset);
	}
	if (meta && meta->daily_on)
		S_header(r, "x-daily-requests-left", meta->daily_left);
	if (meta && meta->retry_after > 0)
		S_header(r, "Retry-After", meta->retry_after);
	if (meta && meta->allow)
		MHD_add_response_header(r, "Allow", meta->allow);
	if (meta)
		fake_meter_headers(r, &meta->budget);
	ret = S_queue(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result S_json(struct MHD_Connection *c, int status, json_t *body,
                              const reply_meta *meta)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return S_send(c, status, "application/json", text, strlen(text), meta);
}

/* Pipedrive's general error shape. */
static json_t *S_generic_error(int status, const char *error)
{
	return json_pack("{s:b, s:s, s:i, s:s, s:n, s:n}", "success", 0, "error", error,
	                 "errorCode", status, "error_info", ERROR_INFO, "data", "additional_data");
}

static json_t *S_field_errors(json_t *errors)
{
	return json_pack("{s:b, s:s, s:o}", "success", 0, "status", "error", "errors", errors);
}

static const char *S_reason(int status)
{
	const char *r = MHD_get_reason_phrase_for((unsigned)status);

	if (status == 402)   /* Pipedrive's words for a company whose trial ended, or unpaid */
		return "Company account is not open";
	return r && *r ? r : "Error";
}

static enum MHD_Result S_html(struct MHD_Connection *c, int status, const reply_meta *meta)
{
	char *page = pdh_xasprintf(
		"<!DOCTYPE html>\n<html>\n<head><title>%d %s</title></head>\n<body>\n"
		"<center><h1>%d %s</h1></center>\n<hr><center>cloudflare</center>\n</body>\n</html>\n",
		status, S_reason(status), status, S_reason(status));
	return S_send(c, status, "text/html; charset=UTF-8", page, strlen(page), meta);
}

static void S_record(fake_server *s, const char *method, const char *url, int status,
                     long company_id)
{
	pthread_mutex_lock(&s->lock);
	s->counts[fake_method_of(method)]++;
	if (s->nlog < FAKE_LOG_MAX) {
		s->log = pdh_xgrow(s->log, &s->log_cap, s->nlog + 1, sizeof(*s->log));
		s->log[s->nlog].method = pdh_xstrdup(method);
		s->log[s->nlog].path = pdh_xstrdup(url);
		s->log[s->nlog].status = status;
		s->log[s->nlog].company_id = company_id;
		snprintf(s->log[s->nlog].correlation_id, sizeof(s->log[s->nlog].correlation_id),
		         "%s", status ? S_correlation : "");
		s->nlog++;
	}
	if (s->verbose)
		fprintf(stderr, "pdhooks-fake: %s %s %d\n", method, url, status);
	pthread_mutex_unlock(&s->lock);
}

static long S_seconds_to_utc_midnight(void)
{
	time_t now = time(NULL);
	return 86400 - (long)(now % 86400);
}

/* Counts the call against the limits; returns the Retry-After seconds when over one, else 0.
 * Caller holds the lock. */
static long S_rate(const fake_server *cfg, fake_company *s, reply_meta *m)
{
	long long now = pdh_now_ms();
	long window = cfg->rate_window_ms > 0 ? cfg->rate_window_ms : RATE_WINDOW_MS;
	size_t k = 0;
	long retry = 0;

	for (size_t i = 0; i < s->nstamps; i++)
		if (now - s->stamps[i] < window)
			s->stamps[k++] = s->stamps[i];
	s->nstamps = k;
	if (cfg->rate_limit > 0) {
		if (s->nstamps >= (size_t)cfg->rate_limit) {
			retry = (long)((s->stamps[0] + window - now + 999) / 1000);
			if (retry < 1)
				retry = 1;
		} else {
			s->stamps = pdh_xgrow(s->stamps, &s->stamps_cap, s->nstamps + 1, sizeof(*s->stamps));
			s->stamps[s->nstamps++] = now;
		}
		m->rate_on = true;
		m->limit = cfg->rate_limit;
		m->remaining = s->nstamps >= (size_t)cfg->rate_limit ? 0
		               : cfg->rate_limit - (long)s->nstamps;
		m->reset = (long)((s->stamps[0] + window - now + 999) / 1000);
	}
	if (cfg->daily_limit > 0) {
		if (retry == 0 && s->daily_used >= cfg->daily_limit)
			retry = S_seconds_to_utc_midnight();
		else if (retry == 0)
			s->daily_used++;
		m->daily_on = true;
		m->daily_left = cfg->daily_limit - s->daily_used;
	}
	return retry;
}

/* The token of a call: x-api-token, ?api_token= or Authorization: Bearer. */
static const char *S_bearer(struct MHD_Connection *c)
{
	const char *bearer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	if (bearer == NULL || strncasecmp(bearer, "Bearer ", 7) != 0)
		return NULL;
	bearer += 7;
	while (*bearer == ' ')
		bearer++;
	return bearer;
}

/* Finds the caller; false when no token is known. An app token counts only as a Bearer
 * token, as OAuth access tokens are sent. Caller holds the lock. */
static bool S_resolve(fake_server *s, struct MHD_Connection *c, caller *who)
{
	const char *bearer = S_bearer(c);
	const char *cand[3] = {
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-token"),
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "api_token"),
		bearer,
	};

	who->co = NULL;
	who->app = NULL;
	for (size_t i = 0; i < 3; i++) {
		if ((who->co = fake_company_by_token(s, cand[i])) != NULL)
			return true;
	}
	for (size_t i = 0; bearer && i < s->napps; i++) {
		if (strcmp(s->apps[i].token, bearer) == 0) {
			who->app = &s->apps[i];
			who->co = s->apps[i].company;
			return true;
		}
	}
	if ((who->app = fake_oauth_app_of(s, bearer)) != NULL) {
		who->co = who->app->company;
		return true;
	}
	return false;
}

/* Pipedrive answers a token without the scope a call needs with its general error shape. */
static bool S_scope_ok(const caller *who, int m, json_t **out)
{
	bool write = m != FAKE_GET;
	unsigned need = write ? FAKE_SCOPE_FULL | FAKE_SCOPE_ADMIN
	                      : FAKE_SCOPE_READ | FAKE_SCOPE_FULL | FAKE_SCOPE_ADMIN;
	char *info;

	if (who->app == NULL || (who->app->scopes & need) != 0)
		return true;
	info = pdh_xasprintf("This call needs the %s scope (or admin); the token's scopes do not "
	                     "include it", write ? "webhooks:full" : "webhooks:read");
	*out = json_pack("{s:b, s:s, s:i, s:s, s:n, s:n}", "success", 0, "error",
	                 "Scope and URL mismatch", "errorCode", 403, "error_info", info, "data",
	                 "additional_data");
	free(info);
	return false;
}

static int S_list(fake_server *s, const caller *who, char **raw, size_t *rawlen)
{
	pthread_mutex_lock(&s->lock);
	*raw = fake_store_listing(s, who->co, who->app, rawlen);
	pthread_mutex_unlock(&s->lock);
	return 200;
}

static bool S_is_form(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

static int S_create(fake_server *s, const caller *who, struct MHD_Connection *c, fake_req *rq,
                    json_t **out)
{
	json_t *req = NULL, *fields = NULL, *errors = json_object(), *hook;
	bool form = S_is_form(c);
	json_error_t jerr;
	char why[256];
	int status;

	if (rq->too_big) {
		*out = S_generic_error(413, "Request body is too large");
		status = 413;
		goto done;
	}
	if (form) {
		req = fake_form_parse(pdh_buf_cstr(&rq->body), rq->body.len);
	} else if (rq->body.len == 0) {
		req = json_object();
	} else if ((req = json_loadb(pdh_buf_cstr(&rq->body), rq->body.len, 0, &jerr)) == NULL) {
		json_object_set_new(errors, "body",
			json_pack("[s]", "malformed JSON: the request body does not parse"));
	} else if (!json_is_object(req)) {
		json_object_set_new(errors, "body", json_pack("[s]", "must be a JSON object"));
	}
	if (json_object_size(errors) == 0)
		fields = fake_validate_create(req, form, errors);
	if (fields == NULL) {
		*out = S_field_errors(errors);
		errors = NULL;
		status = 400;
		goto done;
	}
	pthread_mutex_lock(&s->lock);
	if (fake_store_count(who->co, s->user_id, who->app) >= s->max_webhooks) {
		char *msg = pdh_xasprintf("Webhooks limit reached: a user can have at most %d webhooks",
		                          s->max_webhooks);
		pthread_mutex_unlock(&s->lock);
		*out = S_generic_error(422, msg);
		free(msg);
		status = 422;
		goto done;
	}
	if (who->app) {
		json_object_set_new(fields, "type", json_string("application"));
		json_object_set_new(fields, "_app", json_string(who->app->token));
	}
	hook = fake_store_complete(s, who->co->id, fields, s->next_id++, why, sizeof(why));
	fake_store_append(s, who->co, hook);
	*out = json_pack("{s:b, s:s, s:o}", "success", 1, "status", "ok", "data",
	                 fake_store_public(hook, FAKE_PW_REAL));
	pthread_mutex_unlock(&s->lock);
	status = 201;
done:
	json_decref(req);
	json_decref(fields);
	json_decref(errors);
	return status;
}

static int S_not_found(json_t **out)
{
	*out = S_field_errors(json_pack("{s:[s]}", "id", "not found"));
	return 404;
}

static int S_delete(fake_server *s, const caller *who, const char *idstr, json_t **out)
{
	long id = 0;
	size_t index;
	json_t *h;
	int status;

	for (const char *p = idstr; *p; p++) {
		if (*p < '0' || *p > '9' || id > 100000000000L)
			return S_not_found(out);
		id = id * 10 + (*p - '0');
	}
	pthread_mutex_lock(&s->lock);
	h = fake_store_find(who->co, id, &index);
	if (h == NULL) {
		status = S_not_found(out);
	} else if (who->app ? (fake_store_app_of(h) == NULL ||
	                       strcmp(fake_store_app_of(h), who->app->token) != 0)
	                    : strcmp(json_string_value(json_object_get(h, "type")), "general") != 0) {
		/* An app deletes only its own webhooks; an API token only general ones. */
		*out = json_pack("{s:b, s:s}", "success", 0, "message", "Forbidden");
		status = 403;
	} else {
		fake_store_remove(s, who->co, index);
		*out = json_pack("{s:b, s:s}", "success", 1, "status", "ok");
		status = 200;
	}
	pthread_mutex_unlock(&s->lock);
	return status;
}

/* Resolves an API call to a status and a JSON body: *out, or for a listing the text *raw. */
static int S_route(fake_server *s, const caller *who, struct MHD_Connection *c,
                   const char *url, int m, fake_req *rq, json_t **out, char **raw,
                   size_t *rawlen, reply_meta *meta)
{
	size_t pl = strlen(s->prefix);
	const char *rest;

	if (strncmp(url, s->prefix, pl) != 0)
		goto unknown;
	rest = url + pl;
	if (strcmp(rest, "/webhooks") == 0) {
		if (who->co == NULL)
			goto unauthorized;
		if ((m == FAKE_GET || m == FAKE_POST) && !S_scope_ok(who, m, out))
			return 403;
		if (m == FAKE_GET)
			return S_list(s, who, raw, rawlen);
		if (m == FAKE_POST)
			return S_create(s, who, c, rq, out);
		meta->allow = "GET, POST";
		goto not_allowed;
	}
	if (strcmp(rest, "/users/me") == 0) {
		if (who->co == NULL)
			goto unauthorized;
		if (m != FAKE_GET) {
			meta->allow = "GET";
			goto not_allowed;
		}
		pthread_mutex_lock(&s->lock);
		*out = fake_users_me(s, who->co);
		pthread_mutex_unlock(&s->lock);
		return 200;
	}
	if (strncmp(rest, "/webhooks/", 10) == 0 && rest[10] != '\0' && !strchr(rest + 10, '/')) {
		if (who->co == NULL)
			goto unauthorized;
		if (m == FAKE_DELETE && !S_scope_ok(who, m, out))
			return 403;
		if (m == FAKE_DELETE)
			return S_delete(s, who, rest + 10, out);
		meta->allow = "DELETE";
		goto not_allowed;
	}
unknown:
	*out = S_generic_error(404, "Not found");
	return 404;
unauthorized:
	*out = json_pack("{s:b, s:s, s:i}", "success", 0, "error", "unauthorized access",
	                 "errorCode", 401);
	return 401;
not_allowed:
	*out = S_generic_error(405, "Method not allowed");
	return 405;
}

static const char S_truncated[] = "{\"success\":true,\"status\":\"ok\",\"data\":[{\"id\":1,\"company_id\":";

/* ---- hostile answers ---- */

/* huge: a valid listing (once complete) of `size` bytes or a few more, made as it is sent. */
typedef struct huge_stream {
	long long size, sent;
	long id;              /* pieces made: 0 before the opening */
	char piece[256];
	size_t len, off;
	bool closed;
} huge_stream;

static ssize_t S_huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	huge_stream *h = cls;
	size_t n = 0;

	(void)pos;
	while (n < max) {
		size_t k;
		if (h->off == h->len) {
			if (h->closed)
				break;
			if (h->id == 0)
				h->len = (size_t)snprintf(h->piece, sizeof(h->piece),
				                          "{\"success\":true,\"status\":\"ok\",\"data\":[");
			else if (h->sent + (long long)n >= h->size)
				h->len = (size_t)snprintf(h->piece, sizeof(h->piece), "]}");
			else
				h->len = (size_t)snprintf(h->piece, sizeof(h->piece),
					"%s{\"id\":%ld,\"event_action\":\"create\",\"event_object\":\"deal\","
					"\"subscription_url\":\"https://huge.example/hooks/%ld\","
					"\"type\":\"general\",\"is_active\":1}", h->id > 1 ? "," : "", h->id,
					h->id);
			h->closed = h->id > 0 && h->sent + (long long)n >= h->size;
			h->id++;
			h->off = 0;
		}
		k = h->len - h->off < max - n ? h->len - h->off : max - n;
		memcpy(buf + n, h->piece + h->off, k);
		h->off += k;
		n += k;
	}
	h->sent += (long long)n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

/* reset-mid-body: a Content-Length for the whole body, then half of it, then the connection
 * is closed. */
typedef struct cut_stream {
	char *body;
	size_t len, cut;
} cut_stream;

static ssize_t S_cut_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	cut_stream *t = cls;
	size_t k;

	if (pos >= t->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	k = t->cut - (size_t)pos < max ? t->cut - (size_t)pos : max;
	memcpy(buf, t->body + pos, k);
	return (ssize_t)k;
}

static void S_cut_free(void *cls)
{
	cut_stream *t = cls;
	free(t->body);
	free(t);
}

static enum MHD_Result S_stream(struct MHD_Connection *c, uint64_t size,
                                MHD_ContentReaderCallback read, void *cls,
                                MHD_ContentReaderFreeCallback release)
{
	struct MHD_Response *r = MHD_create_response_from_callback(size, 64 * 1024, read, cls,
	                                                           release);
	enum MHD_Result ret;

	if (r == NULL) {
		release(cls);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = S_queue(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* A webhook as the API shows it, with one defect: wrong types, or no "id". */
static json_t *S_defective_hook(bool wrong_types)
{
	json_t *h = json_pack("{s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:n, s:n, s:s}",
		"company_id", 1, "owner_id", 1, "user_id", 1, "event_action", "create",
		"event_object", "deal", "subscription_url", "https://hostile.example/hook",
		"version", "2.0", "is_active", 1, "add_time", "2019-10-25T08:25:27.000Z",
		"type", "general", "http_auth_user", "http_auth_password", "name", "hostile");

	if (wrong_types) {
		json_object_set_new(h, "id", json_string("9001"));
		json_object_set_new(h, "user_id", json_string("1"));
		json_object_set_new(h, "is_active", json_string("yes"));
		json_object_set_new(h, "event_object", json_integer(7));
	}
	return h;
}

/* The answer of a defect fault: for POST a 201 "created" webhook (nothing is created), else
 * the current listing with the defective webhook added. */
static enum MHD_Result S_defective(fake_server *s, fake_company *co, struct MHD_Connection *c,
                                   int m, bool wrong_types, int *status)
{
	json_t *data, *h;
	size_t i;

	if (m == FAKE_POST) {
		*status = 201;
		return S_json(c, 201, json_pack("{s:b, s:s, s:o}", "success", 1, "status", "ok", "data",
		                                S_defective_hook(wrong_types)), NULL);
	}
	data = json_array();
	pthread_mutex_lock(&s->lock);
	json_array_foreach(co->hooks, i, h)
		json_array_append_new(data, fake_store_public(h, s->pw_mode));
	pthread_mutex_unlock(&s->lock);
	json_array_append_new(data, S_defective_hook(wrong_types));
	*status = 200;
	return S_json(c, 200, json_pack("{s:b, s:s, s:o}", "success", 1, "status", "ok", "data", data),
	              NULL);
}

static enum MHD_Result S_redirect(struct MHD_Connection *c, const char *url, const fake_fault *f)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"",
	                                                         MHD_RESPMEM_PERSISTENT);
	char *where = pdh_xasprintf("http://127.0.0.1:%d%s", f->port, url);
	enum MHD_Result ret = MHD_NO;

	if (r != NULL) {
		MHD_add_response_header(r, "Location", where);
		MHD_add_response_header(r, "Content-Type", "text/html");
		ret = S_queue(c, (unsigned)f->status, r);
		MHD_destroy_response(r);
	}
	free(where);
	return ret;
}

/* cut-password: a complete answer (Content-Length and all) whose body ends in the middle of
 * the first password the listing shows, or half-way when it shows none. */
static enum MHD_Result S_cut_password(fake_server *s, fake_company *co, struct MHD_Connection *c)
{
	static const char *const field[] = { "\"http_auth_password\":\"",
		                             "\"http_auth_password\": \"" };
	size_t len, cut;
	char *body, *at = NULL;

	pthread_mutex_lock(&s->lock);
	body = fake_store_listing(s, co, NULL, &len);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < 2 && at == NULL; i++)
		if ((at = strstr(body, field[i])) != NULL)
			at += strlen(field[i]);
	cut = len / 2;
	if (at) {
		const char *end = strchr(at, '"');
		cut = (size_t)(at - body) + (end ? (size_t)(end - at) / 2 : 0);
	}
	return S_send(c, 200, "application/json", body, cut, NULL);
}

struct MHD_Response *fake_json_response(json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;

	json_decref(body);
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	return r;
}

int fake_pw_mode_of(const char *name)
{
	static const char *const names[] = { [FAKE_PW_MASKED] = "masked", [FAKE_PW_REAL] = "real",
		                             [FAKE_PW_NULL] = "null" };

	for (int i = 0; name && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* retry-after-huge, ratelimit-reset-huge: a 429 whose wait overflows any integer. */
static enum MHD_Result S_huge_wait(struct MHD_Connection *c, int kind)
{
	struct MHD_Response *r = fake_json_response(S_generic_error(429, "Request over limit"));
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (kind == FAKE_FAULT_HUGE_RETRY_AFTER) {
		MHD_add_response_header(r, "Retry-After", FAKE_HUGE_WAIT);
	} else {
		MHD_add_response_header(r, "x-ratelimit-remaining", "0");
		MHD_add_response_header(r, "x-ratelimit-reset", FAKE_HUGE_WAIT);
	}
	ret = S_queue(c, 429, r);
	MHD_destroy_response(r);
	return ret;
}

/* A listing that breaks a rule of ids (duplicate-id, zero-id, negative-id) or has no data
 * (null-data). */
static enum MHD_Result S_odd_listing(fake_server *s, fake_company *co, struct MHD_Connection *c,
                                     int kind)
{
	json_t *data = json_array(), *h;
	size_t i;

	if (kind == FAKE_FAULT_NULL_DATA)
		return S_json(c, 200, json_pack("{s:b, s:s, s:n}", "success", 1, "status", "ok", "data"),
		              NULL);
	pthread_mutex_lock(&s->lock);
	json_array_foreach(co->hooks, i, h)
		json_array_append_new(data, fake_store_public(h, s->pw_mode));
	pthread_mutex_unlock(&s->lock);
	if (kind == FAKE_FAULT_DUP_ID) {
		if (json_array_size(data) == 0) {
			h = S_defective_hook(false);
			json_object_set_new(h, "id", json_integer(9001));
			json_array_append_new(data, h);
		}
		json_array_append_new(data, json_copy(json_array_get(data, 0)));
	} else {
		h = S_defective_hook(false);
		json_object_set_new(h, "id", json_integer(kind == FAKE_FAULT_ZERO_ID ? 0 : -1));
		json_array_append_new(data, h);
	}
	return S_json(c, 200, json_pack("{s:b, s:s, s:o}", "success", 1, "status", "ok", "data", data),
	              NULL);
}

/* Serves a hostile fault; false when the fault is not one of these. */
static bool S_hostile(fake_server *s, fake_company *co, struct MHD_Connection *c,
                      const char *url, int m, const fake_fault *f, enum MHD_Result *ret,
                      int *status)
{
	switch (f->kind) {
	case FAKE_FAULT_HUGE: {
		huge_stream *h = pdh_xcalloc(1, sizeof(*h));
		h->size = f->size;
		*status = 200;
		*ret = S_stream(c, MHD_SIZE_UNKNOWN, S_huge_read, h, free);
		return true;
	}
	case FAKE_FAULT_RESET_MID_BODY: {
		cut_stream *t = pdh_xcalloc(1, sizeof(*t));
		pthread_mutex_lock(&s->lock);
		t->body = fake_store_listing(s, co, NULL, &t->len);
		pthread_mutex_unlock(&s->lock);
		t->cut = t->len / 2;
		*status = 200;
		*ret = S_stream(c, t->len, S_cut_read, t, S_cut_free);
		return true;
	}
	case FAKE_FAULT_WRONG_TYPES:
	case FAKE_FAULT_MISSING_ID:
		*ret = S_defective(s, co, c, m, f->kind == FAKE_FAULT_WRONG_TYPES, status);
		return true;
	case FAKE_FAULT_SUCCESS_FALSE:
		*status = 200;
		*ret = S_json(c, 200, json_pack("{s:b, s:s, s:s, s:n}", "success", 0, "status", "error",
		                                "error", "Service temporarily unavailable", "data"),
		              NULL);
		return true;
	case FAKE_FAULT_REDIRECT:
		*status = f->status;
		*ret = S_redirect(c, url, f);
		return true;
	case FAKE_FAULT_DUP_ID:
	case FAKE_FAULT_ZERO_ID:
	case FAKE_FAULT_NEGATIVE_ID:
	case FAKE_FAULT_NULL_DATA:
		*status = 200;
		*ret = S_odd_listing(s, co, c, f->kind);
		return true;
	case FAKE_FAULT_CUT_PASSWORD:
		*status = 200;
		*ret = S_cut_password(s, co, c);
		return true;
	case FAKE_FAULT_HUGE_RETRY_AFTER:
	case FAKE_FAULT_HUGE_RESET:
		*status = 429;
		*ret = S_huge_wait(c, f->kind);
		return true;
	default:
		return false;
	}
}

static enum MHD_Result S_api(fake_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, fake_req *rq)
{
	int m = fake_method_of(method), status;
	reply_meta meta = { 0 };
	bool faulted, over_budget, create_503 = false;
	long late_ms = 0;
	enum MHD_Result ret;
	json_t *body = NULL;
	char *raw = NULL;
	size_t rawlen = 0;
	fake_fault f;
	long latency, cid;
	caller who;
	fake_company *co;

	pthread_mutex_lock(&s->lock);
	latency = s->latency_ms;
	pthread_mutex_unlock(&s->lock);
	pdh_nap_ms(latency);   /* outside the lock: concurrent calls wait side by side */
	S_correlation_new(s);
	pthread_mutex_lock(&s->lock);
	S_resolve(s, c, &who);
	/* A call without a known token meets the first company's faults and window. */
	co = who.co ? who.co : s->companies[0];
	cid = who.co ? who.co->id : 0;
	over_budget = fake_meter_spent(s, who.co);
	meta.retry_after = over_budget ? 0 : S_rate(s, co, &meta);
	faulted = !over_budget && meta.retry_after == 0 &&
	          fake_fault_take_at(co, m, strncmp(url, s->prefix, strlen(s->prefix)) == 0
	                                    ? url + strlen(s->prefix) : url, &f);
	fake_meter_charge(s, who.co, m, url, faulted && f.kind == FAKE_FAULT_DROP, &meta.budget);
	pthread_mutex_unlock(&s->lock);
	if (over_budget) {
		ret = S_json(c, 429, fake_meter_error(), &meta);
		status = 429;
		goto done;
	}
	if (meta.retry_after > 0) {
		ret = S_json(c, 429, S_generic_error(429, "Request over limit"), &meta);
		status = 429;
		goto done;
	}
	if (faulted && S_hostile(s, co, c, url, m, &f, &ret, &status))
		goto done;
	if (faulted) {
		switch (f.kind) {
		case FAKE_FAULT_DELAY:
			pdh_nap_ms(f.delay_ms);
			break;
		case FAKE_FAULT_DROP:
			S_record(s, method, url, 0, cid);
			S_correlation[0] = '\0';
			return MHD_NO;
		case FAKE_FAULT_STATUS:
			status = f.status;
			ret = S_json(c, status, S_generic_error(status, f.text[0] ? f.text
			                                                          : S_reason(status)),
			             &meta);
			goto done;
		case FAKE_FAULT_HTML:
			status = f.status;
			ret = S_html(c, status, &meta);
			goto done;
		case FAKE_FAULT_TRUNCATED:
			status = 200;
			ret = S_send(c, status, "application/json", pdh_xstrdup(S_truncated),
			             strlen(S_truncated), &meta);
			goto done;
		case FAKE_FAULT_CREATE_503:
			create_503 = true;
			break;
		case FAKE_FAULT_ECHO_400: {
			/* Some servers quote the request in their error: secrets in it come back. */
			char *msg = pdh_xasprintf("Invalid request: %.*s", (int)rq->body.len,
			                          pdh_buf_cstr(&rq->body));
			status = 400;
			ret = S_json(c, status, S_generic_error(status, msg), &meta);
			free(msg);
			goto done;
		}
		case FAKE_FAULT_RATE_ZERO:
			meta.limit = meta.rate_on ? meta.limit : 40;
			meta.rate_on = true;
			meta.remaining = 0;
			meta.reset = f.epoch ? (long)time(NULL) + f.seconds : f.seconds;
			break;
		case FAKE_FAULT_LATE_ANSWER:
			late_ms = f.delay_ms;
			break;
		default:
			break;
		}
	}
	status = S_route(s, &who, c, url, m, rq, &body, &raw, &rawlen, &meta);
	/* The call has taken effect (a POST has created); only the answer is late, so a client
	 * that gives up first leaves the webhook behind, as a slow real server does. */
	pdh_nap_ms(late_ms);
	if (create_503) {
		json_decref(body);
		free(raw);
		raw = NULL;
		status = 503;
		body = S_generic_error(status, S_reason(status));
	}
	if (raw)
		ret = S_send(c, status, "application/json", raw, rawlen, &meta);
	else
		ret = S_json(c, status, body, &meta);
done:
	S_record(s, method, url, status, cid);
	S_correlation[0] = '\0';
	return ret;
}

/* ---- control API ---- */

static bool S_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin;

	if (ci == NULL || ci->client_addr == NULL || ci->client_addr->sa_family != AF_INET)
		return false;
	sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
	return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

bool fake_loopback(struct MHD_Connection *c)
{
	return S_loopback(c);
}

/* The calls, all or (cid > 0) of one company's tokens. */
static json_t *S_calls_json(fake_server *s, long cid)
{
	json_t *log = json_array();
	json_int_t counts[4] = { 0, 0, 0, 0 };

	for (size_t i = 0; i < s->nlog; i++) {
		if (cid > 0 && s->log[i].company_id != cid)
			continue;
		counts[fake_method_of(s->log[i].method)]++;
		json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:I, s:s}", "method",
		                                      s->log[i].method, "path", s->log[i].path,
		                                      "status", s->log[i].status, "company",
		                                      (json_int_t)s->log[i].company_id,
		                                      "correlation_id", s->log[i].correlation_id));
	}
	if (cid <= 0) {   /* past FAKE_LOG_MAX the counts go on, the log does not */
		for (size_t m = 0; m < 4; m++)
			counts[m] = (json_int_t)s->counts[m];
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "GET", counts[FAKE_GET], "POST",
	                 counts[FAKE_POST], "DELETE", counts[FAKE_DELETE], "OTHER", counts[FAKE_OTHER],
	                 "connections", (json_int_t)s->connections, "log", log);
}

static void S_calls_reset(fake_server *s)
{
	for (size_t i = 0; i < s->nlog; i++) {
		free(s->log[i].method);
		free(s->log[i].path);
	}
	s->nlog = 0;
	memset(s->counts, 0, sizeof(s->counts));
	s->connections = 0;
}

static int S_config(fake_server *s, json_t *j, const char **why)
{
	const char *key;
	json_t *v;

	if (!json_is_object(j)) {
		*why = "expected a JSON object";
		return -1;
	}
	json_object_foreach(j, key, v) {
		bool num = json_is_integer(v) && json_integer_value(v) >= 0 &&
		           json_integer_value(v) <= 100000000;
		if (strcmp(key, "password_listing") == 0) {
			if (fake_pw_mode_of(json_string_value(v)) < 0) {
				*why = "password_listing must be real, null or masked";
				return -1;
			}
		} else if (strcmp(key, "latency_ms") && strcmp(key, "rate_limit") &&
		           strcmp(key, "daily_limit") && strcmp(key, "max_webhooks")) {
			*why = "known settings: latency_ms, rate_limit, daily_limit, max_webhooks, "
			       "password_listing";
			return -1;
		} else if (!num) {
			*why = "settings take a non-negative integer";
			return -1;
		}
	}
	json_object_foreach(j, key, v) {
		long n = (long)json_integer_value(v);
		if (strcmp(key, "latency_ms") == 0) {
			s->latency_ms = n;
		} else if (strcmp(key, "rate_limit") == 0) {
			s->rate_limit = (int)n;
			for (size_t i = 0; i < s->ncompanies; i++)
				s->companies[i]->nstamps = 0;
		} else if (strcmp(key, "daily_limit") == 0) {
			s->daily_limit = n;
			for (size_t i = 0; i < s->ncompanies; i++)
				s->companies[i]->daily_used = 0;
		} else if (strcmp(key, "max_webhooks") == 0) {
			s->max_webhooks = (int)n;
		} else {
			s->pw_mode = fake_pw_mode_of(json_string_value(v));
		}
	}
	return 0;
}

/* POST /_fake/webhooks/{id}: sets fields of one webhook, in co or (co NULL) in whichever
 * company holds the id; *out gets the webhook as stored. */
static int S_patch(fake_server *s, fake_company *co, const char *idstr, json_t *in, char *why,
                   size_t whylen, json_t **out, int *status)
{
	char *end = NULL;
	long id = strtol(idstr, &end, 10);
	size_t index = 0;

	for (size_t i = 0; co == NULL && *idstr && *end == '\0' && i < s->ncompanies; i++)
		if (fake_store_find(s->companies[i], id, &index))
			co = s->companies[i];
	if (co == NULL || *idstr == '\0' || *end != '\0' || fake_store_find(co, id, &index) == NULL) {
		snprintf(why, whylen, "no webhook with id %s", idstr);
		*status = 404;
		return -1;
	}
	if (fake_store_patch(s, co, index, in, why, whylen) != 0) {
		*status = 400;
		return -1;
	}
	*out = json_deep_copy(json_array_get(co->hooks, index));
	return 0;
}

static json_t *S_companies_json(fake_server *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < s->ncompanies; i++) {
		fake_company *co = s->companies[i];
		json_t *apps = json_array();
		for (size_t k = 0; k < s->napps; k++)
			if (s->apps[k].company == co)
				json_array_append_new(apps, json_string(s->apps[k].token));
		json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:o}", "id", (json_int_t)co->id,
			"token", co->token, "webhooks", (json_int_t)json_array_size(co->hooks), "apps",
			apps));
	}
	return list;
}

static const char *const S_control_paths[] = { "/_fake/calls", "/_fake/calls/reset",
	"/_fake/state", "/_fake/fail", "/_fake/fail/reset", "/_fake/config", "/_fake/companies",
	"/_fake/meter", "/_fake/meter/reset" };

static bool S_known_path(const char *url)
{
	for (size_t i = 0; i < sizeof(S_control_paths) / sizeof(S_control_paths[0]); i++)
		if (strcmp(url, S_control_paths[i]) == 0)
			return true;
	return strncmp(url, "/_fake/webhooks/", 16) == 0;
}

static enum MHD_Result S_control(fake_server *s, struct MHD_Connection *c, const char *url,
                                 const char *method, fake_req *rq)
{
	json_t *in = NULL, *out = NULL;
	const char *why = NULL;
	const char *company = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "company");
	bool all = company && strcmp(company, "all") == 0;
	fake_company *co = NULL;
	char whybuf[512];
	int status = 200;
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	bool put = strcmp(method, "PUT") == 0;

	if (!S_loopback(c))
		return S_json(c, 403, json_pack("{s:s}", "error", "control API is loopback only"), NULL);
	if (rq->too_big)
		return S_json(c, 413, json_pack("{s:s}", "error", "request body is too large"), NULL);
	if ((post || put) && rq->body.len > 0) {
		json_error_t jerr;
		in = json_loadb(pdh_buf_cstr(&rq->body), rq->body.len, JSON_DECODE_ANY, &jerr);
		if (in == NULL) {
			snprintf(whybuf, sizeof(whybuf), "malformed JSON: %s", jerr.text);
			why = whybuf;
			status = 400;
			goto done;
		}
	}
	pthread_mutex_lock(&s->lock);
	if (company && !all) {
		char *end = NULL;
		long id = strtol(company, &end, 10);
		if (*company == '\0' || *end != '\0' || (co = fake_company_find(s, id)) == NULL) {
			snprintf(whybuf, sizeof(whybuf), "no company with id %s", company);
			why = whybuf;
			status = 404;
			goto unlock;
		}
	}
	if (strcmp(url, "/_fake/calls") == 0 && get) {
		out = S_calls_json(s, co ? co->id : 0);
	} else if (strcmp(url, "/_fake/calls/reset") == 0 && post) {
		S_calls_reset(s);
	} else if (strcmp(url, "/_fake/companies") == 0 && get) {
		out = S_companies_json(s);
	} else if (strcmp(url, "/_fake/state") == 0 && get) {
		if (all)
			out = fake_state_json(s);
		else
			out = json_deep_copy((co ? co : s->companies[0])->hooks);
	} else if (strcmp(url, "/_fake/state") == 0 && put) {
		fake_company *target = co ? co : s->companies[0];
		if (fake_state_apply(s, in, target, whybuf, sizeof(whybuf)) != 0) {
			why = whybuf;
			status = 400;
		} else {
			fake_store_changed(s, target);
		}
	} else if (strncmp(url, "/_fake/webhooks/", 16) == 0 && post) {
		if (S_patch(s, co, url + 16, in, whybuf, sizeof(whybuf), &out, &status) != 0)
			why = whybuf;
	} else if (strcmp(url, "/_fake/fail") == 0 && post) {
		fake_fault f;
		if (fake_fault_from_json(in, &f, &why) != 0) {
			status = 400;
		} else if (all) {
			for (size_t i = 0; i < s->ncompanies; i++)
				fake_fault_add(s->companies[i], &f);
		} else {
			fake_fault_add(co ? co : s->companies[0], &f);
		}
	} else if (strcmp(url, "/_fake/fail/reset") == 0 && post) {
		for (size_t i = 0; i < s->ncompanies; i++)
			if (co == NULL || s->companies[i] == co)
				s->companies[i]->nfaults = 0;
	} else if (strcmp(url, "/_fake/meter") == 0 && get) {
		out = fake_meter_json(s, co ? co : s->companies[0]);
	} else if (strcmp(url, "/_fake/meter") == 0 && post) {
		if (fake_meter_set(s, co ? co : s->companies[0], in, &why) != 0)
			status = 400;
	} else if (strcmp(url, "/_fake/meter/reset") == 0 && post) {
		fake_meter_reset(s, co);
	} else if (strcmp(url, "/_fake/config") == 0 && post) {
		if (S_config(s, in, &why) != 0)
			status = 400;
	} else if (S_known_path(url)) {
		why = "method not allowed";
		status = 405;
	} else {
		why = "unknown control path";
		status = 404;
	}
unlock:
	pthread_mutex_unlock(&s->lock);
done:
	json_decref(in);
	if (why) {
		json_decref(out);
		out = json_pack("{s:s}", "error", why);
	} else if (out == NULL) {
		out = json_pack("{s:b}", "ok", 1);
	}
	return S_json(c, status, out, NULL);
}

static enum MHD_Result S_access(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	fake_server *s = cls;
	fake_req *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		rq = pdh_xcalloc(1, sizeof(*rq));
		rq->body.max = FAKE_BODY_MAX;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (!rq->too_big && pdh_buf_append(&rq->body, upload_data, *upload_data_size) != 0)
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/oauth/token") == 0)
		return (enum MHD_Result)fake_oauth_token(s, c, method, pdh_buf_cstr(&rq->body), rq->body.len);
	if (strcmp(url, "/_fake/oauth") == 0 || strncmp(url, "/_fake/oauth/", 13) == 0)
		return (enum MHD_Result)fake_oauth_control(s, c, url, method, pdh_buf_cstr(&rq->body), rq->body.len);
	if (strcmp(url, "/_fake") == 0 || strncmp(url, "/_fake/", 7) == 0)
		return S_control(s, c, url, method, rq);
	return S_api(s, c, url, method, rq);
}

static void S_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
	fake_req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		pdh_buf_dispose(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* Every connection accepted, for tests that count how many a run opened. */
static void S_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                         enum MHD_ConnectionNotificationCode code)
{
	fake_server *s = cls;

	(void)c;
	(void)socket_ctx;
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&s->lock);
	s->connections++;
	pthread_mutex_unlock(&s->lock);
}

struct MHD_Daemon *fake_listen(fake_server *s, unsigned port, unsigned *bound)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key },
		{ MHD_OPTION_END, 0, NULL }
	};

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->tls_cert)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, S_access, s,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                     MHD_OPTION_NOTIFY_COMPLETED, S_completed, s,
	                     MHD_OPTION_NOTIFY_CONNECTION, S_connection, s,
	                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	                     MHD_OPTION_ARRAY, tls,
	                     MHD_OPTION_END);
	if (d == NULL)
		return NULL;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	return d;
}
