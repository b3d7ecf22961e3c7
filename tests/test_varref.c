/* The ${VAR} module (core/desired/varref.c) and the scrubber (core/util/secrets.c), called
 * directly: value and shown form, sources (vars, environment, defaults), nesting, no_env, and
 * what the scrubber replaces. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "desired/varref.h"
#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/secrets.h"
#include "testutil.h"

static const char *const S_env_table[] = { "ZAP_ID=12345/secretpath", "EMPTY=", "B=from-env-b",
	                                    NULL };

static const char *S_env(const char *name, void *ctx)
{
	(void)ctx;
	return pdh_t_env_table(name, (void *)S_env_table);
}

static const char *S_vars(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "TENANT") == 0 ? "acme" : NULL;
}

typedef struct {
	char msgs[512];
	size_t at;
	int n;
} S_reports;

static void S_report(void *ctx, size_t at, const char *msg)
{
	S_reports *r = ctx;
	if (r->n++ == 0)
		r->at = at;
	strncat(r->msgs, msg, sizeof(r->msgs) - strlen(r->msgs) - 2);
	strcat(r->msgs, "\n");
}

static int S_x(pdh_varref_out *o, const char *text, const pdh_load_opts *opts, pdh_secrets *s,
               S_reports *r)
{
	memset(r, 0, sizeof(*r));
	return pdh_varref_expand(o, text, strlen(text), opts, s, S_report, r);
}

static const pdh_load_opts S_opts = { .getenv = S_env, .vars = S_vars };

Test(varref, an_environment_value_is_shown_as_its_reference_and_becomes_a_secret)
{
	pdh_secrets *s = pdh_secrets_new();
	pdh_varref_out o;
	S_reports r;
	char *shown;

	cr_assert_eq(S_x(&o, "https://hooks.zapier.com/hooks/catch/${ZAP_ID}/?t=${TENANT}", &S_opts,
	                 s, &r), 0, "%s", r.msgs);
	cr_expect_str_eq(o.value, "https://hooks.zapier.com/hooks/catch/12345/secretpath/?t=acme");
	cr_expect_str_eq(o.shown, "https://hooks.zapier.com/hooks/catch/${ZAP_ID}/?t=acme",
	                 "vars are written in git and shown as their value");
	cr_expect(o.from_env);
	shown = pdh_secrets_scrub(s, "echo: {\"url\":\"https:\\/\\/x\\/12345\\/secretpath\\/\"} and 12345/secretpath");
	cr_expect_str_eq(shown, "echo: {\"url\":\"https:\\/\\/x\\/${ZAP_ID}\\/\"} and ${ZAP_ID}",
	                 "the JSON-escaped form with \\/ too");
	free(shown);
	pdh_varref_out_dispose(&o);
	pdh_secrets_free(s);
}

Test(varref, defaults_nest_and_are_shown_as_written_values)
{
	pdh_varref_out o;
	S_reports r;

	cr_assert_eq(S_x(&o, "${A:-${B}}", &S_opts, NULL, &r), 0, "%s", r.msgs);
	cr_expect_str_eq(o.value, "from-env-b");
	cr_expect_str_eq(o.shown, "${B}");
	pdh_varref_out_dispose(&o);
	cr_assert_eq(S_x(&o, "x${A:-${EMPTY:-in}-$$-}y", &S_opts, NULL, &r), 0, "%s", r.msgs);
	cr_expect_str_eq(o.value, "xin-$-y");
	cr_expect_str_eq(o.shown, "xin-$-y");
	cr_expect_not(o.from_env);
	pdh_varref_out_dispose(&o);
	cr_assert_eq(S_x(&o, "${A:-${C:-${D:-deep}}}", &S_opts, NULL, &r), 0, "%s", r.msgs);
	cr_expect_str_eq(o.value, "deep");
	pdh_varref_out_dispose(&o);
}

Test(varref, errors_name_the_variable_and_the_place)
{
	pdh_varref_out o;
	S_reports r;

	cr_expect_eq(S_x(&o, "ab${A:-${NOPE}}", &S_opts, NULL, &r), -1);
	cr_expect_eq(r.at, 7, "at the nested reference");
	cr_expect_not_null(strstr(r.msgs, "environment variable 'NOPE' is not set"), "%s", r.msgs);
	cr_expect_null(o.value);
	cr_expect_eq(S_x(&o, "${A:-${B}", &S_opts, NULL, &r), -1);
	cr_expect_not_null(strstr(r.msgs, "malformed variable reference"), "%s", r.msgs);
	cr_expect_eq(S_x(&o, "${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-x}}}}}}}}}", &S_opts, NULL,
	                 &r), -1);
	cr_expect_not_null(strstr(r.msgs, "nest deeper than 8"), "%s", r.msgs);
	cr_expect_eq(S_x(&o, "${X} ${Y}", &S_opts, NULL, &r), -1);
	cr_expect_eq(r.n, 2, "every unset variable: %s", r.msgs);
}

Test(varref, no_env_reads_no_value_and_keeps_the_syntax_check)
{
	pdh_load_opts o_ne = { .getenv = S_env, .vars = S_vars, .no_env = true };
	pdh_varref_out o;
	S_reports r;

	cr_assert_eq(S_x(&o, "https://h/${ZAP_ID}/${TENANT}/${MISSING:-d}", &o_ne, NULL, &r), 0,
	             "%s", r.msgs);
	cr_expect_str_eq(o.value, "https://h/${ZAP_ID}/acme/d");
	cr_expect(o.unread);
	cr_expect_not(o.from_env);
	pdh_varref_out_dispose(&o);
	cr_expect_eq(S_x(&o, "${1BAD}", &o_ne, NULL, &r), -1);
}

Test(varref, a_single_reference_is_recognised_for_typed_keys)
{
	char *name = NULL;

	cr_expect(pdh_varref_is_single("${PD_USER_ID}", 13, &name));
	cr_expect_str_eq(name, "PD_USER_ID");
	free(name);
	cr_expect(pdh_varref_is_single("${N:-${M}}", 10, NULL));
	cr_expect_not(pdh_varref_is_single("${A}${B}", 8, NULL));
	cr_expect_not(pdh_varref_is_single("x${A}", 5, NULL));
	cr_expect_not(pdh_varref_is_single("${A", 3, NULL));
}

Test(secrets, the_longest_first_short_values_left_alone_credentials_always)
{
	pdh_secrets *s = pdh_secrets_new();
	char *t;

	pdh_secrets_add(s, "abcd", "${SHORT}");
	pdh_secrets_add(s, "abcdefgh", "${LONG}");
	pdh_secrets_add(s, "xyz", "${TINY}");
	pdh_secrets_add_credential(s, "T1", "***");
	pdh_secrets_add(s, "abcd", "${OTHER}");
	t = pdh_secrets_scrub(s, "abcdefgh abcd xyz T1");
	cr_expect_str_eq(t, "${LONG} ${SHORT} xyz ***");
	free(t);
	cr_expect_null(pdh_secrets_scrub(s, NULL));
	t = pdh_secrets_scrub(NULL, "as is");
	cr_expect_str_eq(t, "as is");
	free(t);
	pdh_secrets_free(s);
}

/* The loader through pdh_load_opts: vars (fleet) are shown, the environment is not; the
 * derived name comes from the shown URL; the comparison value is the real one. */
Test(varref, the_loader_keeps_a_shown_form_and_a_secret_set)
{
	static const char yaml[] = "pdhooks: 1\n"
	                           "webhooks:\n"
	                           "  - event_action: create\n"
	                           "    event_object: deal\n"
	                           "    subscription_url: https://hooks.zapier.com/${TENANT}/${ZAP_ID}/\n"
	                           "    http_auth_user: ${TENANT}\n";
	pdh_desired *d = NULL;
	pdh_diags diags;
	pdh_error err;
	char *t;

	pdh_diags_init(&diags, "t.yaml");
	cr_assert_eq(pdh_desired_load_buffer(&d, "t.yaml", yaml, sizeof(yaml) - 1, &S_opts, &diags,
	                                     &err), 0, "%s", err.message);
	cr_expect_str_eq(d->webhooks[0].subscription_url,
	                 "https://hooks.zapier.com/acme/12345/secretpath/");
	cr_expect_str_eq(d->webhooks[0].subscription_url_shown,
	                 "https://hooks.zapier.com/acme/${ZAP_ID}/");
	cr_expect_str_eq(d->webhooks[0].name, "create.deal hooks.zapier.com/acme/${ZAP_ID}/");
	cr_expect(d->webhooks[0].name_derived);
	cr_expect_str_eq(d->webhooks[0].http_auth_user_shown, "acme");
	t = pdh_secrets_scrub(d->secrets, "acme 12345/secretpath");
	cr_expect_str_eq(t, "acme ${ZAP_ID}", "only the environment's value is a secret");
	free(t);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}
