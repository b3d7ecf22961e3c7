#include "cli_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int pdh_cli_plan_target(pdh_common *o, pdh_target *t, pdh_target_run *run, int max_deletes)
{
	pdh_error err = { 0 };
	int rc;

	if ((rc = pdh_cli_target_open(o, t)) != PDH_EXIT_OK)
		return rc;
	t->desired_path = o->file;
	t->desired_stdin = o->file_stdin;
	t->plan.max_deletes_set = max_deletes >= 0;
	t->plan.max_deletes = max_deletes >= 0 ? max_deletes : 0;
	t->plan.auth = t->client.auth;
	pdh_cli_plan_choice(o, &t->plan);
	pdh_target_run_init(run, o->file);
	rc = pdh_target_plan(run, t, &err);
	return pdh_cli_report_plan(o, o->file, run, rc, &err);
}

void pdh_cli_plan_choice(const pdh_common *o, pdh_plan_opts *p)
{
	p->adopt = o->adopt;
	p->takeover = o->takeover;
	p->targets = o->targets.items;
	p->n_targets = o->targets.n;
	p->excludes = o->excludes.items;
	p->n_excludes = o->excludes.n;
}

int pdh_cli_target_open(pdh_common *o, pdh_target *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (pdh_common_client_opts(o, &t->client, &rc) != 0)
		return pdh_exit_code(rc);
	pdh_common_listing_opts(o, &t->listing);
	return PDH_EXIT_OK;
}

int pdh_cli_report_plan(const pdh_common *o, const char *path, const pdh_target_run *run,
                        int rc, const pdh_error *err)
{
	pdh_cli_print_diags(path, &run->diags, run->source, run->source_len, rc, o->quiet,
	                    o->color_err);
	if (rc == PDH_EAUTH && err->http_status != 0)
		pdh_cli_error("%s; the token came from %s", err->message, o->creds.source);
	else if (rc != PDH_OK && rc != PDH_EFILE)
		pdh_cli_error("%s", err->message[0] ? err->message : pdh_error_name(rc));
	return pdh_exit_code(rc);
}
