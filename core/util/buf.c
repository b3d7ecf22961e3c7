#include "pdhooks/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"

static int S_reserve(pdh_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (b->max != 0 && b->len + extra > b->max)
		return -1;
	b->data = pdh_xgrow(b->data, &b->cap, need, 1);
	return 0;
}

int pdh_buf_append(pdh_buf *b, const void *data, size_t len)
{
	if (S_reserve(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int pdh_buf_puts(pdh_buf *b, const char *s)
{
	return pdh_buf_append(b, s, strlen(s));
}

int pdh_buf_putc(pdh_buf *b, char c)
{
	return pdh_buf_append(b, &c, 1);
}

int pdh_buf_printf(pdh_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	char *s;
	int n, rc;

	/* Most pieces are short: formatted on the stack, no allocation of their own. */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(small))
		return pdh_buf_append(b, small, strlen(small));
	va_start(ap, fmt);
	s = pdh_xvasprintf(fmt, ap);
	va_end(ap);
	rc = pdh_buf_puts(b, s);
	free(s);
	return rc;
}

const char *pdh_buf_cstr(const pdh_buf *b)
{
	return b->data ? b->data : "";
}

void pdh_buf_reset(pdh_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *pdh_buf_detach(pdh_buf *b)
{
	char *p = b->data ? b->data : pdh_xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void pdh_buf_dispose(pdh_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
