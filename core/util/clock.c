#include "pdhooks/clock.h"

#include <errno.h>
#include <time.h>

long long pdh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pdh_nap_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;   /* a signal cut it short: sleep the rest */
}

bool pdh_sleep_watching(long ms, const atomic_int *interrupt)
{
	long long until = pdh_now_ms() + ms;

	for (;;) {
		long long left;

		if (interrupt != NULL && atomic_load(interrupt) != 0)
			return false;
		left = until - pdh_now_ms();
		if (left <= 0)
			return true;
		pdh_nap_ms(left < PDH_NAP_SLICE_MS ? (long)left : PDH_NAP_SLICE_MS);
	}
}
