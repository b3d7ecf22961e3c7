#include "world.h"

#include <stdio.h>
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

void pdh_t_world_teardown(pdh_t_world *w)
{
	pdh_t_fake_stop(w->fake);
	free(w->dir);
	free(w->file);
	free(w->env_token);
	free(w->env_url);
	memset(w, 0, sizeof(*w));
}

void pdh_t_fleet_setup(pdh_t_fleet *w, size_t n, char *const fake_args[], const char *desired)
{
	size_t k = 0;

	memset(w, 0, sizeof(*w));
	w->n = n > PDH_T_FLEET_MAX ? PDH_T_FLEET_MAX : n;
	for (size_t i = 0; i < w->n; i++) {
		char *args[32], company[16];
		size_t a = 0;

		w->tokens[i] = pdh_xasprintf("tok-%zu", i);
		snprintf(company, sizeof(company), "%zu", 101 + i);
		args[a++] = "--token";
		args[a++] = w->tokens[i];
		args[a++] = "--company-id";
		args[a++] = company;
		for (size_t j = 0; fake_args && fake_args[j] && a < 31; j++)
			args[a++] = fake_args[j];
		args[a] = NULL;
		w->fakes[i] = pdh_t_fake_start(args);
		w->env[k++] = pdh_xasprintf("PDH_T_TOK_%zu=%s", i, w->tokens[i]);
	}
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_API_TOKEN=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_OAUTH_TOKEN=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_API_URL=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_COMPANY_DOMAIN=");
	w->env[k] = NULL;
	w->dir = pdh_t_tmpdir();
	w->desired = pdh_xasprintf("%s/pdhooks.yaml", w->dir);
	w->fleet = pdh_xasprintf("%s/fleet.yaml", w->dir);
	pdh_t_write_file(w->desired, desired);
}

void pdh_t_fleet_teardown(pdh_t_fleet *w)
{
	for (size_t i = 0; i < w->n; i++) {
		pdh_t_fake_stop(w->fakes[i]);
		free(w->tokens[i]);
	}
	for (size_t i = 0; w->env[i]; i++)
		free(w->env[i]);
	free(w->dir);
	free(w->desired);
	free(w->fleet);
	memset(w, 0, sizeof(*w));
}

char *pdh_t_fleet_account(const pdh_t_fleet *w, const char *name, size_t company,
                          const char *extra)
{
	char *s = pdh_xasprintf("  - name: %s\n    api_url: %s\n    token_env: PDH_T_TOK_%zu\n",
	                        name, pdh_t_fake_url(w->fakes[company]), company);

	if (extra) {
		char *more = NULL;
		const char *p = extra;

		while (*p) {
			size_t n = strcspn(p, "\n");
			char *next = pdh_xasprintf("%s    %.*s\n", more ? more : "", (int)n, p);

			free(more);
			more = next;
			p += n;
			if (*p == '\n')
				p++;
		}
		if (more) {
			char *all = pdh_xasprintf("%s%s", s, more);
			free(s);
			free(more);
			s = all;
		}
	}
	return s;
}

void pdh_t_fleet_write(pdh_t_fleet *w, char *accounts[])
{
	char *text = pdh_xstrdup("pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n");

	for (size_t i = 0; accounts[i]; i++) {
		char *next = pdh_xasprintf("%s%s", text, accounts[i]);
		free(text);
		free(accounts[i]);
		text = next;
	}
	pdh_t_write_file(w->fleet, text);
	free(text);
}
