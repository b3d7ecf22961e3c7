/* The ${VAR} syntax of the desired file: ${NAME}, ${NAME:-default} (the default may itself hold
 * references: ${A:-${B}}) and $$, with NAME a letter or '_' followed by letters, digits and '_'.
 * The loader expands it; saved plans keep references written in it. Private to core/. */
#ifndef PDH_DESIRED_VARREF_H
#define PDH_DESIRED_VARREF_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/desired.h"

/* Defaults nest at most this deep: ${A:-${B:-${C...}}}. */
#define PDH_VARREF_MAX_DEPTH 8

/* How many ${NAME} the len bytes at s are when they are one or more ${NAME} and nothing else
 * (no default, no other text); 0 otherwise. */
size_t pdh_varref_count_pure(const char *s, size_t len);

/* Whether the len bytes at s are exactly one reference, ${NAME} or ${NAME:-default}, and
 * nothing else: the form a typed key (user_id: ${PD_USER_ID}) accepts. name_out (may be
 * NULL) gets NAME (caller frees). */
bool pdh_varref_is_single(const char *s, size_t len, char **name_out);

/* Whether the len bytes at s hold a ${ that is not an escaped $$. */
bool pdh_varref_contains(const char *s, size_t len);

/* Receives each problem of an expansion: at is the byte offset of its '$' in the text. */
typedef void (*pdh_varref_report_fn)(void *ctx, size_t at, const char *msg);

/* What one expansion gave. */
typedef struct pdh_varref_out {
	char *value;      /* the text to use (caller frees with pdh_free_secret) */
	char *shown;      /* the text to show: each part read from the environment as its ${NAME}
	                   * reference; vars and defaults (written in git) as their value.
	                   * Caller frees */
	bool from_env;    /* some part was read from the environment */
	bool unread;      /* opts->no_env: some reference was not read (value holds ${NAME} or
	                   * its default in its place) */
} pdh_varref_out;

void pdh_varref_out_dispose(pdh_varref_out *o);

/* Expands the len bytes at s with the lookup of opts (NULL: the process environment): a
 * variable is looked up in opts->vars first, then opts->getenv (NULL: getenv()); with
 * opts->no_env the environment is not read and an unset variable is no error. A default is
 * used when the variable is unset or empty, as in the shell. Every unset variable is
 * reported; a malformed reference is reported and ends the expansion. Each value read from
 * the environment is added to secrets (may be NULL), shown as its ${NAME}. Returns 0 with *out
 * filled, or -1 after reporting (*out empty). A lone '$' stays. */
int pdh_varref_expand(pdh_varref_out *out, const char *s, size_t len, const pdh_load_opts *opts,
                      struct pdh_secrets *secrets, pdh_varref_report_fn report, void *report_ctx);

#endif
