/* Stopping an apply by signal. SIGINT (Ctrl-C), SIGTERM and SIGHUP (a cancelled CI job) all
 * ask the same: the calls in flight finish, no new call (or account) starts, the summary is
 * printed, and the exit code is 128 + the signal. A second one of them stops at once. Used by
 * `apply` and `apply --fleet`. */
#ifndef PDHOOKS_CLI_STOP_SIGNAL_H
#define PDHOOKS_CLI_STOP_SIGNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

/* The signal that asked to stop; 0: none. Give it to the engine as its interrupt flag. */
extern atomic_int pdh_stop_signal;

typedef struct pdh_stop_signals {
	struct sigaction old[3];
	bool installed[3];
} pdh_stop_signals;

/* Clears pdh_stop_signal and installs the handler for the three signals. */
void pdh_stop_signals_install(pdh_stop_signals *s);
/* Puts back the handlers install found; s may be zeroed (nothing installed). */
void pdh_stop_signals_restore(pdh_stop_signals *s);
/* "SIGINT", "SIGTERM", "SIGHUP"; NULL for 0 or another signal. */
const char *pdh_stop_signal_name(int sig);

#endif
