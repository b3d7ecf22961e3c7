/* Which API base URL pdhooks talks to, and whether it may. */
#include "pdhooks/api_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/url.h"
#include "util/text.h"

bool pdh_company_domain_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

int pdh_api_url_check(const char *url, pdh_error *err)
{
	pdh_url u;
	const char *why = NULL;
	int rc = PDH_OK;

	if (pdh_url_parse(&u, url, &why) != 0)
		return pdh_error_set(err, PDH_EINVAL, "invalid API URL: %s", why);
	if (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0) {
		rc = pdh_error_set(err, PDH_EINVAL, "invalid API URL: scheme must be https, not %s",
		                   u.scheme);
		goto done;
	}
	if (u.host == NULL || *u.host == '\0') {
		rc = pdh_error_set(err, PDH_EINVAL, "invalid API URL: no host");
		goto done;
	}
	if (strcmp(u.scheme, "http") == 0 && !pdh_url_host_is_loopback(u.host)) {
		rc = pdh_error_set(err, PDH_EINVAL,
		                   "refusing plain http:// API URL to %s: the token would travel "
		                   "unencrypted (use https://; http:// is allowed only to localhost)",
		                   u.host);
		goto done;
	}
	if (u.userinfo != NULL) {
		rc = pdh_error_set(err, PDH_EINVAL, "invalid API URL: credentials do not belong in "
		                   "the URL (use PIPEDRIVE_API_TOKEN or --token-file)");
		goto done;
	}
	if (u.query != NULL || u.fragment != NULL) {
		rc = pdh_error_set(err, PDH_EINVAL, "invalid API URL: no query or fragment allowed "
		                   "(credentials never go in a URL)");
		goto done;
	}
done:
	pdh_url_dispose(&u);
	return rc;
}

int pdh_api_url_resolve(char **out, const char *flag, const char *env_url,
                        const char *env_company_domain, pdh_error *err)
{
	char *url = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (pdh_text_set(flag)) {
		url = pdh_xstrdup(flag);
	} else if (pdh_text_set(env_url)) {
		url = pdh_xstrdup(env_url);
	} else if (pdh_text_set(env_company_domain)) {
		if (!pdh_company_domain_valid(env_company_domain))
			return pdh_error_set(err, PDH_EINVAL,
			                     "PIPEDRIVE_COMPANY_DOMAIN must be the company's subdomain "
			                     "(e.g. acme for acme.pipedrive.com): letters, digits and "
			                     "hyphens only");
		url = pdh_xasprintf("https://%s.pipedrive.com/api/v1", env_company_domain);
	} else {
		url = pdh_xstrdup(PDH_DEFAULT_API_URL);
	}
	rc = pdh_api_url_check(url, err);
	if (rc != 0) {
		free(url);
		return rc;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	*out = url;
	return PDH_OK;
}
