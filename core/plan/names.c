/* The tables of names.h. */
#include "pdhooks/names.h"

#include <string.h>

static const char *const S_kinds[] = {
	[PDH_ACTION_CREATE] = "create",
	[PDH_ACTION_REPLACE] = "replace",
	[PDH_ACTION_DELETE] = "delete",
};

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

const char *pdh_action_kind_name(pdh_action_kind k)
{
	return (unsigned)k < S_N(S_kinds) ? S_kinds[k] : "delete";
}

int pdh_action_kind_parse(const char *name)
{
	for (size_t i = 0; name && i < S_N(S_kinds); i++)
		if (strcmp(S_kinds[i], name) == 0)
			return (int)i;
	return -1;
}

const char *const pdh_webhook_type_names[] = { "general", "application", NULL };
static const unsigned S_type_bits[] = { PDH_TYPE_GENERAL, PDH_TYPE_APPLICATION };

const char *pdh_webhook_type_name(unsigned type)
{
	for (size_t i = 0; i < S_N(S_type_bits); i++)
		if (S_type_bits[i] == type)
			return pdh_webhook_type_names[i];
	return NULL;
}

unsigned pdh_webhook_type_of(const char *name)
{
	for (size_t i = 0; name && i < S_N(S_type_bits); i++)
		if (strcmp(pdh_webhook_type_names[i], name) == 0)
			return S_type_bits[i];
	return 0;
}

static const char *const S_reason_codes[PDH_REASON_N] = {
	[PDH_REASON_MISSING] = "missing",
	[PDH_REASON_CHANGED] = "changed",
	[PDH_REASON_INACTIVE] = "inactive",
	[PDH_REASON_DUPLICATE] = "duplicate",
	[PDH_REASON_NOT_DECLARED] = "not_declared",
	[PDH_REASON_ROTATED] = "rotated",
	[PDH_REASON_ADOPT] = "adopt",
	[PDH_REASON_TAKEOVER] = "takeover",
};

const char *pdh_reason_code(pdh_reason r)
{
	return (unsigned)r < PDH_REASON_N ? S_reason_codes[r] : "unknown";
}
