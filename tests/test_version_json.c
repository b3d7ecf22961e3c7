/* pdhooks version --json: one JSON object with the version, the commit the binary was built
 * from, and the libcurl and TLS library it runs with; cmake/commit.cmake, which bakes the
 * commit in, falls back to "unknown" outside git. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "testutil.h"

static bool S_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

Test(version_json, parses)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	json_error_t jerr;
	pdh_t_run r;
	json_t *doc;
	const char *commit;

	pdh_t_pdhooks(&r, NULL, NULL, "version", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_empty(r.err);
	doc = json_loads(r.out, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(doc, "not JSON (%s): %s", jerr.text, r.out);
	cr_assert(json_is_object(doc));
	cr_expect_eq(json_object_size(doc), 4, "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "version")), PDH_VERSION);
	/* the same libcurl this process loads, and its TLS library */
	cr_expect_str_eq(json_string_value(json_object_get(doc, "libcurl")), cv->version);
	if (cv->ssl_version)
		cr_expect_str_eq(json_string_value(json_object_get(doc, "tls")), cv->ssl_version);
	else
		cr_expect(json_is_null(json_object_get(doc, "tls")));
	commit = json_string_value(json_object_get(doc, "commit"));
	cr_assert_not_null(commit, "%s", r.out);
	cr_expect(S_hex(commit, 40) || strcmp(commit, "unknown") == 0, "commit '%s'", commit);
	/* built in a git checkout (as here): a commit of that repository */
	if (S_hex(commit, 40)) {
		char *src = getenv("PDH_SOURCE_DIR");
		char *obj = pdh_xasprintf("%s^{commit}", commit);
		char *argv[] = { "/usr/bin/git", "-C", src, "cat-file", "-e", obj, NULL };
		pdh_t_run g;

		pdh_t_run_argv(&g, argv, NULL, NULL);
		cr_expect_eq(g.status, 0, "%s is no commit of %s: %s", commit, src, g.err);
		pdh_t_run_dispose(&g);
		free(obj);
	}
	json_decref(doc);
	pdh_t_run_dispose(&r);
	/* the plain form is unchanged */
	pdh_t_pdhooks(&r, NULL, NULL, "version", NULL);
	cr_expect_str_eq(r.out, "pdhooks " PDH_VERSION "\n");
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, NULL, NULL, "version", "--jsn", NULL);
	cr_expect_eq(r.status, 1);
	pdh_t_run_dispose(&r);
}

/* Runs cmake/commit.cmake for SRC=src (and COMMIT=commit unless NULL); returns the
 * header. */
static char *S_commit_header(const char *src, const char *commit)
{
	char *dir = pdh_t_tmpdir();
	char *out = pdh_xasprintf("%s/pdh_commit.h", dir);
	char *script = pdh_xasprintf("%s/cmake/commit.cmake", getenv("PDH_SOURCE_DIR"));
	char *d_src = pdh_xasprintf("-DSRC=%s", src);
	char *d_out = pdh_xasprintf("-DOUT=%s", out);
	char *d_commit = pdh_xasprintf("-DCOMMIT=%s", commit ? commit : "");
	char *argv[] = { "/usr/bin/cmake", d_src, d_out, d_commit, "-P", script, NULL };
	pdh_t_run r;
	char *text;

	pdh_t_run_argv(&r, argv, NULL, NULL);
	cr_assert_eq(r.status, 0, "cmake -P: %s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(out, NULL);
	cr_assert_not_null(text);
	unlink(out);
	rmdir(dir);
	free(d_src);
	free(d_out);
	free(d_commit);
	free(script);
	free(out);
	free(dir);
	return text;
}

Test(version_json, commit_outside_git)
{
	char *dir = pdh_t_tmpdir();
	char *h = S_commit_header(dir, NULL);

	cr_expect(strstr(h, "#define PDH_COMMIT \"unknown\"\n"), "%s", h);
	free(h);
	h = S_commit_header(dir, "0123abcd");
	cr_expect(strstr(h, "#define PDH_COMMIT \"0123abcd\"\n"), "%s", h);
	free(h);
	rmdir(dir);
	free(dir);
}
