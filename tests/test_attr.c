/* The attribute table (core/plan/attr.c): the five compared attributes, each described once,
 * and the rules the planner, the renderers and the saved-plan check read from it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/attr.h"

/* A declared webhook and its live twin: the same name, version 2.0, nothing else. */
#define S_desired() ((pdh_desired_webhook){ .name = "deals", .version = "2.0" })
#define S_live() ((pdh_live_webhook){ .name = "deals", .version = "2.0" })

static const pdh_attr *S_a(pdh_attr_id id)
{
	return &pdh_attrs[id];
}

/* The attribute's text on the live side and on the desired side: `before` and `after`. */
static void S_expect_texts(const pdh_attr *a, const pdh_desired_webhook *d,
                           const pdh_live_webhook *l, const char *before, const char *after)
{
	char *b = pdh_attr_live_text(a, l), *f = pdh_attr_desired_text(a, d);

	cr_expect_str_eq(b, before, "%s before", a->name);
	cr_expect_str_eq(f, after, "%s after", a->name);
	free(b);
	free(f);
}

Test(attr, the_table_is_designs_list_in_designs_order)
{
	static const char *const names[] = { "name", "user_id", "version", "http_auth_user",
		"http_auth_password" };

	for (size_t i = 0; i < PDH_ATTR_COUNT; i++) {
		cr_expect_eq(pdh_attrs[i].id, (pdh_attr_id)i);
		cr_expect_str_eq(pdh_attrs[i].name, names[i]);
		cr_expect_eq(pdh_attrs[i].secret, i == PDH_ATTR_HTTP_AUTH_PASSWORD, "%s", names[i]);
		cr_expect_eq(pdh_attr_find(names[i]), &pdh_attrs[i]);
	}
	cr_expect_eq(S_a(PDH_ATTR_USER_ID)->type, PDH_ATTR_INTEGER);
	cr_expect_eq(S_a(PDH_ATTR_HTTP_AUTH_PASSWORD)->type, PDH_ATTR_PASSWORD);
	cr_expect_null(pdh_attr_find("subscription_url"), "the identity is not a compared attribute");
	cr_expect_null(pdh_attr_find(NULL));
}

Test(attr, a_derived_name_and_undeclared_fields_are_not_compared)
{
	pdh_desired_webhook d = S_desired();
	pdh_live_webhook l = S_live();

	d.name_derived = true;
	l.name = "other";
	l.has_user_id = true;
	l.user_id = 7;
	l.http_auth_user = "u";
	l.password_state = PDH_SECRET_REAL;
	l.http_auth_password = "p";
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_NAME), &d, &l, NULL), PDH_ATTR_NOT_DECLARED);
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_USER_ID), &d, &l, NULL), PDH_ATTR_NOT_DECLARED);
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_HTTP_AUTH_USER), &d, &l, NULL), PDH_ATTR_NOT_DECLARED);
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_HTTP_AUTH_PASSWORD), &d, &l, NULL),
	             PDH_ATTR_NOT_DECLARED);
}

Test(attr, version_is_compared_by_default_and_an_absent_one_agrees)
{
	pdh_desired_webhook d = S_desired();
	pdh_live_webhook l = S_live();

	l.version = "1.0";
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_VERSION), &d, &l, NULL), PDH_ATTR_DIFFERS,
	             "undeclared: \"2.0\", Pipedrive's default");
	S_expect_texts(S_a(PDH_ATTR_VERSION), &d, &l, "\"1.0\"", "\"2.0\"");
	l.version = NULL;
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_VERSION), &d, &l, NULL), PDH_ATTR_SAME);
}

Test(attr, names_users_and_user_ids_compare_with_null)
{
	pdh_desired_webhook d = S_desired();
	pdh_live_webhook l = S_live();
	char *t;

	l.name = NULL;
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_NAME), &d, &l, NULL), PDH_ATTR_DIFFERS);
	t = pdh_attr_live_text(S_a(PDH_ATTR_NAME), &l);
	cr_expect_str_eq(t, "null");
	free(t);

	d.has_user_id = true;
	d.user_id = 2;
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_USER_ID), &d, &l, NULL), PDH_ATTR_DIFFERS,
	             "a listing without user_id differs from a declared one");
	l.has_user_id = true;
	l.user_id = 1;
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_USER_ID), &d, &l, NULL), PDH_ATTR_DIFFERS);
	t = pdh_attr_live_text(S_a(PDH_ATTR_USER_ID), &l);
	cr_expect_str_eq(t, "1");
	free(t);
	l.user_id = 2;
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_USER_ID), &d, &l, NULL), PDH_ATTR_SAME);

	d.has_http_auth_user = true;   /* declared as null */
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_HTTP_AUTH_USER), &d, &l, NULL), PDH_ATTR_SAME);
	l.http_auth_user = "someone";
	cr_expect_eq(pdh_attr_compare(S_a(PDH_ATTR_HTTP_AUTH_USER), &d, &l, NULL), PDH_ATTR_DIFFERS);
}

/* The listing's shape of a password: real, masked or null. */
Test(attr, a_password_is_compared_only_with_a_real_value)
{
	const pdh_attr *pw = S_a(PDH_ATTR_HTTP_AUTH_PASSWORD);
	pdh_desired_webhook d = S_desired();
	pdh_live_webhook l = S_live();

	d.has_http_auth_password = true;
	d.http_auth_password = "s3cret-value";
	d.http_auth_password_ref = "${PW}";
	l.password_state = PDH_SECRET_REAL;
	l.http_auth_password = "s3cret-value";
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_SAME);
	l.http_auth_password = "another";
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_DIFFERS);
	S_expect_texts(pw, &d, &l, "(sensitive)", "(sensitive)");
	l.password_state = PDH_SECRET_MASKED;
	l.http_auth_password = NULL;
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_MASKED);
	l.password_state = PDH_SECRET_NONE;
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_NOT_LISTED);

	/* declared null: any password shown, even masked, is one too many */
	d.http_auth_password = NULL;
	d.http_auth_password_ref = NULL;
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_SAME);
	l.password_state = PDH_SECRET_MASKED;
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, NULL), PDH_ATTR_DIFFERS);
	S_expect_texts(pw, &d, &l, "(sensitive)", "null");
}

/* A saved plan's record has the password's reference and never its value. */
Test(attr, a_record_matches_by_declaration_and_reference)
{
	pdh_desired_webhook now = S_desired(), rec = S_desired();
	const pdh_attr *pw = S_a(PDH_ATTR_HTTP_AUTH_PASSWORD);

	for (size_t i = 0; i < PDH_ATTR_COUNT; i++)
		cr_expect(pdh_attr_same_record(&pdh_attrs[i], &now, &rec, NULL), "%s", pdh_attrs[i].name);
	now.has_http_auth_password = rec.has_http_auth_password = true;
	now.http_auth_password = "value";
	now.http_auth_password_ref = rec.http_auth_password_ref = "${PW}";
	cr_expect(pdh_attr_same_record(pw, &now, &rec, NULL));
	rec.http_auth_password_ref = "${OTHER}";
	cr_expect_not(pdh_attr_same_record(pw, &now, &rec, NULL));
	rec.http_auth_password_ref = NULL;
	cr_expect_not(pdh_attr_same_record(pw, &now, &rec, NULL), "a value against a recorded null");

	rec.name_derived = true;
	cr_expect_not(pdh_attr_same_record(S_a(PDH_ATTR_NAME), &now, &rec, NULL));
	rec.version_declared = true;
	cr_expect_not(pdh_attr_same_record(S_a(PDH_ATTR_VERSION), &now, &rec, NULL));
	rec.has_user_id = true;
	cr_expect_not(pdh_attr_same_record(S_a(PDH_ATTR_USER_ID), &now, &rec, NULL));
	now.has_user_id = true;
	now.user_id = 5;
	rec.user_id = 5;
	cr_expect(pdh_attr_same_record(S_a(PDH_ATTR_USER_ID), &now, &rec, NULL));
}

/* A null password in a listing that shows real ones for other webhooks means "none". */
Test(attr, a_null_password_differs_when_the_listing_shows_passwords)
{
	const pdh_attr *pw = S_a(PDH_ATTR_HTTP_AUTH_PASSWORD);
	const pdh_attr_listing shows = { true }, hides = { false };
	pdh_desired_webhook d = S_desired();
	pdh_live_webhook l = S_live();

	d.has_http_auth_password = true;
	d.http_auth_password = "s3cret-value";
	d.http_auth_password_ref = "${PW}";
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, &shows), PDH_ATTR_DIFFERS);
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, &hides), PDH_ATTR_NOT_LISTED);
	l.password_state = PDH_SECRET_MASKED;
	cr_expect_eq(pdh_attr_compare(pw, &d, &l, &shows), PDH_ATTR_MASKED);
}

/* A record's texts were scrubbed when saved: the file's are compared in their shown form. */
Test(attr, a_record_compares_scrubbed_texts)
{
	pdh_secrets *secrets = pdh_secrets_new();
	pdh_desired_webhook now = S_desired(), rec = S_desired();
	const pdh_attr *user = S_a(PDH_ATTR_HTTP_AUTH_USER);

	now.has_http_auth_user = rec.has_http_auth_user = true;
	now.http_auth_user = "tenant-acme";
	rec.http_auth_user = "${TENANT}";
	cr_expect_not(pdh_attr_same_record(user, &now, &rec, NULL));
	pdh_secrets_add(secrets, "tenant-acme", "${TENANT}");
	cr_expect(pdh_attr_same_record(user, &now, &rec, secrets));
	pdh_secrets_free(secrets);
}
