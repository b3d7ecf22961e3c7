/* The desired-state file: what webhooks a Pipedrive company must have. */
#ifndef PDHOOKS_DESIRED_H
#define PDHOOKS_DESIRED_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/diag.h"
#include "pdhooks/error.h"
#include "pdhooks/limits.h"
#include "pdhooks/secrets.h"


/* Webhook types pdhooks can manage, as a bit set (manage.types; pdh_plan.types). Automation
 * webhooks are never managed, so they have no bit. */
enum {
	PDH_TYPE_GENERAL = 1u << 0,
	PDH_TYPE_APPLICATION = 1u << 1
};

typedef struct pdh_desired_webhook {
	char *name;                    /* always set: declared, or derived when absent; a derived
	                                * name comes from subscription_url_shown, so it never holds
	                                * a value read from the environment */
	char *name_shown;              /* name with each environment-sourced part as ${VAR} */
	bool name_derived;             /* a derived name is sent but never compared */
	char *event_action;
	char *event_object;
	char *subscription_url;        /* after interpolation: the real value, sent and compared */
	char *subscription_url_shown;  /* the same with each part read from the environment shown
	                                * as its ${VAR} reference (vars and :- defaults, written in
	                                * git, as their value): what outputs show */
	char *version;                 /* "1.0" or "2.0"; "2.0" when not declared */
	bool version_declared;         /* in the entry or in defaults */
	bool has_user_id;
	long long user_id;
	bool has_http_auth_user;       /* declared (in the entry or defaults) */
	char *http_auth_user;          /* NULL when declared as null */
	char *http_auth_user_shown;    /* as subscription_url_shown; NULL when declared as null */
	bool has_http_auth_password;
	char *http_auth_password;      /* the interpolated secret: never print it; NULL for null */
	char *http_auth_password_ref;  /* the text as written, e.g. "${PD_HOOK_PASSWORD}" */
	long long password_version;    /* http_auth_password_version (entry or defaults), kept in
	                                * the name's marker; 0 when not declared */
	char *name_sent;               /* the name as POSTed (pdh_desired_mark_names): with
	                                * manage.owner, name cut to leave room for its marker
	                                * " [pdhooks:OWNER(:N)]", then the marker; else name */
	char *name_cut;                /* name_sent without the marker: what a live name (without
	                                * its marker) is compared with */
	int line, col;                 /* where the entry starts, 1-based */
} pdh_desired_webhook;

typedef struct pdh_desired {
	char *path;                    /* as given to the loader */
	char sha256[65];               /* hex digest of the file's bytes */
	int format_version;            /* the `pdhooks:` value */
	bool prune;                    /* manage.prune, default true */
	bool manage_urls_declared;
	bool manage_all;               /* manage.urls: ["*"] */
	char **manage_urls;            /* declared (each normalised by pdh_url_normalize, so a
	                                * bare "https://host" becomes "https://host/"), or the
	                                * distinct pdh_url_origin() of the declared URLs, in file
	                                * order; empty with manage_all */
	size_t n_manage_urls;
	int max_deletes;               /* manage.max_deletes, default PDH_DEFAULT_MAX_DELETES */
	unsigned manage_types;         /* manage.types as PDH_TYPE_* bits; 0 when not
	                                  declared: the default of the credential kind */
	char *owner;                   /* manage.owner: ownership by the marker in the name
	                                  (pdhooks/marker.h); NULL: by URL scope */
	bool adopt;                    /* manage.adopt: unmarked webhooks of declared keys are
	                                  replaced by marked ones (as apply --adopt) */
	pdh_desired_webhook *webhooks; /* in file order */
	size_t n_webhooks;
	pdh_secrets *secrets;          /* every value read from the environment into a string (shown
	                                * as its ${VAR}) and every password (shown as its reference,
	                                * or "(sensitive)"): what outputs and server texts are
	                                * scrubbed of. Owned; never NULL after a load */
	bool unread;                   /* loaded with no_env: some reference was not read, so the
	                                * values are not the real ones (validate only) */
} pdh_desired;

/* Looks a variable up for ${VAR}; NULL when unset. */
typedef const char *(*pdh_getenv_fn)(const char *name, void *ctx);

/* Where ${VAR} values come from. A variable is looked up in `vars` first, then in `getenv`:
 *   - vars: values written in git (a fleet account's `vars:`); they may be shown in outputs,
 *     like a ${VAR:-default}. NULL: none.
 *   - getenv: the environment (NULL: the process environment). A value read here may be a
 *     secret (Zapier and Slack keep one in the URL path): every output shows it as its ${VAR}
 *     reference, and it is scrubbed from any server text.
 * A zeroed pdh_load_opts (or a NULL one) reads the process environment only. */
typedef struct pdh_load_opts {
	pdh_getenv_fn getenv;          /* the environment; NULL: the process environment */
	void *getenv_ctx;
	pdh_getenv_fn vars;            /* looked up first; NULL: none */
	void *vars_ctx;
	bool no_env;                   /* `validate --no-env`: the environment is not read; an
	                                * unset variable is no error, the syntax still is, and a
	                                * value holding an unread reference is not checked further */
} pdh_load_opts;

/* Loads and checks a desired-state file.
 * Every string value may hold ${VAR} (an error naming VAR when it is unset), ${VAR:-default}
 * (the default when VAR is unset or empty, as in the shell; it may nest: ${A:-${B}}) and $$ (a
 * literal '$'); messages quote the text as written, never a variable's value. A scalar that is
 * exactly one reference takes its key's type: `user_id: ${PD_USER_ID}` is an integer, and a
 * value that is not one is an error naming the variable. Aliases, tags, several documents,
 * nesting deeper than 32, more than a million values or 50,000 webhooks, and files over
 * PDH_DESIRED_MAX_BYTES are refused with a diagnostic. Every problem found goes into diags (which the caller
 * has initialised and disposes); on any error the result is PDH_EFILE and *out is NULL — never
 * an empty desired set. A file that cannot be read is PDH_EIO with err filled.
 * On success *out is the caller's: pdh_desired_free(). */
int pdh_desired_load_file(pdh_desired **out, const char *path, const pdh_load_opts *opts,
                          pdh_diags *diags, pdh_error *err);
int pdh_desired_load_buffer(pdh_desired **out, const char *name, const char *data, size_t len,
                            const pdh_load_opts *opts, pdh_diags *diags, pdh_error *err);
void pdh_desired_free(pdh_desired *d);
/* Sets each webhook's name_sent and name_cut from its name, d->owner and its
 * password_version. The loader calls it; so does a saved plan's reader for its record. */
void pdh_desired_mark_names(pdh_desired *d);

/* A desired file read and parsed once for many loads, each with its own ${VAR} lookup (a
 * fleet's accounts): its bytes, their digest and the YAML tree, none of which a variable
 * changes (references are expanded by the checks that pdh_desired_load_shared runs for each
 * load). Loads from one pdh_desired_shared may run in several threads at once. */
typedef struct pdh_desired_shared pdh_desired_shared;

/* Reads and parses path; NULL when it cannot be shared: it cannot be read, it is too big,
 * or its text or YAML gave any diagnostic (each load then reads and reports it itself). */
pdh_desired_shared *pdh_desired_shared_read(const char *path);
void pdh_desired_shared_free(pdh_desired_shared *s);
/* The bytes read (NUL-terminated, *len bytes), as pdh_desired_read_file gives them. */
const char *pdh_desired_shared_bytes(const pdh_desired_shared *s, size_t *len);
/* pdh_desired_load_buffer(out, name, bytes of s, opts, ...) without reading or parsing again:
 * the same desired set, diagnostics and result. */
int pdh_desired_load_shared(pdh_desired **out, const char *name, const pdh_desired_shared *s,
                            const pdh_load_opts *opts, pdh_diags *diags, pdh_error *err);

/* Reads a desired-state file the way pdh_desired_load_file() does, for callers that also want
 * the bytes (to render diagnostics with source lines): PDH_EIO with err filled when it cannot
 * be read, PDH_EFILE with a diagnostic when it is over PDH_DESIRED_MAX_BYTES. On success *data
 * (NUL-terminated, *len bytes) is the caller's to free(). */
int pdh_desired_read_file(char **data, size_t *len, const char *path, pdh_diags *diags,
                          pdh_error *err);
/* The same from an open descriptor (stdin for `-f -`), named name in messages; fd is left
 * open. */
int pdh_desired_read_fd(char **data, size_t *len, int fd, const char *name, pdh_diags *diags,
                        pdh_error *err);

#endif
