/* Allocation that cannot fail: on out-of-memory these print one line to stderr and abort
 * (as tmux's xmalloc does). A CLI that runs for seconds has nothing better to do, and every
 * caller is spared an error path that could never be tested. */
#ifndef PDHOOKS_ALLOC_H
#define PDHOOKS_ALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

void *pdh_xmalloc(size_t size);
void *pdh_xcalloc(size_t n, size_t size);
void *pdh_xrealloc(void *ptr, size_t size);
/* Grows an array to hold at least `need` items of `size` bytes; *cap is updated. */
void *pdh_xgrow(void *ptr, size_t *cap, size_t need, size_t size);
char *pdh_xstrdup(const char *s);           /* NULL in, NULL out */
char *pdh_xstrndup(const char *s, size_t n);
char *pdh_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *pdh_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Overwrites n bytes in a way the compiler may not drop as a dead store before free(). */
void pdh_wipe(void *p, size_t n);
/* Wipes a NUL-terminated secret (token, password, a body holding one), then frees it.
 * NULL is fine. */
void pdh_free_secret(char *s);

/* Frees each of n pointers; NULLs are fine. Use it through PDH_FREE_ALL, which counts them:
 * a struct's owned strings are then freed in one statement, and a field added to the struct
 * is one more name in it. */
void pdh_free_list(void *const *ptrs, size_t n);
#define PDH_FREE_ALL(...)                                                                   \
	pdh_free_list((void *const[]){__VA_ARGS__},                                         \
	              sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* Frees an array of n strings and the strings in it. */
void pdh_free_strings(char **v, size_t n);

/* Frees the string field `field` of each of the n items of an array, then the array. */
#define PDH_FREE_EACH_FIELD(items, n, field)                                                \
	do {                                                                                \
		for (size_t pdh_each_ = 0; pdh_each_ < (n); pdh_each_++)                    \
			free((items)[pdh_each_].field);                                     \
		free(items);                                                                \
	} while (0)

/* Disposes each of the n items of an array with dispose(&items[i]), then frees the array:
 * the body of every "free a list of structs" function. */
#define PDH_FREE_EACH(items, n, dispose)                                                    \
	do {                                                                                \
		for (size_t pdh_each_ = 0; pdh_each_ < (n); pdh_each_++)                    \
			dispose(&(items)[pdh_each_]);                                       \
		free(items);                                                                \
	} while (0)

#endif
