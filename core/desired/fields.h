/* The field checks of the desired-file loader, shared with the other YAML files pdhooks reads
 * (the fleet file): the same types, messages and "did you mean" for every file. They report
 * through pdh_tree_report() and carry on. Private to core/. */
#ifndef PDH_DESIRED_FIELDS_H
#define PDH_DESIRED_FIELDS_H

#include <stdbool.h>

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

#endif
