/* A growable byte buffer, always NUL-terminated. A zeroed pdh_buf is a valid empty buffer.
 * `max` (0 = unlimited) caps its size: appends past it fail, so response bodies stay bounded. */
#ifndef PDHOOKS_BUF_H
#define PDHOOKS_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pdh_buf {
	char *data;   /* NULL until the first append; pdh_buf_cstr() never returns NULL */
	size_t len;
	size_t cap;
	size_t max;
} pdh_buf;

#define PDH_BUF_INIT { NULL, 0, 0, 0 }

/* Return 0, or -1 when the append would pass `max` (the buffer is then unchanged). */
int pdh_buf_append(pdh_buf *b, const void *data, size_t len);
int pdh_buf_puts(pdh_buf *b, const char *s);
int pdh_buf_putc(pdh_buf *b, char c);
int pdh_buf_printf(pdh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pdh_buf_cstr(const pdh_buf *b);
void pdh_buf_reset(pdh_buf *b);               /* len = 0, keeps memory */
char *pdh_buf_detach(pdh_buf *b);             /* caller frees; buffer becomes empty */
void pdh_buf_dispose(pdh_buf *b);

#endif
