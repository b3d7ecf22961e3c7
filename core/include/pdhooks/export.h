/* `pdhooks export`: the live general webhooks as a desired-state file. */
#ifndef PDHOOKS_EXPORT_H
#define PDHOOKS_EXPORT_H

#include <stddef.h>

#include "pdhooks/buf.h"
#include "pdhooks/live.h"

/* The schemas' stable URLs, one per release (each schema's $id; PDH_VERSION comes from
 * CMake's project version). */
#define PDH_SCHEMA_BASE_URL "https://raw.githubusercontent.com/pdhooks/pdhooks/v" PDH_VERSION "/schemas/"
/* The editor modeline's $schema by default: the file schema's URL, never a local path. */
#define PDH_EXPORT_SCHEMA_REF PDH_SCHEMA_BASE_URL "pdhooks.schema.json"
/* Placeholder variables for passwords: PDHOOKS_PASSWORD_1, _2, ... in file order. */
#define PDH_EXPORT_PASSWORD_VAR "PDHOOKS_PASSWORD_"

typedef struct pdh_export_opts {
	const char *schema_ref;   /* the editor modeline's $schema; NULL: PDH_EXPORT_SCHEMA_REF */
} pdh_export_opts;

typedef struct pdh_export_stats {
	size_t exported;          /* entries written */
	size_t passwords;         /* PDHOOKS_PASSWORD_<N> placeholders written (N = 1..passwords) */
	size_t skipped_duplicates;/* general webhooks left out: a second one with the same key */
	size_t skipped_foreign;   /* application, automation and other non-general webhooks */
} pdh_export_stats;

/* A desired-state file (`pdhooks: 1`) declaring every live webhook of type "general", one
 * entry per identity key (the best of duplicates: active, then lowest id), sorted by key,
 * with `manage.urls` set to their origins. Every string is double-quoted and escaped (and
 * `$` doubled, so that nothing is read back as a ${VAR}); names, version, user_id and
 * http_auth_user are kept; a password is never written: an entry that has one gets
 * `http_auth_password: "${PDHOOKS_PASSWORD_<N>}"` and a comment. opts and stats may be
 * NULL. Caller frees. */
char *pdh_export_yaml(const pdh_live *live, const pdh_export_opts *opts,
                      pdh_export_stats *stats);

/* s as a YAML double-quoted scalar, appended to b ("~" for NULL). `$` is doubled. */
void pdh_yaml_quote(pdh_buf *b, const char *s);

#endif
