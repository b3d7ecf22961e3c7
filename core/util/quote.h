/* Values shown to people in plans: strings quoted with escapes, so a name with a quote, a
 * newline or a terminal escape cannot forge or break an output line. */
#ifndef PDH_QUOTE_H
#define PDH_QUOTE_H

/* "text" with \" \\, \xNN for control bytes and bytes that are not UTF-8, and \u{XXXX} for
 * the other characters util/escape.h calls hostile; "null" for NULL. Caller frees. */
char *pdh_quote(const char *s);

#endif
