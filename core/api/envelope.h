/* Private to core/: Pipedrive's answer envelope {"success": true, "data": ...}, read by the
 * listing's strict rules for every answer parsed (api/live.c, api/users_me.c). */
#ifndef PDHOOKS_API_ENVELOPE_H
#define PDHOOKS_API_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>

#include "pdhooks/error.h"

/* Parses body as JSON into *root (the caller's, json_decref, set even on some errors) with
 * success true and a "data" member (*data, borrowed from *root); PDH_EPROTO otherwise, with
 * Pipedrive's own error text when it gave one. what names the answer in messages. */
int pdh_api_envelope(json_t **root, json_t **data, const char *body, size_t len,
                     const char *what, pdh_error *err);

#endif
