/* The plan: a pure function of (desired set, live listing, options) — no I/O. */
#ifndef PDHOOKS_PLAN_H
#define PDHOOKS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/health.h"
#include "pdhooks/live.h"

typedef enum {
	PDH_ACTION_CREATE,
	PDH_ACTION_REPLACE,  /* create the new webhook, then delete the live one */
	PDH_ACTION_DELETE
} pdh_action_kind;

typedef struct pdh_change {
	const char *attribute;         /* "name", "user_id", "version", "http_auth_user", ... */
	char *before;                  /* display text; "(sensitive)" for secrets */
	char *after;
	bool sensitive;
} pdh_change;

typedef struct pdh_action {
	pdh_action_kind kind;
	char *reason;                  /* "missing", "changed: user_id 1 -> 2", "inactive",
	                                  "duplicate", "not declared" */
	char *key;                     /* "action.object URL" with the URL normalised and redacted */
	const pdh_desired_webhook *desired; /* borrowed; set for create and replace */
	const pdh_live_webhook *live;       /* borrowed; set for replace and delete */
	pdh_change *changes;           /* replace because of attributes */
	size_t n_changes;
} pdh_action;

/* A live webhook the file owns, with its delivery health. */
typedef struct pdh_owned_webhook {
	const pdh_live_webhook *live;  /* borrowed */
	char *key;                     /* as pdh_plan_key shows it */
	pdh_health health;
	bool delivery_failed;          /* pdh_health_delivery_failed: plan notes these */
} pdh_owned_webhook;

typedef struct pdh_plan_opts {
	int max_deletes;               /* < 0: the file's manage.max_deletes */
} pdh_plan_opts;

typedef struct pdh_plan {
	pdh_action *actions;           /* deterministic order: by key, then live id */
	size_t n_actions;
	size_t n_create, n_replace, n_delete;
	const pdh_live_webhook **unchanged;  /* declared and matching; by key, then id */
	size_t n_unchanged;
	const pdh_live_webhook **foreign;    /* not ours: application/automation, or a general
	                                        webhook outside manage.urls */
	const char **foreign_reasons;        /* parallel to foreign, static strings:
	                                        "application", "automation", "other type",
	                                        "no type", "outside manage.urls" */
	size_t n_foreign;
	const pdh_live_webhook **unmanaged;  /* owned and undeclared, kept because prune is false */
	size_t n_unmanaged;
	char **notes;                  /* e.g. the password of X cannot be checked */
	size_t n_notes;
	char **warnings;
	size_t n_warnings;
	int max_deletes;               /* in force for this plan */
	size_t n_owned;                /* live general webhooks this file owns (declared or
	                                  inside manage.urls) */
	pdh_owned_webhook *owned;      /* those n_owned webhooks, by key, then id */
	size_t n_delivery_failed;      /* owned webhooks whose last delivery failed */
	bool brake;                    /* apply refuses this plan unless --force */
	char *brake_reason;            /* set when brake: why, with the numbers, e.g.
	                                  "it deletes 12 webhooks, more than max_deletes (10)" */
} pdh_plan;

/* Computes the plan. It borrows from desired and live, which must outlive it.
 * Caller frees with pdh_plan_free(). */
int pdh_plan_compute(pdh_plan **out, const pdh_desired *desired, const pdh_live *live,
                     const pdh_plan_opts *opts, pdh_error *err);
/* No action (unmanaged and foreign webhooks are not changes). */
bool pdh_plan_is_empty(const pdh_plan *p);
void pdh_plan_free(pdh_plan *p);

/* The identity key as shown to people: "action.object URL", the URL normalised (pdh_url_normalize)
 * and redacted (pdh_url_redact); a URL that does not parse shows as "(invalid URL)".
 * Caller frees. */
char *pdh_plan_key(const char *event_action, const char *event_object,
                   const char *subscription_url);

#endif
