/* "Did you mean" for the desired-file loader: the known word closest to a misspelt one.
 * Private to core/. */
#ifndef PDH_DESIRED_SUGGEST_H
#define PDH_DESIRED_SUGGEST_H

/* The closest of list (NULL-terminated) to s, or NULL when none is close: within two edits (and
 * less than half the word), or the word is the end of a longer name ("url" ->
 * "subscription_url"). Edits are counted ignoring case, an adjacent transposition is one. */
const char *pdh_suggest_closest(const char *s, const char *const *list);

#endif
