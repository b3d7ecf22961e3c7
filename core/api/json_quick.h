/* A quick reader of the plain JSON Pipedrive answers with. Private to core/. */
#ifndef PDH_JSON_QUICK_H
#define PDH_JSON_QUICK_H

#include <jansson.h>
#include <stddef.h>

/* The tree json_loadb(text, len, JSON_REJECT_DUPLICATES, ...) gives (the same values, keys
 * in the same order), read without jansson's lexer; NULL when the text is not of the plain
 * form read here: a top-level object whose strings are printable ASCII without \u escapes,
 * whose numbers are integers of at most 18 digits, nested at most 32 deep, with no key twice.
 * On NULL the caller asks json_loadb, which reads the rest and words every error. */
json_t *pdh_json_quick_load(const char *text, size_t len);

/* jansson's allocations from an arena of the calling thread, between pdh_json_quick_begin
 * and pdh_json_quick_end, released at once by the end (every value made in between must be
 * released before it, and none may reach another thread): one arena block instead of a malloc
 * and a free per key and value of a listing. pdh_json_quick_init hands jansson the allocator
 * (malloc and free outside an arena); call it while no other thread uses jansson, e.g. before
 * a fleet's threads start. Without it, begin and end do nothing. */
void pdh_json_quick_init(void);
void pdh_json_quick_begin(void);
void pdh_json_quick_end(void);
/* The bytes this thread's arena holds now (0 outside begin and end). */
size_t pdh_json_quick_arena_bytes(void);

#endif
