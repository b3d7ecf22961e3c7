/* The monotonic clock and the sleeps of the retry loops: one definition of "now" for every
 * deadline, and one interruptible wait for the listing and the apply engine. */
#ifndef PDHOOKS_CLOCK_H
#define PDHOOKS_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

/* Milliseconds on CLOCK_MONOTONIC: for deadlines and durations, never for dates. */
long long pdh_now_ms(void);
/* Sleeps ms, the whole of it even when a signal comes (nothing when ms <= 0). */
void pdh_nap_ms(long ms);
/* How long one nap of pdh_sleep_watching lasts at most: how soon an interrupt is seen. */
#define PDH_NAP_SLICE_MS 50
/* Sleeps ms in naps of at most PDH_NAP_SLICE_MS, looking at *interrupt (NULL: never) before
 * each. False when interrupted. */
bool pdh_sleep_watching(long ms, const atomic_int *interrupt);

#endif
