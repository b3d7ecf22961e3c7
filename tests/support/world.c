#include "world.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "testutil.h"

void pdh_t_world_setup(pdh_t_world *w, char *const fake_args[], const char *desired)
{
	memset(w, 0, sizeof(*w));
	w->fake = pdh_t_fake_start(fake_args);
	w->dir = pdh_t_tmpdir();
	w->file = pdh_xasprintf("%s/pdhooks.yaml", w->dir);
	pdh_t_write_file(w->file, desired);
	w->env_token = pdh_xasprintf("PIPEDRIVE_API_TOKEN=%s", pdh_t_fake_token(w->fake));
	w->env_url = pdh_xasprintf("PIPEDRIVE_API_URL=%s", pdh_t_fake_url(w->fake));
	w->env[0] = w->env_token;
	w->env[1] = w->env_url;
	w->env[2] = "PIPEDRIVE_OAUTH_TOKEN=";
	w->env[3] = "PIPEDRIVE_COMPANY_DOMAIN=";
	w->env[4] = NULL;
}

char **pdh_t_world_env(const pdh_t_world *w, char *const extra[])
{
	size_t n = 0, m = 0;
	char **env;

	while (extra && extra[m])
		m++;
	env = pdh_xcalloc(5 + m, sizeof(*env));
	for (size_t i = 0; w->env[i]; i++)
		env[n++] = w->env[i];
	for (size_t i = 0; i < m; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	return env;
}

void pdh_t_world_teardown(pdh_t_world *w)
{
	pdh_t_fake_stop(w->fake);
	free(w->dir);
	free(w->file);
	free(w->env_token);
	free(w->env_url);
	memset(w, 0, sizeof(*w));
}
