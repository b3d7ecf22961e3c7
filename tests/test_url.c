#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/url.h"
#include "testutil.h"

static void S_expect_norm(const char *in, const char *want)
{
	char *got = pdh_url_normalize(in);
	cr_assert_not_null(got, "%s should parse", in);
	cr_expect_str_eq(got, want, "normalize(%s)", in);
	free(got);
}

Test(url, normalize_lowers_scheme_and_host_and_drops_default_port)
{
	S_expect_norm("HTTPS://Hooks.Example.COM:443/Path/X", "https://hooks.example.com/Path/X");
	S_expect_norm("http://example.com:80", "http://example.com/");
	S_expect_norm("http://example.com:8080/a/", "http://example.com:8080/a/");
	S_expect_norm("https://example.com:80/", "https://example.com:80/");
	S_expect_norm("https://[::1]:443/x?a=1", "https://[::1]/x?a=1");
}

Test(url, trailing_slash_and_query_count)
{
	char *a = pdh_url_normalize("https://h.example/x");
	char *b = pdh_url_normalize("https://h.example/x/");
	char *c = pdh_url_normalize("https://h.example/x?y=1");
	cr_expect_str_neq(a, b);
	cr_expect_str_neq(a, c);
	free(a);
	free(b);
	free(c);
}

Test(url, parse_rejects_non_absolute)
{
	const char *bad[] = { "", "example.com/x", "/relative", "https://", "https://:443/",
		"https://exa mple.com/", "https://host:99999/", "https://host:0/", "mailto:x@y",
		"https://ho<st/", "https://[::1/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pdh_url u;
		const char *why = NULL;
		cr_expect_eq(pdh_url_parse(&u, bad[i], &why), -1, "'%s' should not parse", bad[i]);
		cr_expect_not_null(why);
	}
}

Test(url, parse_parts)
{
	pdh_url u;
	cr_assert_eq(pdh_url_parse(&u, "https://user:pw@Example.com:8443/a/b?x=1&y#frag", NULL), 0);
	cr_expect_str_eq(u.scheme, "https");
	cr_expect_str_eq(u.userinfo, "user:pw");
	cr_expect_str_eq(u.host, "example.com");
	cr_expect_str_eq(u.port, "8443");
	cr_expect_str_eq(u.path, "/a/b");
	cr_expect_str_eq(u.query, "x=1&y");
	cr_expect_str_eq(u.fragment, "frag");
	pdh_url_dispose(&u);
}

Test(url, redact_hides_userinfo_and_query_values)
{
	char *r = pdh_url_redact("https://bob:s3cret@hooks.example.com/p?token=abc&flag&k=v");
	cr_expect_str_eq(r, "https://***@hooks.example.com/p?token=***&flag&k=***");
	cr_expect_null(strstr(r, "s3cret"));
	cr_expect_null(strstr(r, "abc"));
	free(r);
}

Test(url, origin)
{
	pdh_t_expect_str_free(pdh_url_origin("HTTPS://Hooks.example.com:443/deals?x=1"),
	                      "https://hooks.example.com/");
	pdh_t_expect_str_free(pdh_url_origin("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080/");
	cr_expect_null(pdh_url_origin("nope"));
}

Test(url, hosts)
{
	cr_expect(pdh_url_host_is_pipedrive("pipedrive.com"));
	cr_expect(pdh_url_host_is_pipedrive("acme.pipedrive.com"));
	cr_expect(pdh_url_host_is_pipedrive("API.Pipedrive.COM."));
	cr_expect_not(pdh_url_host_is_pipedrive("notpipedrive.com"));
	cr_expect_not(pdh_url_host_is_pipedrive("pipedrive.com.evil.example"));
	cr_expect(pdh_url_host_is_loopback("127.0.0.1"));
	cr_expect(pdh_url_host_is_loopback("localhost"));
	cr_expect(pdh_url_host_is_loopback("::1"));
	cr_expect_not(pdh_url_host_is_loopback("127.0.0.1.example.com"));
	cr_expect_not(pdh_url_host_is_loopback("10.0.0.1"));
}
