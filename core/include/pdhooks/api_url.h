/* The Pipedrive API base URL: which one to use, and which ones pdhooks talks to. Pure. */
#ifndef PDHOOKS_API_URL_H
#define PDHOOKS_API_URL_H

#include <stdbool.h>

#include "pdhooks/error.h"

#define PDH_DEFAULT_API_URL "https://api.pipedrive.com/v1"

/* The API base URL to use: flag (--api-url), else env_url (PIPEDRIVE_API_URL), else
 * "https://DOMAIN.pipedrive.com/api/v1" from env_company_domain (PIPEDRIVE_COMPANY_DOMAIN),
 * else PDH_DEFAULT_API_URL. Empty strings count as unset. The result passes
 * pdh_api_url_check; a trailing '/' is dropped. Caller frees *out. */
int pdh_api_url_resolve(char **out, const char *flag, const char *env_url,
                        const char *env_company_domain, pdh_error *err);
/* One DNS label: 1-63 letters, digits and hyphens, no hyphen at either end. */
bool pdh_company_domain_valid(const char *s);
/* Whether pdhooks talks to this base URL: https://, or http:// only to a loopback host; a
 * host; no userinfo, query or fragment (credentials never travel in a URL). PDH_EINVAL. */
int pdh_api_url_check(const char *url, pdh_error *err);

#endif
