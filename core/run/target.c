/* Planning one target: load the desired file, list the live webhooks, compute the plan; or
 * check a saved plan against them. */
#include "pdhooks/target.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"

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
	pdh_company_dispose(&r->company);
	pdh_live_free(r->live);
	pdh_desired_free(r->desired);
	pdh_diags_dispose(&r->diags);
	free(r->source);
	memset(r, 0, sizeof(*r));
}

/* The desired file's bytes and desired set from t->desired_shared: read and parsed once. */
static int S_load_shared(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	size_t n;
	const char *bytes = pdh_desired_shared_bytes(t->desired_shared, &n);

	r->source = pdh_xmalloc(n + 1);
	memcpy(r->source, bytes, n + 1);
	r->source_len = n;
	return pdh_desired_load_shared(&r->desired, t->desired_path, t->desired_shared, &t->load,
	                               &r->diags, err);
}

int pdh_target_load(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	int rc;

	if (t->desired_shared && !t->desired_stdin) {
		rc = S_load_shared(r, t, err);
	} else {
		if (t->desired_stdin)
			rc = pdh_desired_read_fd(&r->source, &r->source_len, STDIN_FILENO,
			                         t->desired_path, &r->diags, err);
		else
			rc = pdh_desired_read_file(&r->source, &r->source_len, t->desired_path,
			                           &r->diags, err);
		if (rc == PDH_OK)
			rc = pdh_desired_load_buffer(&r->desired, t->desired_path, r->source,
			                             r->source_len, &t->load, &r->diags, err);
	}
	if (rc != PDH_OK && r->desired != NULL) {
		/* A failed load is never a desired set, whatever the loader left behind. */
		pdh_desired_free(r->desired);
		r->desired = NULL;
	}
	return rc;
}

/* What every call of the run's clients shares: server texts scrubbed of the file's secrets
 * too (passwords, environment values), and each answered call charged to the run's meter. */
static void S_client_opts(pdh_client_opts *co, pdh_target_run *r)
{
	if (co->secrets == NULL && r->desired != NULL)
		co->secrets = r->desired->secrets;
	if (co->meter == NULL)
		co->meter = &r->meter;
}

int pdh_target_list(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	pdh_client_opts co = t->client;

	pdh_live_free(r->live);
	r->live = NULL;
	S_client_opts(&co, r);
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

/* The plan is told its target, for the renderers. */
static void S_tell_plan(pdh_target_run *r, const pdh_target *t)
{
	if (r->plan == NULL)
		return;
	r->plan->target_api_url = t->client.api_url;
	r->plan->target_company = &r->company;
}

int pdh_target_company(pdh_target_run *r, const pdh_target *t, pdh_error *err)
{
	pdh_client_opts co = t->client;
	pdh_client *c = NULL;
	pdh_error e = { 0 };
	int rc;

	pdh_company_dispose(&r->company);
	pdh_error_clear(&r->company_err);
	if (pdh_live_company(r->live, &r->company.id)) {
		r->company.source = PDH_COMPANY_LISTING;
		r->company_rc = PDH_OK;
		S_tell_plan(r, t);
		return PDH_OK;
	}
	r->company_rc = PDH_OK;
	if (t->company_from_listing) {
		S_tell_plan(r, t);
		return PDH_OK;
	}
	/* An empty listing names no company: the one call that does, made only now. */
	S_client_opts(&co, r);
	rc = pdh_client_new(&c, &co, &e);
	if (rc == PDH_OK)
		rc = pdh_users_me_get(c, &t->listing, &r->company, &r->listing.calls, &e);
	pdh_client_free(c);
	r->company_rc = rc;
	r->company_err = e;
	if (rc != PDH_OK && err)
		*err = e;
	S_tell_plan(r, t);
	if (rc != PDH_OK && r->plan) {
		/* The plan itself holds; what it cannot do is name its company. */
		size_t n = r->plan->n_warnings;

		r->plan->warnings = pdh_xrealloc(r->plan->warnings,
		                                 (n + 1) * sizeof(*r->plan->warnings));
		r->plan->warnings[n] = pdh_xasprintf("this plan names no company (it cannot be "
		                                     "saved): the listing shows none, and %s",
		                                     e.message);
		r->plan->n_warnings = n + 1;
	}
	return rc;
}

/* A plan the brake refuses, made with a --max-deletes above the one in force now: the reason
 * says how to give it again (the file's number is never taken for it). */
static void S_brake_hint(pdh_plan *plan, const pdh_planfile *pf, const pdh_plan_opts *opts,
                         const pdh_desired *desired)
{
	int now = opts->max_deletes_set ? opts->max_deletes : desired->max_deletes;
	char *why;

	if (!plan->brake || !pf->opts.max_deletes_set || pf->opts.max_deletes <= now)
		return;
	why = pdh_xasprintf("%s; the plan was made with --max-deletes %d, which a saved plan does "
	                    "not carry to apply: give it to apply again", plan->brake_reason
	                    ? plan->brake_reason : "a safety brake", pf->opts.max_deletes);
	free(plan->brake_reason);
	plan->brake_reason = why;
}

/* apply PLANFILE on a listing that names no company, and GET /users/me failed. */
static int S_company_unknown(const pdh_target_run *r, pdh_error *err)
{
	return pdh_error_set(err, r->company_rc, "cannot tell which company this is: the listing "
	                     "is empty and %s; nothing applied (a saved plan is applied only to "
	                     "the company it was made for)", r->company_err.message);
}

int pdh_planfile_target_plan(pdh_target_run *r, const pdh_target *t, const pdh_planfile *pf,
                             pdh_error *err)
{
	pdh_plan_opts opts;
	int rc;

	/* The target's API URL first: a plan for another API is refused whatever else
	 * changed, and that needs no call. Its company id is checked once listed. */
	rc = pdh_planfile_check_target(pf, t->client.api_url, NULL, err);
	if (rc != PDH_OK)
		goto done;
	/* The types a plan manages follow from the credential kind: a plan made with an API
	 * token, applied with an OAuth token, would touch webhooks nobody reviewed. */
	if ((t->client.auth == PDH_AUTH_BEARER) != (pf->opts.auth == PDH_AUTH_BEARER)) {
		rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: it was made with %s "
		                   "and this run uses %s; plan again with these credentials",
		                   pf->opts.auth == PDH_AUTH_BEARER ? "an OAuth token" : "an API token",
		                   t->client.auth == PDH_AUTH_BEARER ? "an OAuth token"
		                                                     : "an API token");
		goto done;
	}
	/* The desired file before the listing: its secrets are scrubbed from the call log. */
	rc = pdh_planfile_load_desired(&r->desired, pf, &t->load, &r->diags, &r->source,
	                               &r->source_len, err);
	if (rc == PDH_OK)
		rc = pdh_target_list(r, t, err);
	/* The company before anything else of the listing: a plan is never applied to a
	 * company that cannot be named (an empty listing and a failed GET /users/me). */
	if (rc == PDH_OK && pdh_target_company(r, t, err) != PDH_OK)
		rc = S_company_unknown(r, err);
	if (rc == PDH_OK)
		rc = pdh_planfile_check_target(pf, t->client.api_url, r->company.source !=
		                               PDH_COMPANY_UNKNOWN ? &r->company : NULL, err);
	if (rc == PDH_OK) {
		pdh_planfile_brake_opts(&opts, pf, &t->plan, r->desired);
		rc = pdh_planfile_check_live(&r->plan, pf, &opts, r->desired, r->live, err);
	}
	if (rc == PDH_OK) {
		S_tell_plan(r, t);
		S_brake_hint(r->plan, pf, &opts, r->desired);
	}
done:
	return rc;
}
