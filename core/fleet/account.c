/* The fleet model's lifetime, and an account's ${VAR} lookup (its vars, then the
 * environment, which the loader reads after them). */
#include "pdhooks/alloc.h"
#include "pdhooks/fleet.h"

#include <stdlib.h>
#include <string.h>

static void S_kv_dispose(pdh_fleet_kv *kv)
{
	PDH_FREE_ALL(kv->key, kv->value);
}

static void S_account_dispose(pdh_fleet_account *a)
{
	PDH_FREE_ALL(a->name, a->api_url, a->token_env, a->token_file, a->desired, a->dir);
	PDH_FREE_ALL(a->refresh.client_id_env, a->refresh.client_secret_env, a->refresh.token_file,
	             a->refresh.token_url);
	pdh_free_strings(a->token_argv, a->token_argc);
	PDH_FREE_EACH(a->labels, a->n_labels, S_kv_dispose);
	PDH_FREE_EACH(a->vars, a->n_vars, S_kv_dispose);
}

void pdh_fleet_free(pdh_fleet *f)
{
	if (f == NULL)
		return;
	PDH_FREE_EACH(f->accounts, f->n_accounts, S_account_dispose);
	PDH_FREE_ALL(f->path, f);
}

const char *pdh_fleet_var(const char *name, void *ctx)
{
	const pdh_fleet_account *a = ctx;

	for (size_t i = 0; a && i < a->n_vars; i++)
		if (strcmp(a->vars[i].key, name) == 0)
			return a->vars[i].value;
	return NULL;
}
