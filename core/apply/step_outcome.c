/* How a step ended, and its names (apply.h). */
#include "pdhooks/apply.h"

static const struct {
	const char *name;   /* JSON */
	const char *word;   /* text */
} S_outcomes[] = {
	[PDH_STEP_OUT_CREATED] = { "created", "created" },
	[PDH_STEP_OUT_DELETED] = { "deleted", "deleted" },
	[PDH_STEP_OUT_ALREADY_GONE] = { "already_gone", "gone" },
	[PDH_STEP_OUT_FOUND_BY_LISTING] = { "found_by_listing", "created" },
	[PDH_STEP_OUT_FAILED] = { "failed", "failed" },
	[PDH_STEP_OUT_NOT_RUN] = { "not_run", "not run" },
};

pdh_step_outcome pdh_step_outcome_of(const pdh_apply_step *st)
{
	switch (st->state) {
	case PDH_STEP_DONE:
		if (st->already_gone)
			return PDH_STEP_OUT_ALREADY_GONE;
		if (st->found_by_listing)
			return PDH_STEP_OUT_FOUND_BY_LISTING;
		return st->kind == PDH_STEP_CREATE ? PDH_STEP_OUT_CREATED : PDH_STEP_OUT_DELETED;
	case PDH_STEP_NOT_RUN:
		return PDH_STEP_OUT_NOT_RUN;
	case PDH_STEP_FAILED:
		break;
	}
	return PDH_STEP_OUT_FAILED;
}

const char *pdh_step_outcome_name(pdh_step_outcome o)
{
	return (unsigned)o <= PDH_STEP_OUT_NOT_RUN ? S_outcomes[o].name : "failed";
}

const char *pdh_step_outcome_word(pdh_step_outcome o)
{
	return (unsigned)o <= PDH_STEP_OUT_NOT_RUN ? S_outcomes[o].word : "failed";
}
