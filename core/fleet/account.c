/* The fleet model's lifetime, and an account's ${VAR} lookup (its vars, then the
 * environment, which the loader reads after them). */
#include "pdhooks/fleet.h"

#include <stdlib.h>
#include <string.h>

static void S_kv_free(pdh_fleet_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void S_account_dispose(pdh_fleet_account *a)
{
	free(a->name);
	free(a->api_url);
	free(a->token_env);
	free(a->token_file);
	for (size_t i = 0; i < a->token_argc; i++)
		free(a->token_argv[i]);
	free(a->token_argv);
	free(a->desired);
	S_kv_free(a->labels, a->n_labels);
	S_kv_free(a->vars, a->n_vars);
}

void pdh_fleet_free(pdh_fleet *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n_accounts; i++)
		S_account_dispose(&f->accounts[i]);
	free(f->accounts);
	free(f->path);
	free(f);
}

const char *pdh_fleet_var(const char *name, void *ctx)
{
	const pdh_fleet_account *a = ctx;

	for (size_t i = 0; a && i < a->n_vars; i++)
		if (strcmp(a->vars[i].key, name) == 0)
			return a->vars[i].value;
	return NULL;
}
