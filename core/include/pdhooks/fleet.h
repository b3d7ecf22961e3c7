/* Fleet mode: one desired state (a template) in many Pipedrive companies. The fleet file and
 * its accounts, how an account gets its token, and which accounts a run selects. The runner
 * is fleet_run.h; reports and their merge are fleet_report.h. */
#ifndef PDHOOKS_FLEET_H
#define PDHOOKS_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/error.h"
#include "pdhooks/limits.h"
#include "pdhooks/oauth.h"
#include "pdhooks/session.h"


typedef enum {
	PDH_TOKEN_ENV,       /* token_env: the name of an environment variable */
	PDH_TOKEN_FILE,      /* token_file: the first line of a file */
	PDH_TOKEN_COMMAND,   /* token_command: the first line of a command's stdout, or one JSON
	                        object (pdh_oauth_token_parse) */
	PDH_TOKEN_OAUTH_REFRESH /* oauth_refresh: a token file refreshed with the app's client
	                           credentials (pdh_fleet_oauth_refresh) */
} pdh_token_kind;

/* oauth_refresh: of an account. */
typedef struct pdh_fleet_refresh_conf {
	char *client_id_env;         /* the environment variables of the app's client id ... */
	char *client_secret_env;     /* ... and secret */
	char *token_file;            /* {refresh_token, access_token, expires_at, api_domain},
	                                relative to the fleet file; 0600 */
	char *token_url;             /* PDH_OAUTH_DEFAULT_TOKEN_URL unless given */
} pdh_fleet_refresh_conf;

typedef struct pdh_fleet_kv {
	char *key;
	char *value;
} pdh_fleet_kv;

typedef struct pdh_fleet_account {
	char *name;                  /* unique; letters, digits, '.', '_', '-' */
	char *api_url;               /* api_url, or https://DOMAIN.pipedrive.com/api/v1; NULL
	                                (token_command, oauth_refresh): the token's api_domain */
	pdh_token_kind token_kind;
	char *token_env;             /* PDH_TOKEN_ENV */
	char *token_file;            /* PDH_TOKEN_FILE: relative to the fleet file */
	char **token_argv;           /* PDH_TOKEN_COMMAND: NULL-terminated, no shell */
	size_t token_argc;
	pdh_fleet_refresh_conf refresh;  /* PDH_TOKEN_OAUTH_REFRESH */
	char *dir;                   /* the fleet file's directory ("" or ending in '/'): where
	                                token_command runs */
	bool oauth;                  /* the token is an OAuth access token (Bearer) */
	bool disabled;               /* enabled: false: skipped without a call (outcome skipped,
	                                reason disabled), its token source never used */
	char *desired;               /* the account's desired file (the fleet's by default),
	                                relative to the fleet file's directory */
	pdh_fleet_kv *labels;        /* in file order */
	size_t n_labels;
	pdh_fleet_kv *vars;          /* ${VAR} values, looked up before the environment */
	size_t n_vars;
	int line, col;               /* where the entry starts, 1-based */
} pdh_fleet_account;

typedef struct pdh_fleet {
	char *path;                  /* as given to the loader */
	char sha256[65];             /* of the file's bytes: names the fleet in shard reports */
	int format_version;          /* pdhooks_fleet: */
	int concurrency;             /* concurrency:, default PDH_FLEET_DEFAULT_CONCURRENCY */
	pdh_fleet_account *accounts; /* in file order */
	size_t n_accounts;
} pdh_fleet;

/* Loads and checks a fleet file as strictly as a desired file: unknown keys, wrong types,
 * duplicate keys and names, a name outside [A-Za-z0-9._-], not exactly one of token_env,
 * token_file and token_command, not exactly one of api_url and company_domain, more than
 * PDH_FLEET_MAX_ACCOUNTS accounts. Accounts with the same token source (token_env, token_file
 * however spelled, token_command argv) are a warning. Every problem
 * goes into diags (FILE:LINE:COL); on any error PDH_EFILE and *out stays NULL. PDH_EIO (err)
 * when it cannot be read. Paths in it (desired, token_file) are made relative to the fleet
 * file's directory. On success *out is the caller's: pdh_fleet_free(). */
int pdh_fleet_load_file(pdh_fleet **out, const char *path, pdh_diags *diags, pdh_error *err);
int pdh_fleet_load_buffer(pdh_fleet **out, const char *path, const char *data, size_t len,
                          pdh_diags *diags, pdh_error *err);
void pdh_fleet_free(pdh_fleet *f);
/* Reads a fleet file for pdh_fleet_load_buffer() (as pdh_desired_read_file() does, with the
 * fleet file's PDH_FLEET_MAX_BYTES): PDH_EIO with err filled when it cannot be read,
 * PDH_EFILE with a diagnostic when it is too big. *data is the caller's to free(). */
int pdh_fleet_read_file(char **data, size_t *len, const char *path, pdh_diags *diags,
                        pdh_error *err);

/* An account's vars for the ${VAR} lookup of its desired file (pdh_load_opts.vars, which the
 * loader reads before the environment): ctx is the pdh_fleet_account; NULL when not one of
 * its vars. */
const char *pdh_fleet_var(const char *name, void *ctx);

/* ---- Tokens ---- */

typedef struct pdh_token_opts {
	pdh_getenv_fn getenv;        /* token_env, client_id_env, client_secret_env lookups;
	                                NULL: getenv */
	void *getenv_ctx;
	long command_timeout_ms;     /* 0: PDH_FLEET_TOKEN_COMMAND_TIMEOUT_MS */
	/* oauth_refresh's call to the token endpoint: TLS as the API calls (borrowed) */
	const char *cacert;
	pdh_session *session;
	long timeout_ms;
} pdh_token_opts;

/* An account's credential: the token and what came with it. */
typedef struct pdh_fleet_cred {
	char *token;                 /* never shown; pdh_fleet_cred_dispose wipes it */
	bool bearer;                 /* sent as Authorization: Bearer */
	char *api_domain;            /* a JSON token's api_domain; or NULL */
	char *scope;                 /* a JSON token's scope; NULL: not said (not checked) */
	bool has_company_id;         /* a JSON token's company_id */
	long long company_id;
	const char *source;          /* static: "token_command", "token_file", ... for messages */
	/* What names the install of a token that changes, for the apply lock (pdh_run_opts's
	 * lock_key), the same before and after a refresh: oauth_refresh's token file (its real
	 * path: a refresh replaces the file), a token_command that printed JSON (its argv and
	 * the real path of the directory it runs in). NULL: the token names it. */
	char *lock_key;
} pdh_fleet_cred;

void pdh_fleet_cred_dispose(pdh_fleet_cred *c);

/* The credential of account a into *out (the caller disposes it), as pdh_fleet_token, and
 * from a token_command that printed one JSON object (pdh_oauth_token_parse: access_token
 * required; a token that has expired is refused) or from oauth_refresh
 * (pdh_fleet_oauth_refresh): Bearer, with api_domain, scope and company_id when given.
 * refused: NULL the first time; after a 401, the token that was refused: the source is
 * asked again (the command runs again; oauth_refresh refreshes unless the token file holds
 * another token already). Errors as pdh_fleet_token; oauth_refresh's invalid_grant is
 * PDH_EREAUTH. */
int pdh_fleet_credential(pdh_fleet_cred *out, const pdh_fleet_account *a,
                         const pdh_token_opts *opts, const char *refused, char *warning,
                         size_t warning_len, pdh_error *err);

/* oauth_refresh: the access token of a's token file (JSON: refresh_token, and access_token,
 * expires_at, api_domain, scope as the last refresh left them) under an exclusive lock
 * (flock) on the file, held while it is read, checked, refreshed and written back, so that
 * of two runs at once one refreshes and the other waits and reads the new token. The stored
 * access token is used while it has more than PDH_OAUTH_REFRESH_MARGIN_S seconds left (and is
 * not `refused`); otherwise one refresh (pdh_oauth_refresh with the client credentials of
 * client_id_env and client_secret_env), written back atomically with mode 0600: the new
 * access_token, expires_at = now + expires_in, api_domain and scope when given, a new
 * refresh_token when one came back, the file's other keys kept. invalid_grant: PDH_EREAUTH,
 * the file untouched. *out is filled on success (the caller disposes it). */
int pdh_fleet_oauth_refresh(pdh_oauth_token *out, const pdh_fleet_account *a,
                            const pdh_token_opts *opts, const char *refused, pdh_error *err);

/* The token of account a into *token (caller frees with pdh_free_secret) and whether it is
 * sent as Bearer (oauth: true, or a "Bearer " line in a token file). token_file: a file that
 * its group or others may read gets a warning in warning (as ssh does); otherwise warning[0]
 * is '\0'. token_command: argv run without a shell in the fleet file's directory (a->dir),
 * stdin on /dev/null, in its own process group; the first line of stdout is the token. When
 * the command exits, or at the timeout, its process group is ended (SIGTERM, then SIGKILL),
 * so nothing it started outlives it, and a pipe something it left holds open is not waited
 * for. Its stdout is never in a message: a failure (PDH_EAUTH) names the account, the exit
 * status, signal or timeout, and the first lines of its stderr (scrubbed of the token it
 * printed and of the values of environment variables named like secrets). */
int pdh_fleet_token(char **token, bool *bearer, const pdh_fleet_account *a,
                    const pdh_token_opts *opts, char *warning, size_t warning_len,
                    pdh_error *err);

/* ---- Selection ---- */

/* FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211). */
uint64_t pdh_fnv1a64(const void *data, size_t len);

typedef struct pdh_fleet_shard {
	bool set;
	unsigned index;              /* 0-based, < count */
	unsigned count;
} pdh_fleet_shard;

/* "I/N" with 0 <= I < N <= 65536. PDH_EINVAL with a message otherwise. */
int pdh_fleet_shard_parse(pdh_fleet_shard *out, const char *s, pdh_error *err);
/* Whether the account named name is in the shard: fnv1a64(name) mod count == index (an
 * unset shard holds every name). Adding an account moves no other. */
bool pdh_fleet_shard_holds(const pdh_fleet_shard *s, const char *name);

/* Which accounts a run works on. Repeated --account globs: any of them (OR); repeated
 * --label KEY=VALUE: for each key named, any of its values (OR within a key, AND across
 * keys); --account, --label and --shard together: all of them (AND). Nothing given selects
 * every account. Globs are fnmatch(3) patterns over the name. */
typedef struct pdh_fleet_selector {
	const char *const *globs;
	size_t n_globs;
	const char *const *labels;   /* "KEY=VALUE" each */
	size_t n_labels;
	pdh_fleet_shard shard;
} pdh_fleet_selector;

/* A --label value: KEY=VALUE with a non-empty KEY. PDH_EINVAL with a message otherwise. */
int pdh_fleet_label_check(const char *s, pdh_error *err);
bool pdh_fleet_selects(const pdh_fleet_selector *sel, const pdh_fleet_account *a);
/* The indexes (file order) of the selected accounts into *out (caller frees; NULL when
 * none), their number into *n. */
void pdh_fleet_select(size_t **out, size_t *n, const pdh_fleet *f,
                      const pdh_fleet_selector *sel);
/* What a set of account names is, whatever their order: the SHA-256 (hex) of the decimal
 * count and a newline, then each name and a newline, the names sorted bytewise. Shard reports
 * carry it for the accounts the filters select before --shard, so that merge can tell the
 * shards' union is the whole selection. */
void pdh_fleet_names_sha256(const char *const *names, size_t n, char out[65]);
/* That digest and number of the accounts sel selects without its shard: what the shards of
 * one run together must cover. */
void pdh_fleet_selection_sha256(const pdh_fleet *f, const pdh_fleet_selector *sel,
                                char out[65], size_t *n);

#endif
