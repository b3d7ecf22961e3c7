/* The clock and the interruptible sleep that the listing's and apply's retry waits share, and
 * the helpers that free a struct's fields and arrays (their leaks would show under valgrind
 * and ASan; here each is run on real allocations and on NULLs). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <stdatomic.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"

Test(clock, now_is_monotonic_and_counts_milliseconds)
{
	long long a = pdh_now_ms(), b;

	pdh_nap_ms(30);
	b = pdh_now_ms();
	cr_expect_geq(b - a, 30, "a 30 ms nap took %lld ms", b - a);
	cr_expect_lt(b - a, 2000, "a 30 ms nap took %lld ms", b - a);
}

/* How long pdh_sleep_watching(ms, flag) took; *finished is what it returned. */
static long long S_sleep_took(long ms, const atomic_int *flag, bool *finished)
{
	long long a = pdh_now_ms();

	*finished = pdh_sleep_watching(ms, flag);
	return pdh_now_ms() - a;
}

static void S_on_alarm(int sig)
{
	(void)sig;
}

/* A signal that cuts nanosleep short (a handler without SA_RESTART) does not shorten the nap. */
Test(clock, a_signal_does_not_shorten_a_nap)
{
	struct sigaction sa;
	struct itimerval every = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	long long a, took;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = S_on_alarm;
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(setitimer(ITIMER_REAL, &every, NULL), 0);
	a = pdh_now_ms();
	pdh_nap_ms(150);
	took = pdh_now_ms() - a;
	setitimer(ITIMER_REAL, &off, NULL);
	cr_expect_geq(took, 150, "a 150 ms nap under a 20 ms alarm took %lld ms", took);
}

Test(clock, a_nap_of_zero_or_less_returns_at_once)
{
	long long a = pdh_now_ms();

	pdh_nap_ms(0);
	pdh_nap_ms(-5);
	cr_expect_lt(pdh_now_ms() - a, 20);
}

Test(clock, sleep_without_interrupt_lasts_the_whole_time)
{
	atomic_int never = 0;
	bool finished = false;

	cr_expect_geq(S_sleep_took(120, &never, &finished), 120);
	cr_expect(finished);
	finished = false;
	cr_expect_geq(S_sleep_took(60, NULL, &finished), 60);
	cr_expect(finished, "a NULL flag is never set");
}

Test(clock, a_set_flag_ends_the_sleep_before_it_starts)
{
	atomic_int set = 1;
	bool finished = true;

	cr_expect_lt(S_sleep_took(5000, &set, &finished), 20);
	cr_expect_not(finished);
}

static atomic_int flag;

static void *S_set_later(void *arg)
{
	(void)arg;
	pdh_nap_ms(100);
	atomic_store(&flag, 1);
	return NULL;
}

Test(clock, a_flag_set_during_the_sleep_ends_it_within_one_slice)
{
	pthread_t t;
	long long took;
	bool finished = true;

	atomic_store(&flag, 0);
	cr_assert_eq(pthread_create(&t, NULL, S_set_later, NULL), 0);
	took = S_sleep_took(10000, &flag, &finished);
	pthread_join(t, NULL);
	cr_expect_not(finished);
	cr_expect_geq(took, 90, "ended after %lld ms, before the flag was set", took);
	cr_expect_lt(took, 100 + 10 * PDH_NAP_SLICE_MS, "ended after %lld ms", took);
}

typedef struct {
	char *name;
	char *note;
} S_pair;

static int disposed;

static void S_pair_dispose(S_pair *p)
{
	PDH_FREE_ALL(p->name, p->note);
	disposed++;
}

Test(alloc, free_helpers_free_fields_items_and_strings)
{
	S_pair *pairs = pdh_xcalloc(3, sizeof(*pairs));
	char **v = pdh_xcalloc(3, sizeof(*v));

	pairs[0].name = pdh_xstrdup("a");
	pairs[0].note = pdh_xstrdup("b");
	pairs[2].name = pdh_xstrdup("c"); /* a NULL field beside it */
	disposed = 0;
	PDH_FREE_EACH(pairs, 3, S_pair_dispose);
	cr_expect_eq(disposed, 3, "each item is disposed once");

	pairs = pdh_xcalloc(2, sizeof(*pairs));
	pairs[1].note = pdh_xstrdup("only the note");
	PDH_FREE_EACH_FIELD(pairs, 2, note);

	v[0] = pdh_xstrdup("x");
	v[2] = pdh_xstrdup("z");
	pdh_free_strings(v, 3);
	pdh_free_strings(NULL, 0);
	PDH_FREE_ALL(NULL, pdh_xstrdup("freed"), NULL);
}
