/* Pipedrive's contract (pipedrive/openapi-webhooks.yaml) against the loader, the URL key and
 * the response parsers: limits counted as the spec counts them, shapes the spec allows. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/error.h"

static int S_load(pdh_desired **d, pdh_diags *diags, const char *yaml)
{
	pdh_error err = { 0 };

	pdh_diags_init(diags, "t.yaml");
	return pdh_desired_load_buffer(d, "t.yaml", yaml, strlen(yaml), NULL, diags, &err);
}

static char *S_file_with_name(const char *unit, size_t n)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n  - name: \"");
	for (size_t i = 0; i < n; i++)
		pdh_buf_puts(&b, unit);
	pdh_buf_puts(&b, "\"\n    event_action: create\n    event_object: deal\n"
	                 "    subscription_url: https://hooks.example.com/d\n");
	return pdh_buf_detach(&b);
}

/* The spec's maxLength: 255 counts characters, as JSON Schema does (and as the fake does). */
Test(qa_contract, a_name_of_255_two_byte_characters_loads)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	char *yaml = S_file_with_name("\xc3\xa9", 255);

	cr_expect_eq(S_load(&d, &diags, yaml), PDH_OK,
	             "%s", diags.len ? diags.items[0].message : "");
	cr_expect_eq(diags.len, 0);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	free(yaml);
}

Test(qa_contract, a_name_of_256_characters_is_refused_in_characters)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	char *yaml = S_file_with_name("\xc3\xa9", 256);

	cr_expect_eq(S_load(&d, &diags, yaml), PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags.len, 1);
	cr_expect_str_eq(diags.items[0].message,
	                 "name is 256 characters long; Pipedrive allows at most 255");
	pdh_diags_dispose(&diags);
	free(yaml);
}
