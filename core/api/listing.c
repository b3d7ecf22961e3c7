/* GET /webhooks with the retry policy: the one listing path of every command (listing.h). */
#include "pdhooks/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"

/* One listing, retried until the policy settles it. */
static int S_list_retrying(pdh_client *c, const pdh_listing_opts *o, pdh_live **out,
                           pdh_listing_report *rep, unsigned long long *rng, pdh_error *err)
{
	long long first = pdh_now_ms();
	int rc = 0;

	*out = NULL;
	for (int attempt = 1;; attempt++) {
		pdh_retry_decision d;
		char cause[PDH_ERROR_MAX];

		if (o->pacer.before && (rc = o->pacer.before(o->pacer.ctx, err)) != 0)
			return rc;
		pdh_http_result_init(&rep->last);
		pdh_error_clear(err);
		rep->calls++;
		rc = pdh_client_list(c, out, &rep->last, err);
		if (o->pacer.after)
			o->pacer.after(o->pacer.ctx, &rep->last);
		if (rc == 0)
			return 0;
		pdh_live_free(*out);
		*out = NULL;
		d = pdh_retry_decide(&o->retry, PDH_METHOD_GET, &rep->last, attempt,
		                     (long)(pdh_now_ms() - first), pdh_retry_jitter(rng));
		if (d.verdict == PDH_RETRY_AGAIN) {
			const char *budget = NULL;
			bool waited;

			char *what = pdh_xasprintf("retrying GET /webhooks (%s)",
			                           d.why ? d.why : "a passing failure");

			if (o->pacer.wait) {
				waited = o->pacer.wait(o->pacer.ctx, d.delay_ms, what, &budget);
			} else {
				if (o->on_wait && pdh_retry_tell_wait(rep->last.status == 429, d.delay_ms))
					o->on_wait(o->on_wait_ctx, d.delay_ms, what);
				waited = pdh_sleep_watching(d.delay_ms, o->interrupt);
			}
			free(what);
			if (waited)
				continue;
			if (budget) {
				snprintf(cause, sizeof(cause), "%s", err->message);
				pdh_error_set(err, PDH_EUNAVAILABLE, "%s; last answer: %s", budget, cause);
				err->http_status = (int)rep->last.status;
				return PDH_EUNAVAILABLE;
			}
		}
		if (!pdh_retry_unavailable(&rep->last))
			return rc;
		/* The retries ran out on a passing failure: not an answer about the file or the
		 * credentials, so it gets a code of its own (exit 5), with the last cause. */
		snprintf(cause, sizeof(cause), "%s", err->message[0] ? err->message
		                                                     : pdh_error_name(rc));
		pdh_error_set(err, PDH_EUNAVAILABLE, "could not check the live webhooks: %s (%d "
		              "attempt%s in %.1f s%s%s)", cause, attempt, attempt == 1 ? "" : "s",
		              (double)(pdh_now_ms() - first) / 1000.0,
		              d.verdict == PDH_RETRY_AGAIN ? ", interrupted" : "",
		              d.wanted_ms > 0 ? "; the next wait it asks for is past the retry time"
		                              : "");
		err->http_status = (int)rep->last.status;
		return PDH_EUNAVAILABLE;
	}
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
