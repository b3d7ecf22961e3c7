/* Planning one target: load the desired file, list the live webhooks, compute the plan. */
#include "pdhooks/target.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pdh_target_run_init(pdh_target_run *r, const char *desired_path)
{
	memset(r, 0, sizeof(*r));
	pdh_diags_init(&r->diags, desired_path);
	pdh_http_result_init(&r->listing.last);
}

void pdh_target_run_dispose(pdh_target_run *r)
{
	if (r == NULL)
		return;
	pdh_plan_free(r->plan);
	pdh_live_free(r->live);
	pdh_desired_free(r->desired);
	pdh_diags_dispose(&r->diags);
	free(r->source);
	memset(r, 0, sizeof(*r));
}

int pdh_target_load(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	int rc;

	if (t->desired_stdin)
		rc = pdh_desired_read_fd(&r->source, &r->source_len, STDIN_FILENO, t->desired_path,
		                         &r->diags, err);
	else
		rc = pdh_desired_read_file(&r->source, &r->source_len, t->desired_path, &r->diags,
		                           err);
	if (rc == PDH_OK)
		rc = pdh_desired_load_buffer(&r->desired, t->desired_path, r->source, r->source_len,
		                             &t->load, &r->diags, err);
	if (rc != PDH_OK && r->desired != NULL) {
		/* A failed load is never a desired set, whatever the loader left behind. */
		pdh_desired_free(r->desired);
		r->desired = NULL;
	}
	return rc;
}

int pdh_target_list(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	pdh_client_opts co = t->client;

	pdh_live_free(r->live);
	r->live = NULL;
	/* Server texts are scrubbed of the file's secrets too (passwords, environment values). */
	if (co.secrets == NULL && r->desired != NULL)
		co.secrets = r->desired->secrets;
	return pdh_listing_get_with(&co, &t->listing, &r->live, &r->listing, err);
}

int pdh_target_plan(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	pdh_plan_opts po = t->plan;
	int rc;

	if (po.auth == PDH_AUTH_NONE)
		po.auth = t->client.auth; /* the types managed follow the credential kind */
	rc = pdh_target_load(r, t, err);
	if (rc == PDH_OK)
		rc = pdh_target_list(r, t, err);
	if (rc == PDH_OK)
		rc = pdh_plan_compute(&r->plan, r->desired, r->live, &po, err);
	return rc;
}
