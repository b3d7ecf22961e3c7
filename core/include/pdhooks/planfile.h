/* Saved plans: `pdhooks plan -o PLANFILE` writes the JSON plan (schemas/plan.schema.json) with
 * a "saved" member holding what `pdhooks apply PLANFILE` needs — the desired set as planned
 * and the options in force. A saved plan never holds a secret: passwords are kept as their
 * ${VAR} reference and read from the environment again when the plan is applied.
 *
 * Staleness: apply re-lists the live webhooks and refuses (PDH_ESTALE) when
 *   - the desired file at the recorded path is gone or its SHA-256 differs, or
 *   - the fingerprint of the owned live webhooks differs (a foreign one does not count), or
 *   - the plan recomputed from the saved desired set and today's listing is not the saved
 *     one (same actions, keys and live ids) — this also catches a changed live password,
 *     which the fingerprint leaves out. */
#ifndef PDHOOKS_PLANFILE_H
#define PDHOOKS_PLANFILE_H

#include <stddef.h>

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

#define PDH_PLANFILE_MAX_BYTES (64u * 1024u * 1024u)

/* The text of a saved plan. Refuses (PDH_EINVAL, nothing written) a desired set with a
 * password that is not made only of ${VAR} references (literal text or a ${VAR:-default}
 * would put the secret in the file). opts are those the plan was computed with (NULL: none).
 * Caller frees *out. */
int pdh_planfile_format(char **out, const pdh_plan *plan, const pdh_desired *desired,
                        const pdh_live *live, const pdh_plan_opts *opts, pdh_error *err);
/* Writes text to path (a temporary file renamed into place, mode 0600) and gives the
 * SHA-256 of the bytes written, the plan's digest. */
int pdh_planfile_save(const char *path, const char *text, char digest[65], pdh_error *err);

typedef struct pdh_planfile_action {
	pdh_action_kind kind;
	char *key;
	long long live_id;             /* -1 for a create */
} pdh_planfile_action;

typedef struct pdh_planfile {
	char digest[65];               /* SHA-256 of the saved bytes */
	char *desired_path;            /* the desired file, as given when planning */
	char desired_sha256[65];
	char live_fingerprint[65];
	pdh_desired *desired;          /* the desired set as planned, passwords read from the
	                                  environment at load time; owned */
	pdh_plan_opts opts;            /* the options in force when planning */
	pdh_planfile_action *actions;  /* the saved actions, in order */
	size_t n_actions;
} pdh_planfile;

/* Reads a saved plan strictly: anything but what pdh_planfile_format writes is PDH_EFILE with
 * a message naming what is wrong (never a crash, whatever the bytes). A password variable
 * unset now is PDH_EFILE naming the variable. env may be NULL (the process environment).
 * name is used in messages. Caller frees *out with pdh_planfile_free. */
int pdh_planfile_parse(pdh_planfile **out, const char *name, const char *data, size_t len,
                       const pdh_load_opts *env, pdh_error *err);
/* The same from a file (at most PDH_PLANFILE_MAX_BYTES; PDH_EIO when it cannot be read). */
int pdh_planfile_load(pdh_planfile **out, const char *path, const pdh_load_opts *env,
                      pdh_error *err);
void pdh_planfile_free(pdh_planfile *pf);

/* 0 when the desired file at pf->desired_path still has the saved SHA-256; PDH_ESTALE when
 * it changed or cannot be read. */
int pdh_planfile_check_desired(const pdh_planfile *pf, pdh_error *err);
/* Recomputes the plan from the saved desired set and live (today's listing). 0 with *out the
 * plan to apply (caller frees with pdh_plan_free; it borrows from pf and live) when it is
 * still the saved one; PDH_ESTALE when the owned live webhooks or the plan changed. */
int pdh_planfile_check_live(pdh_plan **out, const pdh_planfile *pf, const pdh_live *live,
                            pdh_error *err);

#endif
