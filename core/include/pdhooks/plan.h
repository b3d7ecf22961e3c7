/* The plan: a pure function of (desired set, live listing, options) — no I/O. */
#ifndef PDHOOKS_PLAN_H
#define PDHOOKS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/credentials.h"
#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/health.h"
#include "pdhooks/limits.h"
#include "pdhooks/live.h"
#include "pdhooks/secrets.h"

typedef enum {
	PDH_ACTION_CREATE,
	PDH_ACTION_REPLACE,  /* create the new webhook, then delete the live one */
	PDH_ACTION_DELETE
} pdh_action_kind;

/* Why an action is planned: the first reason of its text (a replace may have several, as in
 * "inactive; changed: user_id 1 -> 2"). Other modules read this, never the text. */
typedef enum {
	PDH_REASON_MISSING,            /* "missing": declared, not live */
	PDH_REASON_CHANGED,            /* "changed: user_id 1 -> 2" */
	PDH_REASON_INACTIVE,           /* "inactive" */
	PDH_REASON_DUPLICATE,          /* "duplicate": another copy of the key stays */
	PDH_REASON_NOT_DECLARED,       /* "not declared": owned, undeclared, pruned */
	PDH_REASON_ROTATED,            /* "rotated: password version 1 -> 2" */
	PDH_REASON_ADOPT,              /* "adopt": an unmarked webhook replaced by a marked one */
	PDH_REASON_TAKEOVER,           /* "takeover: owned by pdhooks:OTHER" (--takeover OTHER) */
	PDH_REASON_N
} pdh_reason;

/* The reason as a stable code ("missing", "changed", "inactive", "duplicate",
 * "not_declared", "rotated", "adopt", "takeover"); static text. */
const char *pdh_reason_code(pdh_reason r);

typedef struct pdh_change {
	const char *attribute;         /* "name", "user_id", "version", "http_auth_user", ... */
	char *before;                  /* display text; "(sensitive)" for secrets */
	char *after;
	bool sensitive;
} pdh_change;

typedef struct pdh_action {
	pdh_action_kind kind;
	pdh_reason why;                /* the first of the reasons the text gives */
	char *reason;                  /* "missing", "changed: user_id 1 -> 2", "inactive",
	                                  "duplicate", "not declared", "rotated: password version
	                                  1 -> 2", "adopt", "takeover: owned by pdhooks:OTHER" */
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

/* What a plan is computed with. A zeroed struct means the defaults: the file's
 * manage.max_deletes, and the types an API token manages. */
typedef struct pdh_plan_opts {
	bool max_deletes_set;          /* false: the file's manage.max_deletes */
	int max_deletes;               /* used when max_deletes_set (--max-deletes N) */
	pdh_auth_kind auth;            /* the credential kind of the run; PDH_AUTH_NONE counts as
	                                  an API token (the types it manages are the fewer) */
	bool adopt;                    /* apply --adopt: replace an unmarked webhook of a declared
	                                  key by a marked one (as manage.adopt: true) */
	const char *takeover;          /* --takeover OWNER: a declared key held by OWNER's marker
	                                  is replaced, not a conflict; NULL: none */
	/* --target and --exclude: fnmatch(3) globs over each action's key as plans show it
	 * ("create.deal https://hooks.example.com/x"). Only the actions that match a target
	 * (every action when there is none) and no exclude are planned; the others are counted
	 * in pdh_plan.n_excluded. Borrowed. */
	const char *const *targets;
	size_t n_targets;
	const char *const *excludes;
	size_t n_excludes;
} pdh_plan_opts;

/* The types a run manages: the file's manage.types when declared (types_declared != 0),
 * else [general] with an API token and [general, application] with an OAuth token; an API
 * token never manages application webhooks (Pipedrive lets only the app delete them). */
unsigned pdh_plan_types(unsigned declared, pdh_auth_kind auth);
/* The types as text for people and JSON: "general", "application" or "general, application";
 * static text. */
const char *pdh_plan_types_text(unsigned types);

/* Why a live webhook is foreign (never touched). */
typedef enum {
	PDH_FOREIGN_OUTSIDE_URLS,      /* a managed type, outside manage.urls */
	PDH_FOREIGN_APP_API_TOKEN,     /* application webhook; the run uses an API token */
	PDH_FOREIGN_TYPE_NOT_MANAGED,  /* general or application, left out by manage.types */
	PDH_FOREIGN_AUTOMATION,        /* automation webhooks are never managed */
	PDH_FOREIGN_OTHER_TYPE,        /* a type pdhooks does not know */
	PDH_FOREIGN_NO_TYPE,           /* the listing gives no type */
	PDH_FOREIGN_OTHER_OWNER,       /* marked with another owner: "owned by pdhooks:OTHER" */
	PDH_FOREIGN_UNMARKED,          /* manage.owner is set and it has no marker */
	PDH_FOREIGN_N
} pdh_foreign_reason;

/* The reason as a sentence for people ("application webhook; this run uses an API token");
 * static text. */
const char *pdh_foreign_reason_text(pdh_foreign_reason r);
/* The reason as a stable code for JSON ("outside_manage_urls", "application_api_token",
 * "type_not_managed", "automation", "other_type", "no_type"); static text. */
const char *pdh_foreign_reason_code(pdh_foreign_reason r);
/* A short label for counts ("outside manage.urls", "application", ...); static text. */
const char *pdh_foreign_reason_label(pdh_foreign_reason r);
/* The reason of one foreign webhook l as a sentence: pdh_foreign_reason_text, except that
 * another owner's webhook names its owner ("owned by pdhooks:OTHER"), written into buf. */
enum { PDH_FOREIGN_TEXT_MAX = PDH_OWNER_MAX + 32 };
const char *pdh_foreign_reason_show(pdh_foreign_reason r, const pdh_live_webhook *l,
                                    char buf[PDH_FOREIGN_TEXT_MAX]);

typedef struct pdh_plan {
	pdh_action *actions;           /* deterministic order: by key, then live id */
	size_t n_actions;
	size_t n_create, n_replace, n_delete;
	size_t n_excluded;             /* actions left out by --target / --exclude */
	bool chosen;                   /* --target or --exclude was given: outputs show
	                                  n_excluded */
	size_t n_adoptable;            /* unmarked webhooks counted as a declared key's; apply
	                                  --adopt replaces them by marked ones */
	const pdh_live_webhook **unchanged;  /* declared and matching; by key, then id */
	size_t n_unchanged;
	const pdh_live_webhook **foreign;    /* not ours: application/automation, or a general
	                                        webhook outside manage.urls */
	pdh_foreign_reason *foreign_reasons; /* parallel to foreign */
	size_t n_foreign;
	const pdh_live_webhook **unmanaged;  /* owned and undeclared, kept because prune is false */
	size_t n_unmanaged;
	char **notes;                  /* e.g. the password of X cannot be checked */
	size_t n_notes;
	char **warnings;
	size_t n_warnings;
	int max_deletes;               /* in force for this plan */
	unsigned types;                /* PDH_TYPE_* this plan manages (pdh_plan_types) */
	pdh_auth_kind auth;            /* the credential kind it was planned for */
	size_t n_owned;                /* live webhooks this file owns (of a managed type, and
	                                  declared or inside manage.urls); only those the
	                                  listing shows: an OAuth token sees its app's own */
	pdh_owned_webhook *owned;      /* those n_owned webhooks, by key, then id */
	size_t n_delivery_failed;      /* owned webhooks whose last delivery failed */
	bool brake;                    /* apply refuses this plan unless --force */
	char *brake_reason;            /* set when brake: why, with the numbers, e.g.
	                                  "it deletes 12 webhooks, more than max_deletes (10)" */
	const pdh_secrets *secrets;    /* the desired set's (borrowed): every renderer scrubs what
	                                  it shows with it, so an environment value shows as its
	                                  ${VAR} wherever it appears (live URLs and names too) */
	/* Its target, for the renderers: the API URL listed and the company (set after
	 * planning by pdh_target_company, borrowed from the run). NULL: not named (a plan made
	 * outside a run). */
	const char *target_api_url;
	const struct pdh_company *target_company;
} pdh_plan;

/* Computes the plan. It borrows from desired and live, which must outlive it. Its keys,
 * reasons, changes, notes and warnings are already scrubbed with desired->secrets.
 * Caller frees with pdh_plan_free(). */
int pdh_plan_compute(pdh_plan **out, const pdh_desired *desired, const pdh_live *live,
                     const pdh_plan_opts *opts, pdh_error *err);
/* No action (unmanaged and foreign webhooks are not changes). */
bool pdh_plan_is_empty(const pdh_plan *p);
void pdh_plan_free(pdh_plan *p);

/* The identity key as shown to people: "action.object URL", the URL normalised (pdh_url_normalize)
 * and redacted (pdh_url_redact); a URL that does not parse shows as "(invalid URL)". Control
 * and bidirectional characters are escaped (\xNN, \u{XXXX}).
 * Caller frees. */
char *pdh_plan_key(const char *event_action, const char *event_object,
                   const char *subscription_url);
/* The order of identity keys, which plans and export share: event_action, event_object, then
 * the normalised URL, bytewise; NULL sorts as "". */
int pdh_plan_key_cmp(const char *action_a, const char *object_a, const char *url_a,
                     const char *action_b, const char *object_b, const char *url_b);

#endif
