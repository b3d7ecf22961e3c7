#include "util/quote.h"

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

char *pdh_quote(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;

	if (s == NULL)
		return pdh_xstrdup("null");
	pdh_buf_putc(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			pdh_buf_printf(&b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			pdh_buf_printf(&b, "\\x%02x", c);
		else
			pdh_buf_putc(&b, (char)c);
	}
	pdh_buf_putc(&b, '"');
	return pdh_buf_detach(&b);
}
