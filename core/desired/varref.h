/* The ${VAR} syntax of the desired file: ${NAME}, ${NAME:-default} and $$, with NAME a letter or
 * '_' followed by letters, digits and '_'. The loader expands it; saved plans keep password
 * references written in it. Private to core/. */
#ifndef PDH_DESIRED_VARREF_H
#define PDH_DESIRED_VARREF_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/desired.h"

/* How many ${NAME} the len bytes at s are when they are one or more ${NAME} and nothing else
 * (no default, no other text); 0 otherwise. */
size_t pdh_varref_count_pure(const char *s, size_t len);

/* Whether the len bytes at s hold a ${ that is not an escaped $$. */
bool pdh_varref_contains(const char *s, size_t len);

/* Receives each problem of an expansion: at is the byte offset of its '$' in the text. */
typedef void (*pdh_varref_report_fn)(void *ctx, size_t at, const char *msg);

/* Expands ${VAR}, ${VAR:-default} (default also when VAR is empty, as in the shell) and $$ in
 * the len bytes at s, reading variables with getenv_fn (NULL: the process environment). Every
 * unset variable is reported; a malformed reference is reported and ends the expansion. Returns
 * the text (caller frees), or NULL after reporting. A lone '$' stays. */
char *pdh_varref_expand(const char *s, size_t len, pdh_getenv_fn getenv_fn, void *getenv_ctx,
                        pdh_varref_report_fn report, void *report_ctx);

#endif
