/* `pdhooks export`: the live webhooks of the managed types as a desired-state file. */
#ifndef PDHOOKS_EXPORT_H
#define PDHOOKS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/buf.h"
#include "pdhooks/desired.h"
#include "pdhooks/live.h"

/* The schemas' stable URLs, one per release (each schema's $id; PDH_VERSION comes from
 * CMake's project version). */
#define PDH_SCHEMA_BASE_URL "https://raw.githubusercontent.com/pdhooks/pdhooks/v" PDH_VERSION "/schemas/"
/* The editor modeline's $schema by default: the file schema's URL, never a local path. */
#define PDH_EXPORT_SCHEMA_REF PDH_SCHEMA_BASE_URL "pdhooks.schema.json"
/* Placeholder variables for passwords: PDHOOKS_PASSWORD_1, _2, ... in file order. */
#define PDH_EXPORT_PASSWORD_VAR "PDHOOKS_PASSWORD_"
/* Placeholder variables for credentials in URLs (userinfo, query values): PDHOOKS_URL_SECRET_1,
 * _2, ... in file order. */
#define PDH_EXPORT_URL_SECRET_VAR "PDHOOKS_URL_SECRET_"

typedef struct pdh_export_opts {
	const char *schema_ref;   /* the editor modeline's $schema; NULL: PDH_EXPORT_SCHEMA_REF */
	unsigned types;           /* PDH_TYPE_* to export: what `plan` of the same credentials
	                             manages (pdh_plan_types), so that the file plans nothing;
	                             0: general */
	const char *owner;        /* --owner: manage.owner instead of manage.urls; NULL: each
	                             exported URL in manage.urls */
} pdh_export_opts;

typedef struct pdh_export_stats {
	size_t exported;          /* entries written */
	size_t passwords;         /* PDHOOKS_PASSWORD_<N> placeholders written (N = 1..passwords) */
	size_t skipped_duplicates;/* webhooks left out: a second one with the same key */
	size_t skipped_foreign;   /* of a type not exported: automation, and application ones
	                             under an API token */
	size_t skipped_owned;     /* marked with another owner ([pdhooks:OTHER]) */
	size_t url_secrets;       /* PDHOOKS_URL_SECRET_<N> placeholders written */
	size_t left_out_invalid;  /* webhooks left out: their entry would not load */
	bool load_failed;         /* the file does not load for a reason no entry explains */
	char **warnings;          /* one per webhook left out (and load_failed's reasons) */
	size_t n_warnings;
} pdh_export_stats;

/* Frees the warnings of st (the struct itself is the caller's). */
void pdh_export_stats_dispose(pdh_export_stats *st);

/* A desired-state file (`pdhooks: 1`) declaring every live webhook of opts->types (general,
 * and application under an app's OAuth token), one
 * entry per identity key (the best of duplicates: active, then lowest id), sorted by key,
 * with `manage.urls` listing each exported URL (up to its query; never a whole host), or,
 * with opts->owner, `manage.owner` instead. Webhooks marked with another owner are not
 * exported (counted in skipped_owned); names are written without their marker. Every
 * string is double-quoted and escaped (and
 * `$` doubled, so that nothing is read back as a ${VAR}); names, version, user_id and
 * http_auth_user are kept; a password is never written: an entry that has one gets
 * `http_auth_password: "${PDHOOKS_PASSWORD_<N>}"` and a comment, and so are credentials in a
 * URL (userinfo, each query value: `${PDHOOKS_URL_SECRET_<N>}`). The text is loaded as
 * `plan` would load it (every placeholder counted as set) before it is returned: an entry
 * that would not load (a 300-character name, version "3.0") is left out, with a comment in
 * the file and a warning in stats (left_out_invalid). opts and stats may be NULL; stats'
 * warnings are the caller's (pdh_export_stats_dispose). Caller frees the text. */
char *pdh_export_yaml(const pdh_live *live, const pdh_export_opts *opts,
                      pdh_export_stats *stats);

/* s as a YAML double-quoted scalar, appended to b ("~" for NULL). `$` is doubled. */
void pdh_yaml_quote(pdh_buf *b, const char *s);

#endif
