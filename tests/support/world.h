/* A CLI test's world: a pdhooks-fake, a temporary directory with a desired file in it, and the
 * environment a correctly set-up run of pdhooks gets. */
#ifndef PDH_T_WORLD_H
#define PDH_T_WORLD_H

#include "fake.h"

typedef struct pdh_t_world {
	pdh_t_fake *fake;
	char *dir;         /* a fresh temporary directory */
	char *file;        /* DIR/pdhooks.yaml */
	char *env_token;   /* "PIPEDRIVE_API_TOKEN=..." */
	char *env_url;     /* "PIPEDRIVE_API_URL=..." */
	/* token, URL, and PIPEDRIVE_OAUTH_TOKEN and PIPEDRIVE_COMPANY_DOMAIN unset: for
	 * pdh_t_pdhooks and pdh_t_run_argv */
	char *env[5];
} pdh_t_world;

/* Starts the fake with fake_args (NULL-terminated, may be NULL; a --token there is the
 * world's token) and writes desired to DIR/pdhooks.yaml. Aborts the test on failure. */
void pdh_t_world_setup(pdh_t_world *w, char *const fake_args[], const char *desired);
/* Stops the fake and frees the paths (the directory is left for inspection). */
void pdh_t_world_teardown(pdh_t_world *w);

/* A fleet's world: one pdhooks-fake per company (token "tok-I", company_id 101+I, the same
 * extra arguments), DIR/pdhooks.yaml holding desired, and the environment with PDH_T_TOK_I=tok-I
 * for every company (token_env of the accounts pdh_t_fleet_account writes). */
#define PDH_T_FLEET_MAX 8
typedef struct pdh_t_fleet {
	pdh_t_fake *fakes[PDH_T_FLEET_MAX];
	size_t n;
	char *dir;
	char *desired;     /* DIR/pdhooks.yaml */
	char *fleet;       /* DIR/fleet.yaml, written by pdh_t_fleet_write */
	char *tokens[PDH_T_FLEET_MAX];   /* "tok-I" (the fakes borrow them) */
	char *env[PDH_T_FLEET_MAX + 6];  /* PDH_T_TOK_I=..., the single-company variables unset */
} pdh_t_fleet;

void pdh_t_fleet_setup(pdh_t_fleet *w, size_t n, char *const fake_args[], const char *desired);
void pdh_t_fleet_teardown(pdh_t_fleet *w);
/* "  - name: NAME\n    api_url: URL-of-company-I\n    token_env: PDH_T_TOK_I\n" then extra
 * (more keys of the entry, each line indented by 4; may be NULL). Caller frees. */
char *pdh_t_fleet_account(const pdh_t_fleet *w, const char *name, size_t company,
                          const char *extra);
/* Writes DIR/fleet.yaml: "pdhooks_fleet: 1", "desired: pdhooks.yaml", then the account
 * entries (NULL-terminated; each from pdh_t_fleet_account, freed here). */
void pdh_t_fleet_write(pdh_t_fleet *w, char *accounts[]);

#endif
