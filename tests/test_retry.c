/* The retry policy on its own: every class of answer, for every method, within and past the
 * bounds. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <limits.h>
#include <string.h>

#include "pdhooks/retry.h"

static pdh_http_result S_status(long status)
{
	pdh_http_result r = { 0, status, -1, -1, -1, 10, -1, -1, "" };
	return r;
}

static pdh_http_result S_transport(int code)
{
	pdh_http_result r = { code, 0, -1, -1, -1, 10, -1, -1, "" };
	return r;
}

static pdh_retry_decision S_decide(pdh_http_method m, pdh_http_result r, int attempt)
{
	return pdh_retry_decide(NULL, m, &r, attempt, 0, 0.5);
}

static const pdh_http_method all_methods[] = {
	PDH_METHOD_GET, PDH_METHOD_POST, PDH_METHOD_DELETE
};

Test(retry, success_is_done_for_every_method)
{
	static const long ok[] = { 200, 201, 204 };
	for (size_t m = 0; m < 3; m++)
		for (size_t i = 0; i < 3; i++) {
			pdh_retry_decision d = S_decide(all_methods[m], S_status(ok[i]), 1);
			cr_expect_eq(d.verdict, PDH_RETRY_DONE, "%s %ld",
			             pdh_http_method_name(all_methods[m]), ok[i]);
			cr_expect_eq(d.delay_ms, 0);
			cr_expect_not(d.outcome_unknown);
		}
}

Test(retry, delete_404_counts_as_done)
{
	pdh_retry_decision d = S_decide(PDH_METHOD_DELETE, S_status(404), 1);
	cr_expect_eq(d.verdict, PDH_RETRY_DONE);
	cr_expect_str_eq(d.why, "already gone (404)");
}

Test(retry, not_found_on_get_or_post_is_a_failure)
{
	cr_expect_eq(S_decide(PDH_METHOD_GET, S_status(404), 1).verdict, PDH_RETRY_GIVE_UP);
	cr_expect_eq(S_decide(PDH_METHOD_POST, S_status(404), 1).verdict, PDH_RETRY_GIVE_UP);
}

Test(retry, client_errors_are_final_for_every_method)
{
	static const long refused[] = { 400, 401, 403, 405, 409, 410, 413, 422 };
	for (size_t m = 0; m < 3; m++)
		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
			if (all_methods[m] == PDH_METHOD_DELETE && refused[i] == 404)
				continue;
			pdh_retry_decision d = S_decide(all_methods[m], S_status(refused[i]), 1);
			cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP, "%s %ld",
			             pdh_http_method_name(all_methods[m]), refused[i]);
			cr_expect_not(d.outcome_unknown);
		}
}

Test(retry, redirects_and_informational_answers_are_not_success)
{
	cr_expect_eq(S_decide(PDH_METHOD_GET, S_status(301), 1).verdict, PDH_RETRY_GIVE_UP);
	cr_expect_eq(S_decide(PDH_METHOD_POST, S_status(302), 1).verdict, PDH_RETRY_GIVE_UP);
	cr_expect_eq(S_decide(PDH_METHOD_DELETE, S_status(100), 1).verdict, PDH_RETRY_GIVE_UP);
}

Test(retry, rate_limit_is_retried_for_every_method_even_post)
{
	for (size_t m = 0; m < 3; m++) {
		pdh_retry_decision d = S_decide(all_methods[m], S_status(429), 1);
		cr_expect_eq(d.verdict, PDH_RETRY_AGAIN, "%s", pdh_http_method_name(all_methods[m]));
		cr_expect_not(d.outcome_unknown);
		cr_expect_gt(d.delay_ms, 0);
	}
}

/* A 429 with the given hints (-1: absent), decided at attempt 1 without jitter: retried after
 * exactly delay_ms. */
static void S_expect_429_wait(pdh_http_method m, long retry_after, long remaining, long reset,
                              long delay_ms)
{
	pdh_http_result r = S_status(429);
	pdh_retry_decision d;

	r.retry_after_ms = retry_after;
	r.ratelimit_remaining = remaining;
	r.ratelimit_reset_ms = reset;
	d = pdh_retry_decide(NULL, m, &r, 1, 0, 0.0);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
	cr_expect_eq(d.delay_ms, delay_ms);
}

Test(retry, rate_limit_honours_retry_after)
{
	pdh_http_result r = S_status(429);
	pdh_retry_decision d;

	S_expect_429_wait(PDH_METHOD_POST, 3000, -1, 1000, 3000); /* Retry-After wins */
	r.retry_after_ms = 3000;
	r.ratelimit_reset_ms = 1000;
	d = pdh_retry_decide(NULL, PDH_METHOD_POST, &r, 1, 0, 0.5);
	cr_expect_geq(d.delay_ms, 3000);
	cr_expect_leq(d.delay_ms, 3000 + PDH_RETRY_DEFAULT_BASE_MS);
}

Test(retry, rate_limit_without_retry_after_uses_ratelimit_reset)
{
	S_expect_429_wait(PDH_METHOD_GET, -1, 0, 2000, 2000);
}

Test(retry, rate_limit_with_zero_retry_after_waits_only_the_jitter)
{
	S_expect_429_wait(PDH_METHOD_GET, 0, -1, -1, 0);
}

Test(retry, rate_limit_without_hints_backs_off_exponentially)
{
	pdh_http_result r = S_status(429);
	long prev = 0;
	for (int attempt = 1; attempt < PDH_RETRY_DEFAULT_ATTEMPTS; attempt++) {
		pdh_retry_decision d = pdh_retry_decide(NULL, PDH_METHOD_DELETE, &r, attempt, 0, 0.0);
		cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
		cr_expect_gt(d.delay_ms, prev, "attempt %d: %ld after %ld", attempt, d.delay_ms, prev);
		prev = d.delay_ms;
	}
}

Test(retry, retry_after_past_the_time_budget_gives_up)
{
	pdh_http_result r = S_status(429);
	r.retry_after_ms = 3600L * 1000;
	pdh_retry_decision d = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 1, 0, 0.0);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP);
	cr_expect_str_eq(d.why, "retry time exhausted");
}

/* A header's wait as long as it can be (any number of digits saturates): past any budget,
 * whatever the time already spent and the policy's base, without overflowing. */
Test(retry, a_saturated_wait_gives_up_past_the_time_budget)
{
	static const char *const lines[] = { "Retry-After: 99999999999999999999\r\n",
		"x-ratelimit-reset: 99999999999999999999\r\n",
		"Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n" };
	pdh_retry_policy wide = { 0, LONG_MAX / 2, 0, 0 };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		pdh_http_result r = S_status(429);
		long wait;

		pdh_http_parse_header(&r, lines[i], strlen(lines[i]), 1000);
		wait = r.retry_after_ms >= 0 ? r.retry_after_ms : r.ratelimit_reset_ms;
		cr_expect_gt(wait, 100L * 365 * 86400 * 1000, "%s: %ld", lines[i], wait);
		cr_expect_leq(wait, PDH_HTTP_WAIT_MAX_MS, "%s: %ld", lines[i], wait);
		for (long elapsed = 0; elapsed <= 600000; elapsed += 5000) {
			pdh_retry_decision d = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 1, elapsed,
			                                        0.99);
			cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP, "%s after %ld ms", lines[i], elapsed);
			cr_expect_geq(d.wanted_ms, wait);
			d = pdh_retry_decide(&wide, PDH_METHOD_POST, &r, 1, elapsed, 0.99);
			cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP, "%s, a wide base", lines[i]);
		}
	}
}

Test(retry, gateway_errors_are_retried_for_get_and_delete)
{
	static const long gw[] = { 502, 503, 504 };
	for (size_t i = 0; i < 3; i++) {
		pdh_retry_decision d = S_decide(PDH_METHOD_GET, S_status(gw[i]), 1);
		cr_expect_eq(d.verdict, PDH_RETRY_AGAIN, "GET %ld", gw[i]);
		d = S_decide(PDH_METHOD_DELETE, S_status(gw[i]), 2);
		cr_expect_eq(d.verdict, PDH_RETRY_AGAIN, "DELETE %ld", gw[i]);
		cr_expect_not(d.outcome_unknown);
	}
}

Test(retry, other_server_errors_are_final_for_get_and_delete)
{
	cr_expect_eq(S_decide(PDH_METHOD_GET, S_status(500), 1).verdict, PDH_RETRY_GIVE_UP);
	cr_expect_eq(S_decide(PDH_METHOD_DELETE, S_status(501), 1).verdict, PDH_RETRY_GIVE_UP);
}

Test(retry, post_answered_with_any_5xx_is_never_resent_blindly)
{
	static const long five[] = { 500, 501, 502, 503, 504, 599 };
	for (size_t i = 0; i < sizeof(five) / sizeof(five[0]); i++) {
		pdh_retry_decision d = S_decide(PDH_METHOD_POST, S_status(five[i]), 1);
		cr_expect_eq(d.verdict, PDH_RETRY_UNKNOWN, "POST %ld", five[i]);
		cr_expect(d.outcome_unknown);
	}
}

Test(retry, post_5xx_honours_retry_after_before_the_listing)
{
	pdh_http_result r = S_status(503);
	r.retry_after_ms = 1500;
	pdh_retry_decision d = pdh_retry_decide(NULL, PDH_METHOD_POST, &r, 1, 0, 0.0);
	cr_expect_eq(d.verdict, PDH_RETRY_UNKNOWN);
	cr_expect_eq(d.delay_ms, 1500);
}

/* Every method gets verdict v, with a known outcome, for each transport error in codes. */
static void S_expect_transport(const int *codes, size_t n, pdh_retry_verdict v)
{
	for (size_t m = 0; m < 3; m++)
		for (size_t i = 0; i < n; i++) {
			pdh_retry_decision d = S_decide(all_methods[m], S_transport(codes[i]), 1);
			cr_expect_eq(d.verdict, v, "%s curl %d", pdh_http_method_name(all_methods[m]),
			             codes[i]);
			cr_expect_not(d.outcome_unknown);
		}
}

Test(retry, connection_failures_before_sending_are_retried_for_every_method)
{
	static const int codes[] = { CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST,
	                             CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR };
	S_expect_transport(codes, 4, PDH_RETRY_AGAIN);
}

Test(retry, transport_errors_after_sending_make_a_post_unknown)
{
	static const int codes[] = { CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
	                             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE,
	                             CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WRITE_ERROR };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pdh_retry_decision d = S_decide(PDH_METHOD_POST, S_transport(codes[i]), 1);
		cr_expect_eq(d.verdict, PDH_RETRY_UNKNOWN, "curl %d", codes[i]);
		cr_expect(d.outcome_unknown);
	}
}

Test(retry, timed_out_post_waits_as_long_again_before_the_listing)
{
	pdh_http_result r = S_transport(CURLE_OPERATION_TIMEDOUT);
	r.elapsed_ms = 5000;
	pdh_retry_decision d = pdh_retry_decide(NULL, PDH_METHOD_POST, &r, 1, 5000, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_UNKNOWN);
	cr_expect_eq(d.delay_ms, 5000);
	/* not for GET: it is simply sent again after the back-off */
	d = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 1, 5000, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
	cr_expect_lt(d.delay_ms, 5000);
	/* a long timeout spends the time budget: give up, the outcome still unknown */
	r.elapsed_ms = 20000;
	d = pdh_retry_decide(NULL, PDH_METHOD_POST, &r, 1, 20000, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP);
	cr_expect(d.outcome_unknown);
}

Test(retry, unclassified_transport_error_on_post_is_unknown_not_resent)
{
	pdh_retry_decision d = S_decide(PDH_METHOD_POST, S_transport(CURLE_ABORTED_BY_CALLBACK), 1);
	cr_expect_eq(d.verdict, PDH_RETRY_UNKNOWN);
	d = S_decide(PDH_METHOD_GET, S_transport(CURLE_ABORTED_BY_CALLBACK), 1);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP);
}

Test(retry, transport_errors_after_sending_are_retried_for_get_and_delete)
{
	static const int codes[] = { CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
	                             CURLE_SEND_ERROR, CURLE_RECV_ERROR };
	for (size_t i = 0; i < 4; i++) {
		cr_expect_eq(S_decide(PDH_METHOD_GET, S_transport(codes[i]), 1).verdict,
		             PDH_RETRY_AGAIN, "curl %d", codes[i]);
		cr_expect_eq(S_decide(PDH_METHOD_DELETE, S_transport(codes[i]), 1).verdict,
		             PDH_RETRY_AGAIN, "curl %d", codes[i]);
	}
}

Test(retry, oversized_answer_is_not_retried_for_get)
{
	cr_expect_eq(S_decide(PDH_METHOD_GET, S_transport(CURLE_WRITE_ERROR), 1).verdict,
	             PDH_RETRY_GIVE_UP);
	cr_expect_eq(S_decide(PDH_METHOD_GET, S_transport(CURLE_FILESIZE_EXCEEDED), 1).verdict,
	             PDH_RETRY_GIVE_UP);
}

Test(retry, certificate_and_url_errors_are_final_for_every_method)
{
	static const int codes[] = { CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
	                             CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL };
	S_expect_transport(codes, 4, PDH_RETRY_GIVE_UP);
}

Test(retry, transport_error_wins_over_a_status)
{
	/* A 201 whose body could not be read: the webhook may exist, with an unknown id. */
	pdh_http_result r = S_transport(CURLE_WRITE_ERROR);
	r.status = 201;
	cr_expect_eq(pdh_retry_decide(NULL, PDH_METHOD_POST, &r, 1, 0, 0).verdict,
	             PDH_RETRY_UNKNOWN);
}

Test(retry, attempts_are_bounded)
{
	pdh_retry_policy p = { 3, 10, 100, 100000 };
	pdh_http_result r = S_status(503);
	cr_expect_eq(pdh_retry_decide(&p, PDH_METHOD_GET, &r, 1, 0, 0).verdict, PDH_RETRY_AGAIN);
	cr_expect_eq(pdh_retry_decide(&p, PDH_METHOD_GET, &r, 2, 0, 0).verdict, PDH_RETRY_AGAIN);
	pdh_retry_decision d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 3, 0, 0);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP);
	cr_expect_str_eq(d.why, "too many attempts");
	cr_expect_not(d.outcome_unknown);
}

Test(retry, default_attempts_bound)
{
	pdh_http_result r = S_status(503);
	cr_expect_eq(S_decide(PDH_METHOD_DELETE, r, PDH_RETRY_DEFAULT_ATTEMPTS - 1).verdict,
	             PDH_RETRY_AGAIN);
	cr_expect_eq(S_decide(PDH_METHOD_DELETE, r, PDH_RETRY_DEFAULT_ATTEMPTS).verdict,
	             PDH_RETRY_GIVE_UP);
}

Test(retry, post_of_unknown_outcome_out_of_bounds_still_says_unknown)
{
	pdh_retry_policy p = { 2, 10, 100, 100000 };
	pdh_http_result r = S_transport(CURLE_GOT_NOTHING);
	pdh_retry_decision d = pdh_retry_decide(&p, PDH_METHOD_POST, &r, 2, 0, 0);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP);
	cr_expect(d.outcome_unknown);
}

Test(retry, total_time_is_bounded)
{
	pdh_retry_policy p = { 10, 100, 1000, 5000 };
	pdh_http_result r = S_status(502);
	pdh_retry_decision d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 2, 4950, 0.0);
	cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP, "wait %ld past the budget", d.delay_ms);
	cr_expect_str_eq(d.why, "retry time exhausted");
	d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 2, 4000, 0.0);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
	cr_expect_leq(4000 + d.delay_ms, 5000);
}

Test(retry, backoff_doubles_up_to_the_cap_with_equal_jitter)
{
	pdh_retry_policy p = { 20, 100, 1000, 1000000 };
	pdh_http_result r = S_status(503);
	/* jitter 0: half the step; jitter ~1: the whole step */
	static const long lo[] = { 50, 100, 200, 400, 500, 500, 500 };
	static const long hi[] = { 100, 200, 400, 800, 1000, 1000, 1000 };
	for (int a = 1; a <= 7; a++) {
		pdh_retry_decision d0 = pdh_retry_decide(&p, PDH_METHOD_GET, &r, a, 0, 0.0);
		pdh_retry_decision d1 = pdh_retry_decide(&p, PDH_METHOD_GET, &r, a, 0, 0.9999999);
		cr_expect_eq(d0.delay_ms, lo[a - 1], "attempt %d low %ld", a, d0.delay_ms);
		cr_expect_geq(d1.delay_ms, hi[a - 1] - 1, "attempt %d high %ld", a, d1.delay_ms);
		cr_expect_leq(d1.delay_ms, hi[a - 1], "attempt %d high %ld", a, d1.delay_ms);
	}
}

Test(retry, huge_attempt_numbers_do_not_overflow)
{
	pdh_retry_policy p = { 1000000, 100, 1000, 1000000000 };
	pdh_http_result r = S_status(503);
	pdh_retry_decision d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 999999, 0, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
	cr_expect_leq(d.delay_ms, 1000);
	cr_expect_geq(d.delay_ms, 500);
}

Test(retry, out_of_range_inputs_are_clamped)
{
	pdh_http_result r = S_status(503);
	pdh_retry_policy p = { 5, 100, 1000, 100000 };
	pdh_retry_decision d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 0, -5, -3.0);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN);
	cr_expect_eq(d.delay_ms, 50);
	d = pdh_retry_decide(&p, PDH_METHOD_GET, &r, 1, 0, 7.0);
	cr_expect_leq(d.delay_ms, 100);
}

Test(retry, same_inputs_same_decision)
{
	pdh_http_result r = S_status(504);
	for (int i = 0; i < 5; i++) {
		pdh_retry_decision a = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 3, 100, 0.37);
		pdh_retry_decision b = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 3, 100, 0.37);
		cr_expect_eq(a.verdict, b.verdict);
		cr_expect_eq(a.delay_ms, b.delay_ms);
	}
}

Test(retry, jitter_source_stays_in_range_and_varies)
{
	unsigned long long s = 42;
	double first = pdh_retry_jitter(&s), min = first, max = first;
	for (int i = 0; i < 10000; i++) {
		double j = pdh_retry_jitter(&s);
		cr_assert(j >= 0.0 && j < 1.0, "%f", j);
		if (j < min)
			min = j;
		if (j > max)
			max = j;
	}
	cr_expect_lt(min, 0.01);
	cr_expect_gt(max, 0.99);
	unsigned long long zero = 0;
	double z = pdh_retry_jitter(&zero);
	cr_expect(z >= 0.0 && z < 1.0);
	cr_expect_neq(zero, 0ull);
}

Test(retry, method_names)
{
	cr_expect_str_eq(pdh_http_method_name(PDH_METHOD_GET), "GET");
	cr_expect_str_eq(pdh_http_method_name(PDH_METHOD_POST), "POST");
	cr_expect_str_eq(pdh_http_method_name(PDH_METHOD_DELETE), "DELETE");
}

Test(retry, which_waits_are_told)
{
	/* a pause for the rate limit from half a second, any other wait over two seconds */
	cr_expect_not(pdh_retry_tell_wait(true, PDH_TELL_RATE_WAIT_MS - 1));
	cr_expect(pdh_retry_tell_wait(true, PDH_TELL_RATE_WAIT_MS));
	cr_expect_not(pdh_retry_tell_wait(false, PDH_TELL_RATE_WAIT_MS));
	cr_expect_not(pdh_retry_tell_wait(false, PDH_TELL_WAIT_MS));
	cr_expect(pdh_retry_tell_wait(false, PDH_TELL_WAIT_MS + 1));
	cr_expect_eq(PDH_TELL_RATE_WAIT_MS, 500);
	cr_expect_eq(PDH_TELL_WAIT_MS, 2000);
}
