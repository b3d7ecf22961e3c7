#include "util/quote.h"

#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "util/escape.h"
#include "util/text.h"

char *pdh_quote(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t n, i = 0;

	if (s == NULL)
		return pdh_xstrdup("null");
	n = strlen(s);
	pdh_buf_putc(&b, '"');
	while (i < n) {
		uint32_t cp;
		size_t l = pdh_utf8_decode(s + i, n - i, &cp);
		if (l == 0) {
			pdh_buf_printf(&b, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			pdh_buf_printf(&b, "\\%c", (char)cp);
		} else if (pdh_escape_is_hostile(cp)) {
			char one[5] = { 0 };
			memcpy(one, s + i, l);
			pdh_escape_display(&b, one);
		} else {
			pdh_buf_append(&b, s + i, l);
		}
		i += l;
	}
	pdh_buf_putc(&b, '"');
	return pdh_buf_detach(&b);
}
