#include "util/text.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"

size_t pdh_utf8_decode(const char *p, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t c, min;
	size_t len;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t pdh_utf8_fit(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

size_t pdh_text_break_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	if (n == 0)
		return 0;
	if (s[0] == '\n')
		return 1;
	if (s[0] == '\r')
		return n > 1 && s[1] == '\n' ? 2 : 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0x85)
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	return 0;
}

void pdh_lines_init(pdh_lines *l, const char *text, size_t len)
{
	size_t cap = 0;

	l->starts = NULL;
	l->n = 0;
	l->text = text;
	l->len = len;
	l->starts = pdh_xgrow(l->starts, &cap, 1, sizeof(size_t));
	/* A byte order mark is not part of line 1 (libyaml does not count it either). */
	l->starts[l->n++] = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (size_t i = l->starts[0]; i < len;) {
		size_t b = pdh_text_break_len(text + i, len - i);
		if (b == 0) {
			i++;
			continue;
		}
		i += b;
		l->starts = pdh_xgrow(l->starts, &cap, l->n + 1, sizeof(size_t));
		l->starts[l->n++] = i;
	}
}

void pdh_lines_dispose(pdh_lines *l)
{
	if (l == NULL)
		return;
	free(l->starts);
	l->starts = NULL;
	l->n = 0;
}

const char *pdh_lines_get(const pdh_lines *l, int line, size_t *len)
{
	size_t start, end;

	if (line < 1 || (size_t)line > l->n)
		return NULL;
	start = l->starts[line - 1];
	end = start;
	while (end < l->len && pdh_text_break_len(l->text + end, l->len - end) == 0)
		end++;
	*len = end - start;
	return l->text + start;
}

size_t pdh_text_col_offset(const char *line, size_t len, int col)
{
	size_t off = 0;

	for (int c = 1; c < col && off < len; c++) {
		uint32_t cp;
		size_t n = pdh_utf8_decode(line + off, len - off, &cp);
		off += n ? n : 1;
	}
	return off < len ? off : len;
}

size_t pdh_lines_offset(const pdh_lines *l, int line, int col)
{
	size_t len;
	const char *s = pdh_lines_get(l, line, &len);

	if (s == NULL)
		return (size_t)-1;
	return (size_t)(s - l->text) + pdh_text_col_offset(s, len, col);
}

bool pdh_text_set(const char *s)
{
	return s != NULL && *s != '\0';
}
