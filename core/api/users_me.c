/* GET /users/me: the company of a token whose listing names none (users_me.h). */
#include "pdhooks/users_me.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/envelope.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "pdhooks/retry.h"
#include "util/escape.h"

void pdh_company_dispose(pdh_company *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->domain);
	memset(c, 0, sizeof(*c));
}

/* A member that is a string, null or absent: *out the string (NULL otherwise). */
static int S_opt_text(char **out, const json_t *data, const char *k, pdh_error *err)
{
	json_t *v = json_object_get(data, k);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return pdh_error_set(err, PDH_EPROTO, "the answer of GET /users/me has a \"%s\" "
		                     "that is not a string", k);
	*out = pdh_xstrdup(json_string_value(v));
	return 0;
}

int pdh_users_me_parse(pdh_company *out, const char *body, size_t len, pdh_error *err)
{
	json_t *root = NULL, *data = NULL, *id;
	pdh_company c = { PDH_COMPANY_USERS_ME, 0, NULL, NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pdh_api_envelope(&root, &data, body, len, "the answer of GET /users/me", err);
	if (rc == 0 && !json_is_object(data))
		rc = pdh_error_set(err, PDH_EPROTO, "the answer of GET /users/me has a \"data\" "
		                   "that is not an object");
	if (rc == 0) {
		id = json_object_get(data, "company_id");
		if (!json_is_integer(id) || json_integer_value(id) <= 0)
			rc = pdh_error_set(err, PDH_EPROTO, "the answer of GET /users/me has no "
			                   "company_id (a positive integer)");
		else
			c.id = (long long)json_integer_value(id);
	}
	if (rc == 0 && (rc = S_opt_text(&c.name, data, "company_name", err)) == 0)
		rc = S_opt_text(&c.domain, data, "company_domain", err);
	json_decref(root);
	if (rc != 0) {
		pdh_company_dispose(&c);
		return rc;
	}
	*out = c;
	return 0;
}

static int S_parse(void *out, const char *body, size_t len, pdh_error *err)
{
	return pdh_users_me_parse(out, body, len, err);
}

typedef struct S_attempt {
	pdh_client *c;
	const pdh_listing_opts *o;
	pdh_company *out;
} S_attempt;

static int S_call(void *ctx, pdh_http_result *res, pdh_error *err)
{
	S_attempt *a = ctx;

	pdh_company_dispose(a->out);
	return pdh_client_get_json(a->c, "/users/me", S_parse, a->out, res, err);
}

static void S_tell(void *ctx, long ms, const char *what)
{
	const S_attempt *a = ctx;

	a->o->on_wait(a->o->on_wait_ctx, ms, what);
}

int pdh_users_me_get(pdh_client *c, const pdh_listing_opts *opts, pdh_company *out,
                     int *calls, pdh_error *err)
{
	S_attempt a = { c, opts, out };
	pdh_retry_hooks h = { NULL, S_call, NULL, NULL, opts->on_wait ? S_tell : NULL, &a };
	unsigned long long rng = (opts->seed ? opts->seed : (unsigned long long)pdh_now_ms())
	                         ^ 0x2545F4914F6CDD1Dull;
	pdh_retry_call call;
	pdh_retry_outcome end;
	char cause[PDH_ERROR_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&call, 0, sizeof(call));
	call.method = PDH_METHOD_GET;
	call.subject = "/users/me";
	call.policy = &opts->retry;
	call.interrupt = opts->interrupt;
	call.rng = &rng;
	rc = pdh_retry_run(&call, &h, &end, err);
	*calls += call.attempts;
	if (rc != 0)
		pdh_company_dispose(out);
	if (rc == 0 || end.end == PDH_RETRY_END_UNSENT || !pdh_retry_unavailable(&end.last))
		return rc;
	/* A passing failure to the end: the company could not be checked (exit 5). */
	snprintf(cause, sizeof(cause), "%s", err->message[0] ? err->message : pdh_error_name(rc));
	pdh_error_set(err, PDH_EUNAVAILABLE, "could not ask GET /users/me which company this is: "
	              "%s (%d attempt%s)", cause, call.attempts, call.attempts == 1 ? "" : "s");
	err->http_status = (int)end.last.status;
	return PDH_EUNAVAILABLE;
}

char *pdh_company_text(const pdh_company *c)
{
	pdh_buf b = PDH_BUF_INIT;

	if (c == NULL || c->source == PDH_COMPANY_UNKNOWN)
		return pdh_xstrdup("an unknown company");
	pdh_buf_printf(&b, "company %lld", c->id);
	if (c->name || c->domain) {
		pdh_buf_puts(&b, " (");
		if (c->name)
			pdh_escape_display(&b, c->name);
		if (c->name && c->domain)
			pdh_buf_puts(&b, ", ");
		if (c->domain)
			pdh_escape_display(&b, c->domain);
		pdh_buf_putc(&b, ')');
	}
	return pdh_buf_detach(&b);
}
