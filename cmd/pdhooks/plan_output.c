#include "plan_output.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "run_files.h"
#include "pdhooks/planfile.h"
#include "pdhooks/render_json.h"
#include "pdhooks/render_markdown.h"

int pdh_cli_save_plan(const char *path, const pdh_plan *plan, const pdh_desired *desired,
                      const pdh_live *live, const pdh_plan_opts *opts, const char *api_url,
                      bool quiet,
                      char digest[65], pdh_error *err)
{
	char *text = NULL, sum[65];
	int rc;

	rc = pdh_planfile_format(&text, plan, desired, live, opts, api_url, err);
	if (rc == 0)
		rc = pdh_planfile_save(path, text, sum, err);
	if (rc == 0) {
		if (!quiet)
			fprintf(stderr, "pdhooks: saved the plan to %s (sha256 %s)\n", path, sum);
		if (digest)
			memcpy(digest, sum, sizeof(sum));
	}
	free(text);
	return rc;
}

int pdh_cli_print_plan(FILE *out, pdh_format fmt, const pdh_plan *plan,
                       const pdh_desired *desired, const pdh_live *live,
                       const pdh_diags *diags, const char *digest, pdh_error *err)
{
	pdh_markdown_opts mo = { 0, digest, diags };
	char *text;
	int rc = 0;

	if (fmt == PDH_FORMAT_JSON)
		text = pdh_render_json(plan, desired, live, diags);
	else if (fmt == PDH_FORMAT_MARKDOWN)
		text = pdh_render_markdown(plan, desired, live, &mo);
	else
		return pdh_error_set(err, PDH_EINVAL, "the text format is rendered by the caller");
	(void)fputs(text, out); /* the caller checks the stream (pdh_cli_stdout_ok) */
	free(text);
	return rc;
}

int pdh_cli_plan_saved(pdh_common *o, pdh_target *t, pdh_target_run *run, const char *path,
                       pdh_planfile **pf)
{
	pdh_error err = { 0 };
	int rc;

	*pf = NULL;
	if (o->targets.n || o->excludes.n || o->adopt || o->takeover) {
		/* A saved plan is applied as it was reviewed. */
		pdh_cli_error("apply PLANFILE: --target, --exclude, --adopt and --takeover are kept "
		              "in the saved plan; give them to 'pdhooks plan -o'");
		return PDH_EXIT_ERROR;
	}
	if ((rc = pdh_cli_target_open(o, t)) != PDH_EXIT_OK)
		return rc;
	rc = pdh_planfile_load(pf, path, &err);
	if (rc != PDH_OK) {
		pdh_cli_error("%s", err.message);
		return pdh_exit_code(rc);
	}
	if (pdh_cli_metrics_check_one(o, (*pf)->desired_path, "the saved plan's desired file") != 0)
		return PDH_EXIT_ERROR;
	if (!o->quiet)
		fprintf(stderr, "pdhooks: applying the saved plan %s (sha256 %s) of %s\n", path,
		        (*pf)->digest, (*pf)->desired_path);
	t->desired_path = (*pf)->desired_path;
	/* This apply's brake: its own --max-deletes; pdh_planfile_brake_opts does the rest. */
	t->plan.max_deletes_set = o->max_deletes >= 0;
	t->plan.max_deletes = o->max_deletes >= 0 ? o->max_deletes : 0;
	t->plan.auth = t->client.auth;
	pdh_planfile_choice(&t->plan, *pf);  /* and its verification: the saved patterns */
	pdh_target_run_init(run, (*pf)->desired_path);
	rc = pdh_planfile_target_plan(run, t, *pf, &err);
	return pdh_cli_report_plan(o, (*pf)->desired_path, run, rc, &err);
}
