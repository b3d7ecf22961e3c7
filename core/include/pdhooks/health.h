/* Delivery health of a live webhook, from what the listing reports about its last delivery.
 * Pure, so every case is a row of a unit test. Pipedrive deletes a webhook after 3 days
 * without a successful delivery; this is how pdhooks warns first. */
#ifndef PDHOOKS_HEALTH_H
#define PDHOOKS_HEALTH_H

#include <stdbool.h>

#include "pdhooks/live.h"

typedef enum {
	PDH_HEALTH_OK,        /* the last delivery was answered 2xx */
	PDH_HEALTH_FAILING,   /* the last delivery was answered otherwise, or not at all */
	PDH_HEALTH_NEVER,     /* no delivery yet */
	PDH_HEALTH_INACTIVE   /* is_active 0, whatever its deliveries */
} pdh_health;

#define PDH_HEALTH_COUNT 4

/* inactive (is_active 0) first; then a last_http_status of 200-299 is ok and any other
 * (0 included: no answer) failing; with no status, a last_delivery_time means a delivery that
 * got no answer (failing), and neither means never. */
pdh_health pdh_health_of(const pdh_live_webhook *w);
/* Whether the last delivery failed (non-2xx or no answer), active or not. */
bool pdh_health_delivery_failed(const pdh_live_webhook *w);
/* What the last delivery of w got, for people: "HTTP 500 at 2026-01-02T03:04:05Z", "no
 * answer at ...", "HTTP 500" (no time), "no delivery yet". Caller frees. */
char *pdh_health_last_delivery_text(const pdh_live_webhook *w);
/* "ok", "failing", "never", "inactive". */
const char *pdh_health_name(pdh_health h);

#endif
