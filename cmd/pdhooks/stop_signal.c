#include "stop_signal.h"

#include <errno.h>
#include <string.h>

atomic_int pdh_stop_signal;

static const int S_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static void S_on_signal(int sig)
{
	int saved = errno;
	struct sigaction dfl;

	atomic_store(&pdh_stop_signal, sig);  /* lock-free, so async-signal-safe */
	/* The next one of the three takes its default action: a second signal stops at once. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(S_signals[i], &dfl, NULL);   /* async-signal-safe */
	errno = saved;
}

void pdh_stop_signals_install(pdh_stop_signals *s)
{
	struct sigaction sa;

	memset(s, 0, sizeof(*s));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = S_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaddset(&sa.sa_mask, S_signals[i]);
	atomic_store(&pdh_stop_signal, 0);
	for (size_t i = 0; i < 3; i++)
		s->installed[i] = sigaction(S_signals[i], &sa, &s->old[i]) == 0;
}

void pdh_stop_signals_restore(pdh_stop_signals *s)
{
	for (size_t i = 0; i < 3; i++)
		if (s->installed[i])
			sigaction(S_signals[i], &s->old[i], NULL);
	memset(s, 0, sizeof(*s));
}

const char *pdh_stop_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return NULL;
	}
}
