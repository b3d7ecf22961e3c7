/* Text helpers shared by the loader, the diagnostics renderer and the settings readers: UTF-8 decoding and lines
 * counted as libyaml counts them (LF, CR, CRLF, NEL, LS, PS end a line; columns count code
 * points), so a libyaml mark can be turned back into a byte offset. Private to core/. */
#ifndef PDH_TEXT_H
#define PDH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether s is set: not NULL and not empty (an option or variable given as "" is unset). */
bool pdh_text_set(const char *s);

/* Decodes one UTF-8 sequence at p (n bytes available) into *cp. Returns its length (1-4), or
 * 0 when the bytes are not well-formed UTF-8 (overlong, surrogate, past U+10FFFF, cut short). */
size_t pdh_utf8_decode(const char *p, size_t n, uint32_t *cp);

/* The length of the longest start of s (len bytes) that is at most max bytes and ends on a
 * character boundary (no UTF-8 sequence cut): len when len <= max. */
size_t pdh_utf8_fit(const char *s, size_t len, size_t max);

/* The length of the line break at p (0 when p does not start one). */
size_t pdh_text_break_len(const char *p, size_t n);

/* Byte offsets of the starts of lines: starts[0] is line 1 (0, or 3 after a byte order mark). */
typedef struct pdh_lines {
	size_t *starts;
	size_t n;
	const char *text;
	size_t len;
} pdh_lines;

void pdh_lines_init(pdh_lines *l, const char *text, size_t len);
void pdh_lines_dispose(pdh_lines *l);
/* The bytes of 1-based line `line` without its break; NULL when there is no such line. */
const char *pdh_lines_get(const pdh_lines *l, int line, size_t *len);
/* The byte offset of 1-based (line, col) in the text, clamped to the end of that line;
 * (size_t)-1 when the line does not exist. */
size_t pdh_lines_offset(const pdh_lines *l, int line, int col);
/* The byte offset inside a line of 1-based column col (code points), clamped to the line. */
size_t pdh_text_col_offset(const char *line, size_t len, int col);

#endif
