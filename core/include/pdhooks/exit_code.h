/* pdhooks' exit codes in one table (core/util/exit_code.c): the codes, what each means, which
 * core code gives which, and which wins when a fleet's accounts end differently. cmd/ decides
 * a run's code from it at the edge; help text and the fleet's outcome read it. */
#ifndef PDHOOKS_EXIT_CODE_H
#define PDHOOKS_EXIT_CODE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	PDH_EXIT_OK = 0,
	PDH_EXIT_ERROR = 1,
	PDH_EXIT_CHANGES = 2,      /* --detailed-exitcode: changes pending, a webhook failing */
	PDH_EXIT_BRAKE = 3,
	PDH_EXIT_STALE = 4,
	PDH_EXIT_UNAVAILABLE = 5,  /* could not check: the API stayed unreachable or kept failing
	                              after the retries (or the wait budget ran out) */
	PDH_EXIT_SIGNAL_BASE = 128, /* a run stopped by a signal exits 128 + the signal, as
	                               shells do: */
	PDH_EXIT_HANGUP = 129,     /* SIGHUP (a cancelled CI job) */
	PDH_EXIT_INTERRUPTED = 130, /* SIGINT (Ctrl-C) */
	PDH_EXIT_TERMINATED = 143  /* SIGTERM */
};

typedef struct pdh_exit_info {
	int code;
	const char *meaning;       /* one line, for help */
	int fleet_rank;            /* a fleet exits with the code of the highest rank among its
	                              accounts' (DESIGN.md "Fleet": 1, then 5, 3, 4, 2, 0);
	                              -1: not an account's code */
} pdh_exit_info;

/* The table, in code order; n gets its length. */
const pdh_exit_info *pdh_exit_codes(size_t *n);
/* The row of code; NULL for a code pdhooks does not use. */
const pdh_exit_info *pdh_exit_info_of(int code);
/* The exit code of a core result (0 or a negative PDH_E* code): 0, 3 (PDH_EBRAKE),
 * 4 (PDH_ESTALE), 5 (PDH_EUNAVAILABLE), else 1. */
int pdh_exit_of(int core_code);
/* The fleet's code from its accounts' codes, by fleet_rank: a code that is not an account's
 * counts as 1; 2 counts only when detailed. 0 for none. */
int pdh_exit_fleet(const int *codes, size_t n, bool detailed);

#endif
