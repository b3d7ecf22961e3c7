/* Walking a test-data directory: each file whose name ends in a suffix (a golden case). */
#ifndef PDH_T_EACH_FILE_H
#define PDH_T_EACH_FILE_H

#include <stddef.h>

/* One file of the walk: its directory, its name, and the length of the name without the
 * suffix; ctx as given. */
typedef void pdh_t_each_fn(const char *dir, const char *name, size_t stem, void *ctx);

/* Calls fn for each entry of dir whose name is longer than suffix and ends in it, in
 * readdir's order; returns how many. Aborts the test (cr_assert) when dir does not open. */
int pdh_t_each_file(const char *dir, const char *suffix, pdh_t_each_fn *fn, void *ctx);

#endif
