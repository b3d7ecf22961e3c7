/* Allocation that cannot fail: on out-of-memory these print one line to stderr and abort
 * (as tmux's xmalloc does). A CLI that runs for seconds has nothing better to do, and every
 * caller is spared an error path that could never be tested. */
#ifndef PDHOOKS_ALLOC_H
#define PDHOOKS_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

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

#endif
