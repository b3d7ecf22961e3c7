#include "util/escape.h"

#include <string.h>

#include "pdhooks/alloc.h"
#include "util/text.h"

bool pdh_escape_is_hostile(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

void pdh_escape_display(pdh_buf *b, const char *s)
{
	size_t n, i = 0;

	if (s == NULL)
		return;
	n = strlen(s);
	while (i < n) {
		uint32_t cp;
		size_t run = i, l;

		/* printable ASCII in one piece: the common case costs one append */
		while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f)
			run++;
		if (run > i) {
			pdh_buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		l = pdh_utf8_decode(s + i, n - i, &cp);
		if (l == 0) {
			pdh_buf_printf(b, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (!pdh_escape_is_hostile(cp))
			pdh_buf_append(b, s + i, l);
		else if (cp < 0x80)
			pdh_buf_printf(b, "\\x%02x", (unsigned)cp);
		else
			pdh_buf_printf(b, "\\u{%04X}", (unsigned)cp);
		i += l;
	}
}

char *pdh_escape_display_dup(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_escape_display(&b, s ? s : "");
	return pdh_buf_detach(&b);
}

uint32_t pdh_escape_first_hostile(const char *s)
{
	size_t n, i = 0;

	if (s == NULL)
		return 0;
	n = strlen(s);
	while (i < n) {
		uint32_t cp;
		size_t l = pdh_utf8_decode(s + i, n - i, &cp);
		if (l == 0)
			return 0xfffd;
		if (pdh_escape_is_hostile(cp))
			return cp;
		i += l;
	}
	return 0;
}

const char *pdh_escape_name(uint32_t cp)
{
	switch (cp) {
	case 0x061c: return "ARABIC LETTER MARK";
	case 0x200b: return "ZERO WIDTH SPACE";
	case 0x200c: return "ZERO WIDTH NON-JOINER";
	case 0x200d: return "ZERO WIDTH JOINER";
	case 0x200e: return "LEFT-TO-RIGHT MARK";
	case 0x200f: return "RIGHT-TO-LEFT MARK";
	case 0x2028: return "LINE SEPARATOR";
	case 0x2029: return "PARAGRAPH SEPARATOR";
	case 0x202a: return "LEFT-TO-RIGHT EMBEDDING";
	case 0x202b: return "RIGHT-TO-LEFT EMBEDDING";
	case 0x202c: return "POP DIRECTIONAL FORMATTING";
	case 0x202d: return "LEFT-TO-RIGHT OVERRIDE";
	case 0x202e: return "RIGHT-TO-LEFT OVERRIDE";
	case 0x2066: return "LEFT-TO-RIGHT ISOLATE";
	case 0x2067: return "RIGHT-TO-LEFT ISOLATE";
	case 0x2068: return "FIRST STRONG ISOLATE";
	case 0x2069: return "POP DIRECTIONAL ISOLATE";
	case 0xfeff: return "ZERO WIDTH NO-BREAK SPACE";
	default: return NULL;
	}
}
