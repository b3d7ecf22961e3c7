/* pdhooks export: the live webhooks of the managed types as a desired-state file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/atomic_write.h"
#include "pdhooks/buf.h"
#include "pdhooks/cost.h"
#include "pdhooks/listing.h"
#include "pdhooks/export.h"
#include "pdhooks/marker.h"
#include "pdhooks/plan.h"

/* " (1 API call, 10 tokens; 29990 daily tokens left": what the listing spent, as plan says
 * it; the caller closes the parenthesis. */
static void S_cost(const pdh_listing_report *rep, const pdh_meter *meter)
{
	pdh_buf b = PDH_BUF_INIT;
	long long left = pdh_meter_daily_remaining(meter);

	pdh_buf_puts(&b, " (");
	pdh_cost_words(&b, rep->calls, pdh_meter_tokens(meter));
	if (left >= 0)
		pdh_buf_printf(&b, "; %lld daily token%s left", left, left == 1 ? "" : "s");
	fputs(pdh_buf_cstr(&b), stderr);
	pdh_buf_dispose(&b);
}

int pdh_cmd_export(int argc, char **argv)
{
	pdh_export_opts eo = { NULL };
	pdh_export_stats st = { 0 };
	pdh_client_opts copts;
	pdh_listing_opts lo;
	pdh_listing_report rep;
	pdh_live *live = NULL;
	pdh_meter meter = { 0 };
	pdh_common o;
	pdh_error err = { 0 };
	char *yaml = NULL;
	int rc, code = PDH_EXIT_ERROR;

	pdh_common_init(&o);
	if (pdh_common_parse_no_args(&o, PDH_CMD_EXPORT, argc, argv,
	                             "the output file goes after -o") != 0)
		goto done;
	if (o.owner && !pdh_marker_owner_valid(o.owner)) {
		pdh_cli_error("export: --owner '%s' is not a valid owner; expected 1 to %d lower-case "
		              "letters, digits, '.', '_' or '-', starting with a letter or digit",
		              o.owner, PDH_OWNER_MAX);
		goto done;
	}
	if ((rc = pdh_common_client_opts(&o, &copts, &err)) != 0) {
		pdh_cli_error("%s", err.message);
		code = pdh_exit_code(rc);
		goto done;
	}
	copts.meter = &meter;
	pdh_common_listing_opts(&o, &lo);
	rc = pdh_listing_get_with(&copts, &lo, &live, &rep, &err);
	if (rc != PDH_OK) {
		if (rc == PDH_EAUTH && err.http_status != 0)
			pdh_cli_error("%s; the token came from %s", err.message, o.creds.source);
		else
			pdh_cli_error("%s", err.message[0] ? err.message : pdh_error_name(rc));
		code = pdh_exit_code(rc);
		goto done;
	}
	eo.schema_ref = o.schema;
	eo.owner = o.owner;
	/* what plan manages with these credentials: under an app's token its own webhooks too */
	eo.types = pdh_plan_types(0, copts.auth);
	yaml = pdh_export_yaml(live, &eo, &st);
	if (o.out) {
		rc = pdh_write_file_atomic(o.out, yaml, strlen(yaml), 0644, false, &err);
		if (rc != PDH_OK) {
			pdh_cli_error("%s", err.message);
			goto done;
		}
	} else {
		(void)fputs(yaml, stdout);
		if (!pdh_cli_stdout_ok())
			goto done;
	}
	if (!o.quiet) {
		fprintf(stderr, "pdhooks: exported %zu webhook%s", st.exported,
		        st.exported == 1 ? "" : "s");
		if (o.out)
			fprintf(stderr, " to %s", o.out);
		S_cost(&rep, &meter);
		if (st.skipped_duplicates + st.skipped_foreign + st.skipped_owned > 0) {
			fprintf(stderr, "; left out: %zu duplicate%s, %zu of a type not managed",
			        st.skipped_duplicates, st.skipped_duplicates == 1 ? "" : "s",
			        st.skipped_foreign);
			if (st.skipped_owned > 0)
				fprintf(stderr, ", %zu of another owner", st.skipped_owned);
		}
		fputs(")\n", stderr);
		if (st.passwords == 1)
			fprintf(stderr, "pdhooks: 1 password is not exported: set %s1 before planning\n",
			        PDH_EXPORT_PASSWORD_VAR);
		else if (st.passwords > 1)
			fprintf(stderr, "pdhooks: %zu passwords are not exported: set %s1 ... %s%zu "
			        "before planning\n", st.passwords, PDH_EXPORT_PASSWORD_VAR,
			        PDH_EXPORT_PASSWORD_VAR, st.passwords);
		if (st.url_secrets == 1)
			fprintf(stderr, "pdhooks: 1 credential in a URL is not exported: set %s1 before "
			        "planning\n", PDH_EXPORT_URL_SECRET_VAR);
		else if (st.url_secrets > 1)
			fprintf(stderr, "pdhooks: %zu credentials in URLs are not exported: set %s1 ... "
			        "%s%zu before planning\n", st.url_secrets, PDH_EXPORT_URL_SECRET_VAR,
			        PDH_EXPORT_URL_SECRET_VAR, st.url_secrets);
	}
	/* Warnings even with -q: the file lacks what they name, and the exit code says so. */
	for (size_t i = 0; i < st.n_warnings; i++)
		fprintf(stderr, "pdhooks: warning: %s\n", st.warnings[i]);
	if (st.left_out_invalid > 0 || st.load_failed) {
		pdh_cli_error("%zu webhook%s left out of the export: %s would not load (see the "
		              "warnings)", st.left_out_invalid, st.left_out_invalid == 1 ? " is" : "s are",
		              st.left_out_invalid == 1 ? "its entry" : "their entries");
		goto done;
	}
	code = PDH_EXIT_OK;
done:
	pdh_export_stats_dispose(&st);
	free(yaml);
	pdh_live_free(live);
	pdh_common_dispose(&o);
	return code;
}
