/* Pipedrive's webhook vocabularies, by webhook version ("1.0" or "2.0"). */
#ifndef PDHOOKS_VOCAB_H
#define PDHOOKS_VOCAB_H

#include <stdbool.h>

bool pdh_vocab_version_valid(const char *version);       /* "1.0" or "2.0" */
bool pdh_vocab_action_valid(const char *version, const char *action);
/* Whether action belongs to the other version's vocabulary (v1 name used with 2.0 or reverse). */
bool pdh_vocab_action_other_version(const char *version, const char *action);
bool pdh_vocab_object_known(const char *version, const char *object);
bool pdh_vocab_object_other_version(const char *version, const char *object);
/* NULL-terminated lists, for messages ("expected one of ...") and "did you mean". */
const char *const *pdh_vocab_actions(const char *version);
const char *const *pdh_vocab_objects(const char *version);

#endif
