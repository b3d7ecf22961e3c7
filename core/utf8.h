/* UTF-8 checks shared by the writers of JSON and YAML. */
#ifndef PDH_UTF8_H
#define PDH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, looking at no more than n bytes; 0
 * when the bytes there are not one. *cp (may be NULL) gets the code point. */
size_t pdh_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

#endif
