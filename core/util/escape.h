/* Text from Pipedrive or the desired file shown to people (text and Markdown plans, apply's
 * output): control characters and invisible formatting characters, the right-to-left
 * override among them, are escaped so that a reviewer sees the bytes, not what a terminal or
 * a browser makes of them. The one place that decides what is "hostile". Private to core/. */
#ifndef PDH_ESCAPE_H
#define PDH_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdhooks/buf.h"

/* Whether code point cp is shown escaped: C0 and C1 controls, DEL, and the invisible
 * formatting and bidirectional controls (U+061C, U+200B-U+200F, U+2028-U+202E,
 * U+2060-U+2069, U+FEFF). */
bool pdh_escape_is_hostile(uint32_t cp);
/* Appends s to b with each hostile code point written \u{XXXX} (\xNN for C0 controls and
 * DEL) and each byte that is not UTF-8 written \xNN; a backslash is not touched, so text
 * that is already plain reads the same. */
void pdh_escape_display(pdh_buf *b, const char *s);
/* The same as a new string. Caller frees. */
char *pdh_escape_display_dup(const char *s);
/* The first hostile code point in s, or 0 when there is none (or an invalid UTF-8 byte:
 * 0xFFFD). */
uint32_t pdh_escape_first_hostile(const char *s);
/* Unicode's name of a hostile code point for messages ("RIGHT-TO-LEFT OVERRIDE"), or NULL. */
const char *pdh_escape_name(uint32_t cp);

#endif
