/* Whether a saved plan still holds against today's live listing (see planfile.h). */
#include "pdhooks/planfile.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/url.h"
#include "pdhooks/names.h"
#include "pdhooks/users_me.h"

int pdh_planfile_check_live(pdh_plan **out, const pdh_planfile *pf, const pdh_plan_opts *opts,
                            const pdh_desired *desired, const pdh_live *live, pdh_error *err)
{
	pdh_plan *plan = NULL;
	char fp[65];
	int rc;

	*out = NULL;
	rc = pdh_plan_compute(&plan, desired, live, opts, err);
	if (rc != 0)
		goto done;
	pdh_live_fingerprint(fp, live, plan);
	if (strcmp(fp, pf->live_fingerprint) != 0) {
		rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: the owned live webhooks "
		                   "changed since the plan was made (fingerprint %.12s..., now "
		                   "%.12s...); plan again", pf->live_fingerprint, fp);
		goto done;
	}
	if (plan->n_actions != pf->n_actions) {
		rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: it has %zu actions, "
		                   "and planning again now gives %zu; plan again", pf->n_actions,
		                   plan->n_actions);
		goto done;
	}
	for (size_t i = 0; i < plan->n_actions; i++) {
		const pdh_action *a = &plan->actions[i];
		const pdh_planfile_action *s = &pf->actions[i];
		long long id = a->live ? a->live->id : -1;
		if (a->kind != s->kind || id != s->live_id || strcmp(a->key, s->key) != 0) {
			rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: its action %zu "
			                   "(%s %s) is now %s %s; plan again", i + 1, pdh_action_kind_name(s->kind),
			                   s->key, pdh_action_kind_name(a->kind), a->key);
			goto done;
		}
	}
	*out = plan;
	plan = NULL;
done:
	pdh_plan_free(plan);
	return rc;
}

/* The comparison form of an API URL: redacted as saved, normalised, without a trailing slash
 * (".../v1" and ".../v1/" are one API). Caller frees. */
static char *S_api_key(const char *url)
{
	char *r = pdh_url_redact(url ? url : ""), *n = pdh_url_normalize(r);
	size_t len;

	if (n == NULL) {
		n = r;
		r = NULL;
	}
	free(r);
	len = strlen(n);
	while (len > 0 && n[len - 1] == '/')
		n[--len] = '\0';
	return n;
}

static int S_check_url(const pdh_planfile *pf, const char *api_url, pdh_error *err)
{
	char *saved = S_api_key(pf->api_url), *now = S_api_key(api_url);
	int rc = 0;

	if (strcmp(saved, now) != 0) {
		char *shown = pdh_url_redact(api_url ? api_url : "");
		rc = pdh_error_set(err, PDH_EINVAL, "this plan was made for another company: it "
		                   "names the API %s, and this run's is %s; nothing applied (apply "
		                   "it with the credentials and API URL it was made with, or plan "
		                   "again for this company)", pf->api_url, shown);
		free(shown);
	}
	free(saved);
	free(now);
	return rc;
}

/* The saved plan's company in words: "company 5 (Acme, acme)". Caller frees. */
static char *S_saved_company(const pdh_planfile *pf)
{
	pdh_company c = { PDH_COMPANY_LISTING, pf->company_id, pf->company_name,
	                  pf->company_domain };

	return pdh_company_text(&c);
}

int pdh_planfile_check_target(const pdh_planfile *pf, const char *api_url,
                              const pdh_company *company, pdh_error *err)
{
	int rc = S_check_url(pf, api_url, err);
	char *saved, *now;

	if (rc != 0 || company == NULL)
		return rc;
	if (!pf->has_company_id)
		/* An older pdhooks saved the plan of an empty listing so: the API URL was all it
		 * named, and one API URL serves every company (api.pipedrive.com). */
		return pdh_error_set(err, PDH_EINVAL, "this saved plan names no company (an older "
		                     "pdhooks made it from an empty listing, and %s serves many "
		                     "companies); nothing applied; plan again", pf->api_url);
	if (company->source != PDH_COMPANY_UNKNOWN && company->id == pf->company_id)
		return 0;
	saved = S_saved_company(pf);
	now = pdh_company_text(company);
	rc = pdh_error_set(err, PDH_EINVAL, "this plan was made for another company: it names %s, "
	                   "and these credentials at %s are for %s; nothing applied (are these the "
	                   "right credentials? plan again for this company)", saved, pf->api_url,
	                   now);
	free(saved);
	free(now);
	return rc;
}

void pdh_planfile_brake_opts(pdh_plan_opts *out, const pdh_planfile *pf,
                             const pdh_plan_opts *run, const pdh_desired *desired)
{
	*out = *run;
	out->auth = pf->opts.auth;
	pdh_planfile_choice(out, pf);
	if (!run->max_deletes_set && pf->opts.max_deletes_set &&
	    pf->opts.max_deletes < desired->max_deletes) {
		out->max_deletes_set = true;
		out->max_deletes = pf->opts.max_deletes;
	}
}
