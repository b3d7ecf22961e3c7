/* The field checks of the desired-file loader, shared with the other YAML files pdhooks reads
 * (the fleet file): the same types, messages and "did you mean" for every file. They report
 * through pdh_tree_report() and carry on. Private to core/. */
#ifndef PDH_DESIRED_FIELDS_H
#define PDH_DESIRED_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"

#include "desired/tree.h"

/* "a list", "a mapping", "an integer", "a string", ... for messages. */
const char *pdh_field_describe(const pdh_node *n);
/* A scalar that YAML's core schema reads as a string (quoted, or plain and not null, a
 * boolean or a number). */
bool pdh_field_is_string(const pdh_node *n);
bool pdh_field_is_null(const pdh_node *n);
/* An integer within [min, max]: 0, or -1 after reporting. */
int pdh_field_integer(pdh_loader *L, const pdh_node *n, const char *what, long long min,
                      long long max, long long *out);
/* true or false: 0, or -1 after reporting. */
int pdh_field_boolean(pdh_loader *L, const pdh_node *n, const char *what, bool *out);
/* Each key of map looked up in allowed (NULL-terminated): found[i] / keys[i] get the value /
 * key node of allowed[i]; duplicate and unknown keys (with a suggestion) are reported. */
void pdh_field_keys(pdh_loader *L, const pdh_node *map, const char *where,
                    const char *const *allowed, const pdh_node **found, const pdh_node **keys);
/* The scalar's text single-quoted for a message, escapes visible, long text cut. Caller frees. */
char *pdh_field_quote(const pdh_node *n);

/* The load every YAML file of pdhooks goes through once L holds its text: the text's digest
 * into sha256 (65 bytes), the text checked and parsed into L's tree, check(ctx) run on a
 * parsed tree, the diagnostics sorted and the dropped ones reported last, and L's tree and
 * lines freed. PDH_OK if no error was added to the errors_before already in L->diags, else
 * PDH_EFILE with err set ("NAME does not load"; what when name is NULL). */
int pdh_field_load(pdh_loader *L, size_t errors_before, char *sha256, void (*check)(void *ctx),
                   void *ctx, const char *name, const char *what, pdh_error *err);

#endif
