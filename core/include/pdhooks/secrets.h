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

/* Adds value, to be shown as shown_as (e.g. "${ZAP_ID}", "***", "(sensitive)"); both copied.
 * Also its JSON-escaped forms (with and without "\/"), as a server echoing a request body
 * writes them. An empty or NULL value is ignored; a value already present keeps its first
 * shown_as. */
void pdh_secrets_add(pdh_secrets *s, const char *value, const char *shown_as);
/* Adds every entry of from (NULL: nothing). */
void pdh_secrets_merge(pdh_secrets *s, const pdh_secrets *from);
size_t pdh_secrets_count(const pdh_secrets *s);

/* text (len bytes) with every occurrence of every secret replaced, the longest first, so a
 * secret that contains another is replaced whole. s may be NULL (a copy). Caller frees. */
char *pdh_secrets_scrub_n(const pdh_secrets *s, const char *text, size_t len);
/* The same for a NUL-terminated text; NULL gives NULL. */
char *pdh_secrets_scrub(const pdh_secrets *s, const char *text);

#endif
