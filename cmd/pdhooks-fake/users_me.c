/* GET /users/me: the caller and its company, as Pipedrive answers it (the base scope every
 * token has): what names the company of a token whose listing is empty. */
#include "fake.h"

#include <stdlib.h>

#include "pdhooks/alloc.h"

json_t *fake_users_me(const fake_server *s, const fake_company *co)
{
	char *name = co->name ? pdh_xstrdup(co->name) : pdh_xasprintf("Company %ld", co->id);
	char *domain = co->domain ? pdh_xstrdup(co->domain) : pdh_xasprintf("company%ld", co->id);
	json_t *data = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:s, s:s}",
	                         "id", (json_int_t)s->user_id, "name", "Fake User",
	                         "email", "user@example.com", "company_id", (json_int_t)co->id,
	                         "company_name", name, "company_domain", domain,
	                         "is_admin", 1, "active_flag", 1, "lang", "en",
	                         "timezone_name", "Europe/Tallinn");

	free(name);
	free(domain);
	return json_pack("{s:b, s:o}", "success", 1, "data", data);
}
