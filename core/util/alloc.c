#include "pdhooks/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void S_oom(size_t size)
{
	fprintf(stderr, "pdhooks: out of memory (%zu bytes)\n", size);
	abort();
}

void *pdh_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		S_oom(size);
	return p;
}

void *pdh_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		S_oom(n * size);
	return p;
}

void *pdh_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		S_oom(size);
	return p;
}

void *pdh_xgrow(void *ptr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;

	if (need <= *cap)
		return ptr;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			S_oom(SIZE_MAX);
		n *= 2;
	}
	if (size != 0 && n > SIZE_MAX / size)
		S_oom(SIZE_MAX);
	ptr = pdh_xrealloc(ptr, n * size);
	*cap = n;
	return ptr;
}

char *pdh_xstrdup(const char *s)
{
	return s ? pdh_xstrndup(s, strlen(s)) : NULL;
}

char *pdh_xstrndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = pdh_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pdh_xvasprintf(const char *fmt, va_list ap)
{
	va_list copy;
	int len;
	char *p;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		S_oom(0);
	p = pdh_xmalloc((size_t)len + 1);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

/* Called through a volatile pointer, so the stores stay even when free() follows. */
static void *(*const volatile S_memset)(void *, int, size_t) = memset;

void pdh_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		S_memset(p, 0, n);
}

void pdh_free_secret(char *s)
{
	if (s == NULL)
		return;
	pdh_wipe(s, strlen(s));
	free(s);
}

char *pdh_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = pdh_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void pdh_free_strings(char **v, size_t n)
{
	if (v != NULL)
		pdh_free_list((void *const *)v, n);
	free(v);
}

void pdh_free_list(void *const *ptrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ptrs[i]);
}
