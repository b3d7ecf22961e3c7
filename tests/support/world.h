/* A CLI test's world: a pdhooks-fake, a temporary directory with a desired file in it, and the
 * environment a correctly set-up run of pdhooks gets. */
#ifndef PDH_T_WORLD_H
#define PDH_T_WORLD_H

#include "fake.h"
#include "testutil.h"

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

/* pdhooks running in the background in a world, for tests that watch it while it works:
 * stdout is a pipe read line by line, stderr goes to a file. Its environment is the world's,
 * with XDG_RUNTIME_DIR set to the world's directory (the apply lock lives there), plus
 * extra_env. */
typedef struct pdh_t_bg {
	int pid;
	int out_fd;        /* -1 once closed */
	char *err_path;
	char *pending;     /* read from stdout, not yet returned as a line */
	size_t n_pending;
	char *seen;        /* every stdout byte read so far */
	size_t n_seen;
} pdh_t_bg;

/* Starts $PDH_BIN with args (NULL-terminated). extra_env may be NULL. */
void pdh_t_bg_start(pdh_t_bg *b, const pdh_t_world *w, char *const extra_env[], ...);
/* The next line of its stdout without the newline, waiting at most timeout_s; NULL at the end
 * of stdout or on timeout. Caller frees. */
char *pdh_t_bg_line(pdh_t_bg *b, double timeout_s);
/* Closes our end of its stdout, as `head -1` does after one line. */
void pdh_t_bg_close_stdout(pdh_t_bg *b);
void pdh_t_bg_signal(pdh_t_bg *b, int sig);
/* Reads the rest of stdout (unless closed) and waits for it (at most 60 s, then kills it).
 * r->out gets all of stdout read, r->err all of stderr, r->status the exit status. */
void pdh_t_bg_wait(pdh_t_bg *b, pdh_t_run *r);

#endif
