/* Delivery health of a live webhook (health.h). */
#include "pdhooks/health.h"

#include <stddef.h>
#include <stdlib.h>

#include "pdhooks/alloc.h"
#include "util/escape.h"

bool pdh_health_delivery_failed(const pdh_live_webhook *w)
{
	if (w->has_last_http_status)
		return w->last_http_status < 200 || w->last_http_status > 299;
	return w->last_delivery_time != NULL && w->last_delivery_time[0] != '\0';
}

pdh_health pdh_health_of(const pdh_live_webhook *w)
{
	if (!w->is_active)
		return PDH_HEALTH_INACTIVE;
	if (pdh_health_delivery_failed(w))
		return PDH_HEALTH_FAILING;
	if (w->has_last_http_status)
		return PDH_HEALTH_OK;
	return PDH_HEALTH_NEVER;
}

const char *pdh_health_name(pdh_health h)
{
	switch (h) {
	case PDH_HEALTH_OK: return "ok";
	case PDH_HEALTH_FAILING: return "failing";
	case PDH_HEALTH_NEVER: return "never";
	case PDH_HEALTH_INACTIVE: return "inactive";
	}
	return "?";
}

char *pdh_health_last_delivery_text(const pdh_live_webhook *w)
{
	/* The time is Pipedrive's text: shown with control and bidi characters escaped. */
	char *t = w->last_delivery_time && w->last_delivery_time[0]
	          ? pdh_escape_display_dup(w->last_delivery_time) : NULL;
	char *text;

	if (w->has_last_http_status && w->last_http_status != 0)
		text = t ? pdh_xasprintf("HTTP %lld at %s", w->last_http_status, t)
		         : pdh_xasprintf("HTTP %lld", w->last_http_status);
	else if (t || w->has_last_http_status)
		text = t ? pdh_xasprintf("no answer at %s", t) : pdh_xstrdup("no answer");
	else
		text = pdh_xstrdup("no delivery yet");
	free(t);
	return text;
}
