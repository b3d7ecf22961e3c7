/* GET /webhooks with the retry policy: the one listing path of every command (listing.h). */
#include "pdhooks/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"

/* The retry loop's hooks for one listing. */
typedef struct S_attempt {
	pdh_client *c;
	const pdh_listing_opts *o;
	pdh_live **out;
	const char *budget;      /* the pacer's wait stopped for its budget: why */
} S_attempt;

static int S_before(void *ctx, pdh_error *err)
{
	const S_attempt *a = ctx;

	return a->o->pacer.before(a->o->pacer.ctx, err);
}

static int S_call(void *ctx, pdh_http_result *res, pdh_error *err)
{
	S_attempt *a = ctx;
	int rc = pdh_client_list(a->c, a->out, res, err);

	if (rc != 0) {
		pdh_live_free(*a->out);
		*a->out = NULL;
	}
	return rc;
}

static void S_after(void *ctx, const pdh_http_result *res)
{
	const S_attempt *a = ctx;

	a->o->pacer.after(a->o->pacer.ctx, res);
}

static bool S_wait(void *ctx, long ms, const char *what)
{
	S_attempt *a = ctx;

	return a->o->pacer.wait(a->o->pacer.ctx, ms, what, &a->budget);
}

static void S_tell(void *ctx, long ms, const char *what)
{
	const S_attempt *a = ctx;

	a->o->on_wait(a->o->on_wait_ctx, ms, what);
}

/* One listing, retried until the policy settles it. */
static int S_list_retrying(pdh_client *c, const pdh_listing_opts *o, pdh_live **out,
                           pdh_listing_report *rep, unsigned long long *rng, pdh_error *err)
{
	S_attempt a = { c, o, out, NULL };
	pdh_retry_hooks h = {
		o->pacer.before ? S_before : NULL, S_call, o->pacer.after ? S_after : NULL,
		o->pacer.wait ? S_wait : NULL, o->on_wait ? S_tell : NULL, &a
	};
	pdh_retry_call call;
	pdh_retry_outcome end;
	char cause[PDH_ERROR_MAX];
	int rc;

	memset(&call, 0, sizeof(call));
	call.method = PDH_METHOD_GET;
	call.subject = "/webhooks";
	call.policy = &o->retry;
	call.interrupt = o->interrupt;
	call.rng = rng;
	call.started = true;
	call.first_ms = pdh_now_ms();
	*out = NULL;
	rc = pdh_retry_run(&call, &h, &end, err);
	rep->calls += call.attempts;
	if (call.attempts > 0)
		rep->last = end.last;
	if (rc == 0 || end.end == PDH_RETRY_END_UNSENT)
		return rc;
	if (end.decision.budget_spent) {
		char spent[256];

		pdh_budget_spent_text(spent, sizeof(spent), &rep->last);
		snprintf(cause, sizeof(cause), "%s", err->message);
		pdh_error_set(err, PDH_EUNAVAILABLE, "could not check the live webhooks: %s; not "
		              "retried (last answer: %s)", spent, cause);
		err->http_status = (int)rep->last.status;
		return PDH_EUNAVAILABLE;
	}
	if (a.budget) {
		snprintf(cause, sizeof(cause), "%s", err->message);
		pdh_error_set(err, PDH_EUNAVAILABLE, "%s; last answer: %s", a.budget, cause);
		err->http_status = (int)rep->last.status;
		return PDH_EUNAVAILABLE;
	}
	if (!pdh_retry_unavailable(&rep->last))
		return rc;
	/* The retries ran out on a passing failure: not an answer about the file or the
	 * credentials, so it gets a code of its own (exit 5), with the last cause. */
	snprintf(cause, sizeof(cause), "%s", err->message[0] ? err->message : pdh_error_name(rc));
	pdh_error_set(err, PDH_EUNAVAILABLE, "could not check the live webhooks: %s (%d "
	              "attempt%s in %.1f s%s%s)", cause, call.attempts,
	              call.attempts == 1 ? "" : "s",
	              (double)(pdh_now_ms() - call.first_ms) / 1000.0,
	              end.end == PDH_RETRY_END_NO_WAIT ? ", interrupted" : "",
	              end.decision.wanted_ms > 0
	              ? "; the next wait it asks for is past the retry time" : "");
	err->http_status = (int)rep->last.status;
	return PDH_EUNAVAILABLE;
}

int pdh_listing_get(pdh_client *c, const pdh_listing_opts *opts, pdh_live **out,
                    pdh_listing_report *rep, pdh_error *err)
{
	unsigned long long rng;
	long long start = pdh_now_ms();
	pdh_live *again = NULL;
	int rc;

	memset(rep, 0, sizeof(*rep));
	pdh_http_result_init(&rep->last);
	rng = (opts->seed ? opts->seed : (unsigned long long)start * 2654435761ull)
	      ^ 0x5851F42D4C957F2Dull;
	rc = S_list_retrying(c, opts, out, rep, &rng, err);
	if (rc == 0 && (*out)->data_null) {
		/* data: null is what other Pipedrive endpoints say for "nothing"; it may also be a
		 * hiccup. Read as "no webhooks" it would plan a create of every declared webhook,
		 * so a second listing must say the same first. */
		rc = S_list_retrying(c, opts, &again, rep, &rng, err);
		pdh_live_free(*out);
		*out = again;
	}
	rep->elapsed_ms = (long)(pdh_now_ms() - start);
	return rc;
}

int pdh_listing_get_with(const pdh_client_opts *copts, const pdh_listing_opts *opts,
                         pdh_live **out, pdh_listing_report *rep, pdh_error *err)
{
	pdh_client *c = NULL;
	int rc;

	*out = NULL;
	memset(rep, 0, sizeof(*rep));
	pdh_http_result_init(&rep->last);
	rc = pdh_client_new(&c, copts, err);
	if (rc == 0)
		rc = pdh_listing_get(c, opts, out, rep, err);
	pdh_client_free(c);
	return rc;
}
