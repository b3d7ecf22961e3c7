/* The secrets pdhooks knows in one run — the API token, webhook passwords, and every value a
 * ${VAR} read from the environment — and the one scrubber that replaces them in any text
 * before it is shown (server messages, live URLs and names in plans, apply's output). */
#ifndef PDHOOKS_SECRETS_H
#define PDHOOKS_SECRETS_H

#include <stddef.h>

typedef struct pdh_secrets pdh_secrets;

/* An empty set. Caller frees with pdh_secrets_free (which wipes the values). */
pdh_secrets *pdh_secrets_new(void);
void pdh_secrets_free(pdh_secrets *s);

/* Values shorter than this are not searched for: a text is full of 1-3 character runs
 * (replacing them would garble every message and the ${VAR} references themselves), and such
 * a value guards nothing. */
#define PDH_SECRET_MIN_LEN 4

/* Adds value, to be shown as shown_as (e.g. "${ZAP_ID}", "***", "(sensitive)"); both copied.
 * Also its JSON-escaped forms (with and without "\/"), as a server echoing a request body
 * writes them. A NULL value or one shorter than PDH_SECRET_MIN_LEN is ignored; a value
 * already present keeps its first shown_as. */
void pdh_secrets_add(pdh_secrets *s, const char *value, const char *shown_as);
/* Adds value as is, whatever its length (an API token: a credential, never a fragment). */
void pdh_secrets_add_credential(pdh_secrets *s, const char *value, const char *shown_as);
/* Adds every entry of from (NULL: nothing). */
void pdh_secrets_merge(pdh_secrets *s, const pdh_secrets *from);
size_t pdh_secrets_count(const pdh_secrets *s);
/* A new set with fn applied to every value and its shown form (fn returns a new string),
 * for scrubbing a text after an escaping step, e.g. Markdown's. NULL s gives an empty set.
 * Caller frees. */
pdh_secrets *pdh_secrets_transform(const pdh_secrets *s, char *(*fn)(const char *));

/* text (len bytes) with every occurrence of every secret replaced, the longest first, so a
 * secret that contains another is replaced whole. s may be NULL (a copy). Caller frees. */
char *pdh_secrets_scrub_n(const pdh_secrets *s, const char *text, size_t len);
/* The same for a NUL-terminated text; NULL gives NULL. */
char *pdh_secrets_scrub(const pdh_secrets *s, const char *text);

#endif
