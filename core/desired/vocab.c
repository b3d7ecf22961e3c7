#include "pdhooks/vocab.h"

#include <string.h>

static const char *const actions_v1[] = { "added", "updated", "merged", "deleted", "*", NULL };
static const char *const actions_v2[] = { "create", "change", "delete", "*", NULL };
static const char *const objects_v1[] = { "activity", "activityType", "deal", "note",
	"organization", "person", "pipeline", "product", "stage", "user", "*", NULL };
static const char *const objects_v2[] = { "activity", "deal", "lead", "note", "organization",
	"person", "pipeline", "product", "stage", "user", "*", NULL };

static bool S_in(const char *const *list, const char *s)
{
	if (s == NULL)
		return false;
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool S_v1(const char *version)
{
	return version && strcmp(version, "1.0") == 0;
}

bool pdh_vocab_version_valid(const char *version)
{
	return version && (strcmp(version, "1.0") == 0 || strcmp(version, "2.0") == 0);
}

const char *const *pdh_vocab_actions(const char *version)
{
	return S_v1(version) ? actions_v1 : actions_v2;
}

const char *const *pdh_vocab_objects(const char *version)
{
	return S_v1(version) ? objects_v1 : objects_v2;
}

bool pdh_vocab_action_valid(const char *version, const char *action)
{
	return S_in(pdh_vocab_actions(version), action);
}

bool pdh_vocab_action_other_version(const char *version, const char *action)
{
	return !pdh_vocab_action_valid(version, action) &&
	       S_in(S_v1(version) ? actions_v2 : actions_v1, action);
}

bool pdh_vocab_object_known(const char *version, const char *object)
{
	return S_in(pdh_vocab_objects(version), object);
}

bool pdh_vocab_object_other_version(const char *version, const char *object)
{
	return !pdh_vocab_object_known(version, object) &&
	       S_in(S_v1(version) ? objects_v2 : objects_v1, object);
}
