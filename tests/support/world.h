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
/* The world's environment followed by extra ("K=V", NULL-terminated, may be NULL): a new
 * NULL-terminated array of borrowed strings; free() only the array. */
char **pdh_t_world_env(const pdh_t_world *w, char *const extra[]);
/* Stops the fake and frees the paths (the directory is left for inspection). */
void pdh_t_world_teardown(pdh_t_world *w);

#endif
