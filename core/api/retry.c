#include "pdhooks/retry.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdlib.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/cost.h"

/* What a transport error says about the request. */
typedef enum {
	S_NOT_SENT_TRANSIENT,   /* failed before the request left; worth another try */
	S_NOT_SENT_PERMANENT,   /* failed before the request left; another try fails the same */
	S_MAYBE_SENT_TRANSIENT, /* the server may have got it; worth another try if idempotent */
	S_MAYBE_SENT_PERMANENT, /* the server answered, we could not take the answer (body cap) */
	S_UNCLASSIFIED
} S_transport_class;

static S_transport_class S_classify(int code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return S_NOT_SENT_TRANSIENT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return S_NOT_SENT_PERMANENT;
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_READ_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_SEND_FAIL_REWIND: /* a reused connection closed after the request went */
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
		return S_MAYBE_SENT_TRANSIENT;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return S_MAYBE_SENT_PERMANENT;
	default:
		return S_UNCLASSIFIED;
	}
}

static long S_or(long v, long dflt)
{
	return v > 0 ? v : dflt;
}

static pdh_retry_decision S_decision(pdh_retry_verdict v, long delay_ms, bool unknown,
                                     const char *why)
{
	pdh_retry_decision d;

	d.verdict = v;
	d.delay_ms = delay_ms;
	d.outcome_unknown = unknown;
	d.why = why;
	d.wanted_ms = 0;
	d.budget_spent = false;
	return d;
}

/* A server's wait plus the jitter, saturating: the headers' waits are bounded
 * (PDH_HTTP_WAIT_MAX_MS), a policy's base is any long. */
static long S_plus(long wait, long extra)
{
	return extra > LONG_MAX - wait ? LONG_MAX : wait + extra;
}

/* Equal jitter: half the exponential step, plus up to the other half at random, so that
 * parallel callers spread out and yet every wait grows. */
static long S_backoff(long base, long cap, int attempt, double jitter)
{
	long step = base;

	for (int i = 1; i < attempt && step < cap; i++)
		step *= 2;
	if (step > cap)
		step = cap;
	return step / 2 + (long)(jitter * (double)(step - step / 2));
}

pdh_retry_decision pdh_retry_decide(const pdh_retry_policy *policy, pdh_http_method method,
                                    const pdh_http_result *res, int attempt, long elapsed_ms,
                                    double jitter)
{
	long max_attempts = PDH_RETRY_DEFAULT_ATTEMPTS;
	long base = PDH_RETRY_DEFAULT_BASE_MS;
	long cap = PDH_RETRY_DEFAULT_MAX_DELAY_MS;
	long total = PDH_RETRY_DEFAULT_MAX_TOTAL_MS;
	pdh_retry_verdict again;
	bool unknown = false;
	const char *why;
	long delay;

	if (policy) {
		max_attempts = S_or(policy->max_attempts, max_attempts);
		base = S_or(policy->base_delay_ms, base);
		cap = S_or(policy->max_delay_ms, cap);
		total = S_or(policy->max_total_ms, total);
	}
	if (jitter < 0 || jitter != jitter)
		jitter = 0;
	if (jitter >= 1)
		jitter = 0.999999;
	if (attempt < 1)
		attempt = 1;
	if (elapsed_ms < 0)
		elapsed_ms = 0;

	if (res->transport != 0) {
		S_transport_class c = S_classify(res->transport);

		if (c == S_NOT_SENT_TRANSIENT) {
			again = PDH_RETRY_AGAIN;
			why = "connection failed";
		} else if (c == S_NOT_SENT_PERMANENT) {
			return S_decision(PDH_RETRY_GIVE_UP, 0, false, "transport error");
		} else if (method == PDH_METHOD_POST) {
			/* The server may have created the webhook: only a listing can tell. */
			again = PDH_RETRY_UNKNOWN;
			unknown = true;
			why = res->transport == CURLE_OPERATION_TIMEDOUT ? "timed out"
			      : "connection lost";
		} else if (c == S_MAYBE_SENT_TRANSIENT) {
			again = PDH_RETRY_AGAIN;
			why = res->transport == CURLE_OPERATION_TIMEDOUT ? "timed out"
			      : "connection lost";
		} else {
			return S_decision(PDH_RETRY_GIVE_UP, 0, false, "transport error");
		}
		delay = S_backoff(base, cap, attempt, jitter);
		/* A server slow enough to time out may still be making the webhook: give it as long
		 * again before the listing that decides whether to send it again. */
		if (unknown && res->transport == CURLE_OPERATION_TIMEDOUT && res->elapsed_ms > delay)
			delay = res->elapsed_ms;
	} else if (res->status >= 200 && res->status < 300) {
		return S_decision(PDH_RETRY_DONE, 0, false, "done");
	} else if (method == PDH_METHOD_DELETE && res->status == 404) {
		return S_decision(PDH_RETRY_DONE, 0, false, "already gone (404)");
	} else if (pdh_retry_budget_spent(res)) {
		/* Until midnight, Pipedrive's server time: another try only burns goodwill. */
		pdh_retry_decision d = S_decision(PDH_RETRY_GIVE_UP, 0, false, PDH_BUDGET_SPENT);

		d.budget_spent = true;
		return d;
	} else if (res->status == 429) {
		/* Not processed: safe to send again for every method, once the window allows. */
		again = PDH_RETRY_AGAIN;
		why = "rate limited (429)";
		if (res->retry_after_ms >= 0)
			delay = S_plus(res->retry_after_ms, (long)(jitter * (double)base));
		else if (res->ratelimit_reset_ms >= 0)
			delay = S_plus(res->ratelimit_reset_ms, (long)(jitter * (double)base));
		else
			delay = S_backoff(base, cap, attempt, jitter);
	} else if (res->status >= 500 && res->status < 600) {
		bool gateway = res->status == 502 || res->status == 503 || res->status == 504;

		if (method == PDH_METHOD_POST) {
			again = PDH_RETRY_UNKNOWN;
			unknown = true;
		} else if (gateway) {
			again = PDH_RETRY_AGAIN;
		} else {
			return S_decision(PDH_RETRY_GIVE_UP, 0, false, "server error");
		}
		why = gateway ? "server unavailable" : "server error";
		if (res->retry_after_ms >= 0)
			delay = S_plus(res->retry_after_ms, (long)(jitter * (double)base));
		else
			delay = S_backoff(base, cap, attempt, jitter);
	} else {
		return S_decision(PDH_RETRY_GIVE_UP, 0, false, "refused");
	}

	if (attempt >= max_attempts)
		return S_decision(PDH_RETRY_GIVE_UP, 0, unknown, "too many attempts");
	/* elapsed_ms + delay > total, without the sum (a header's wait may be huge) */
	if (delay > total - elapsed_ms) {
		pdh_retry_decision d = S_decision(PDH_RETRY_GIVE_UP, 0, unknown,
		                                  "retry time exhausted");
		d.wanted_ms = delay;
		return d;
	}
	return S_decision(again, delay, unknown, why);
}

bool pdh_retry_unavailable(const pdh_http_result *res)
{
	if (res->transport != 0) {
		S_transport_class c = S_classify(res->transport);

		return c == S_NOT_SENT_TRANSIENT || c == S_MAYBE_SENT_TRANSIENT;
	}
	return res->status == 429 || (res->status >= 500 && res->status < 600);
}

bool pdh_retry_budget_spent(const pdh_http_result *res)
{
	return res->transport == 0 && res->status == 429 && res->daily_tokens_remaining == 0;
}

double pdh_retry_jitter(unsigned long long *state)
{
	/* xorshift64*: plenty for spreading waits; not for anything secret. */
	unsigned long long x = *state ? *state : 0x9E3779B97F4A7C15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

const char *pdh_http_method_name(pdh_http_method m)
{
	switch (m) {
	case PDH_METHOD_GET: return "GET";
	case PDH_METHOD_POST: return "POST";
	case PDH_METHOD_DELETE: return "DELETE";
	}
	return "?";
}

bool pdh_retry_tell_wait(bool rate_limit, long long ms)
{
	return rate_limit ? ms >= PDH_TELL_RATE_WAIT_MS : ms > PDH_TELL_WAIT_MS;
}

int pdh_retry_run(pdh_retry_call *call, const pdh_retry_hooks *hooks, pdh_retry_outcome *out,
                  pdh_error *err)
{
	pdh_http_result_init(&out->last);
	out->decision.verdict = PDH_RETRY_DONE;
	out->decision.delay_ms = 0;
	out->decision.outcome_unknown = false;
	out->decision.why = NULL;
	out->decision.wanted_ms = 0;
	out->decision.budget_spent = false;
	for (;;) {
		pdh_retry_decision d;
		bool waited;
		char *what;
		int rc;

		if (hooks->before && (rc = hooks->before(hooks->ctx, err)) != 0) {
			out->end = PDH_RETRY_END_UNSENT;
			return rc;
		}
		if (!call->started) {
			call->started = true;
			call->first_ms = pdh_now_ms();
		}
		pdh_http_result_init(&out->last);
		pdh_error_clear(err);
		call->attempts++;
		rc = hooks->call(hooks->ctx, &out->last, err);
		if (hooks->after)
			hooks->after(hooks->ctx, &out->last);
		if (rc == 0) {
			out->end = PDH_RETRY_END_OK;
			return 0;
		}
		d = pdh_retry_decide(call->policy, call->method, &out->last, call->attempts,
		                     (long)(pdh_now_ms() - call->first_ms),
		                     pdh_retry_jitter(call->rng));
		if (d.verdict == PDH_RETRY_DONE && call->method == PDH_METHOD_POST) {
			/* 2xx with an answer that does not parse: made, most likely; a listing tells. */
			d.verdict = PDH_RETRY_UNKNOWN;
			d.outcome_unknown = true;
			d.delay_ms = 0;
		}
		out->decision = d;
		if (d.verdict != PDH_RETRY_AGAIN) {
			out->end = PDH_RETRY_END_SETTLED;
			return rc;
		}
		what = call->what ? pdh_xstrdup(call->what)
		       : pdh_xasprintf("retrying %s %s (%s)", pdh_http_method_name(call->method),
		                       call->subject ? call->subject : "",
		                       d.why ? d.why : "a passing failure");
		if (hooks->wait) {
			waited = hooks->wait(hooks->ctx, d.delay_ms, what);
		} else {
			if (hooks->tell && pdh_retry_tell_wait(out->last.status == 429, d.delay_ms))
				hooks->tell(hooks->ctx, d.delay_ms, what);
			waited = pdh_sleep_watching(d.delay_ms, call->interrupt);
		}
		free(what);
		if (!waited) {
			out->end = PDH_RETRY_END_NO_WAIT;
			return rc;
		}
	}
}
