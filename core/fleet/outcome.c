/* An account's outcome and the exit code it stands for; the fleet's exit code by the
 * precedence of DESIGN.md "Fleet" (1, then 5, 3, 4, 2), written in the exit-code table
 * (util/exit_code.c). */
#include "pdhooks/fleet_report.h"

#include <string.h>

#include "pdhooks/exit_code.h"

static const char *const S_names[PDH_FLEET_OUTCOME_COUNT] = {
	[PDH_FLEET_IN_SYNC] = "in_sync",
	[PDH_FLEET_CHANGES] = "changes",
	[PDH_FLEET_APPLIED] = "applied",
	[PDH_FLEET_FAILED] = "failed",
	[PDH_FLEET_UNAVAILABLE] = "unavailable",
	[PDH_FLEET_REFUSED] = "refused",
	[PDH_FLEET_STALE] = "stale",
	[PDH_FLEET_SKIPPED] = "skipped",
	[PDH_FLEET_HEALTHY] = "healthy",
	[PDH_FLEET_UNHEALTHY] = "unhealthy",
	[PDH_FLEET_CLOSED] = "closed",
	[PDH_FLEET_REAUTHORIZE] = "reauthorize",
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
	case PDH_FLEET_SKIPPED:
	case PDH_FLEET_HEALTHY: return PDH_EXIT_OK;
	case PDH_FLEET_CHANGES:
	case PDH_FLEET_UNHEALTHY: return PDH_EXIT_CHANGES;
	case PDH_FLEET_UNAVAILABLE: return PDH_EXIT_UNAVAILABLE;
	case PDH_FLEET_REFUSED: return PDH_EXIT_BRAKE;
	case PDH_FLEET_STALE: return PDH_EXIT_STALE;
	default: return PDH_EXIT_ERROR;
	}
}

pdh_fleet_outcome pdh_fleet_outcome_of(int core_rc)
{
	if (core_rc == PDH_EREAUTH)
		return PDH_FLEET_REAUTHORIZE;
	switch (pdh_exit_of(core_rc)) {
	case PDH_EXIT_UNAVAILABLE: return PDH_FLEET_UNAVAILABLE;
	case PDH_EXIT_BRAKE: return PDH_FLEET_REFUSED;
	case PDH_EXIT_STALE: return PDH_FLEET_STALE;
	default: return PDH_FLEET_FAILED;
	}
}

pdh_fleet_outcome pdh_fleet_outcome_of_error(int core_rc, const pdh_error *err)
{
	if (core_rc != 0 && err != NULL && err->http_status == 402)
		return PDH_FLEET_CLOSED;
	return pdh_fleet_outcome_of(core_rc);
}

int pdh_fleet_exit_code(const int *codes, size_t n, bool detailed)
{
	return pdh_exit_fleet(codes, n, detailed);
}
