/* The exit-code table (exit_code.h). */
#include "pdhooks/exit_code.h"

#include "pdhooks/error.h"

static const pdh_exit_info S_codes[] = {
	{ PDH_EXIT_OK, "success: in sync, applied and verified, or nothing to do (plan and "
	  "status: also with changes or failing webhooks, unless --detailed-exitcode)", 0 },
	{ PDH_EXIT_ERROR, "error: a bad file, bad credentials, an API error, a failed call, an "
	  "apply that did not converge", 5 },
	{ PDH_EXIT_CHANGES, "--detailed-exitcode: plan has changes pending, status a failing or "
	  "inactive webhook", 1 },
	{ PDH_EXIT_BRAKE, "refused by a safety brake; nothing changed", 3 },
	{ PDH_EXIT_STALE, "the saved plan is stale; nothing changed", 2 },
	{ PDH_EXIT_UNAVAILABLE, "could not check: the API kept failing (network, 5xx, 429) or the "
	  "wait budget ran out", 4 },
	{ PDH_EXIT_HANGUP, "stopped by SIGHUP (a cancelled CI job)", -1 },
	{ PDH_EXIT_INTERRUPTED, "stopped by SIGINT (Ctrl-C)", -1 },
	{ PDH_EXIT_TERMINATED, "stopped by SIGTERM", -1 },
};

#define S_N (sizeof(S_codes) / sizeof(S_codes[0]))

const pdh_exit_info *pdh_exit_codes(size_t *n)
{
	*n = S_N;
	return S_codes;
}

const pdh_exit_info *pdh_exit_info_of(int code)
{
	for (size_t i = 0; i < S_N; i++)
		if (S_codes[i].code == code)
			return &S_codes[i];
	return NULL;
}

int pdh_exit_of(int core_code)
{
	switch (core_code) {
	case PDH_OK: return PDH_EXIT_OK;
	case PDH_EBRAKE: return PDH_EXIT_BRAKE;
	case PDH_ESTALE: return PDH_EXIT_STALE;
	case PDH_EUNAVAILABLE: return PDH_EXIT_UNAVAILABLE;
	default: return PDH_EXIT_ERROR;
	}
}

int pdh_exit_fleet(const int *codes, size_t n, bool detailed)
{
	const pdh_exit_info *worst = pdh_exit_info_of(PDH_EXIT_OK);

	for (size_t i = 0; i < n; i++) {
		const pdh_exit_info *e = pdh_exit_info_of(codes[i]);

		if (e == NULL || e->fleet_rank < 0)
			e = pdh_exit_info_of(PDH_EXIT_ERROR);
		if (e->code == PDH_EXIT_CHANGES && !detailed)
			continue;
		if (e->fleet_rank > worst->fleet_rank)
			worst = e;
	}
	return worst->code;
}
