/* An account's outcome, the exit code it stands for, and the fleet's exit code: the one place
 * the precedence of DESIGN.md "Fleet" (1, then 5, 3, 4, 2) is written. */
#include "pdhooks/fleet_report.h"

#include <string.h>

static const char *const S_names[PDH_FLEET_OUTCOME_COUNT] = {
	[PDH_FLEET_IN_SYNC] = "in_sync",
	[PDH_FLEET_CHANGES] = "changes",
	[PDH_FLEET_APPLIED] = "applied",
	[PDH_FLEET_FAILED] = "failed",
	[PDH_FLEET_UNAVAILABLE] = "unavailable",
	[PDH_FLEET_REFUSED] = "refused",
	[PDH_FLEET_STALE] = "stale",
	[PDH_FLEET_SKIPPED] = "skipped",
};

const char *pdh_fleet_outcome_name(pdh_fleet_outcome o)
{
	return (unsigned)o < PDH_FLEET_OUTCOME_COUNT ? S_names[o] : "failed";
}

int pdh_fleet_outcome_parse(const char *name)
{
	for (int i = 0; i < PDH_FLEET_OUTCOME_COUNT; i++)
		if (strcmp(S_names[i], name) == 0)
			return i;
	return -1;
}

int pdh_fleet_outcome_exit(pdh_fleet_outcome o)
{
	switch (o) {
	case PDH_FLEET_IN_SYNC:
	case PDH_FLEET_APPLIED:
	case PDH_FLEET_SKIPPED: return 0;
	case PDH_FLEET_CHANGES: return 2;
	case PDH_FLEET_UNAVAILABLE: return 5;
	case PDH_FLEET_REFUSED: return 3;
	case PDH_FLEET_STALE: return 4;
	default: return 1;
	}
}

pdh_fleet_outcome pdh_fleet_outcome_of(int core_rc)
{
	switch (core_rc) {
	case PDH_EUNAVAILABLE: return PDH_FLEET_UNAVAILABLE;
	case PDH_EBRAKE: return PDH_FLEET_REFUSED;
	case PDH_ESTALE: return PDH_FLEET_STALE;
	default: return PDH_FLEET_FAILED;
	}
}

int pdh_fleet_exit_code(const int *codes, size_t n, bool detailed)
{
	bool seen[6] = { false };

	for (size_t i = 0; i < n; i++) {
		if (codes[i] < 0 || codes[i] > 5)
			return 1;
		seen[codes[i]] = true;
	}
	if (seen[1])
		return 1;
	if (seen[5])
		return 5;
	if (seen[3])
		return 3;
	if (seen[4])
		return 4;
	if (detailed && seen[2])
		return 2;
	return 0;
}
