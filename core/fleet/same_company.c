/* Two accounts of one run that resolve to one company (a copied token_env, a mistyped
 * company_domain) would each delete the webhooks the other creates: find them, before any
 * write, from what the listing pass learnt of each. */
#include "pdhooks/fleet_run.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/desired.h"

/* Whether the account manages the general webhooks its company's listing shows. */
static bool S_general(const pdh_fleet_identity *a)
{
	return !a->bearer || (a->declared_types & PDH_TYPE_GENERAL) != 0;
}

/* Why a and b clash: 0 they do not, 1 one credential, 2 one company's general webhooks. */
static int S_clash(const pdh_fleet_identity *a, const pdh_fleet_identity *b)
{
	if (a->target_sha256[0] && strcmp(a->target_sha256, b->target_sha256) == 0)
		return 1;
	if (a->has_company_id && b->has_company_id && a->company_id == b->company_id &&
	    !(a->bearer && b->bearer) && S_general(a) && S_general(b))
		return 2;
	return 0;
}

char **pdh_fleet_same_company(const pdh_fleet_identity *ids, size_t n)
{
	char **out = NULL;

	for (size_t i = 0; i < n; i++) {
		pdh_buf b = PDH_BUF_INIT;
		size_t k = 0;

		for (size_t j = 0; j < n; j++) {
			int why = j == i ? 0 : S_clash(&ids[i], &ids[j]);

			if (why == 0)
				continue;
			if (k++ > 0)
				pdh_buf_printf(&b, "; so does account %s", ids[j].name);
			else if (why == 1)
				pdh_buf_printf(&b, "refused: account %s has the same API URL and token",
				               ids[j].name);
			else
				pdh_buf_printf(&b, "refused: account %s manages the general webhooks of the "
				               "same company (company_id %lld)", ids[j].name,
				               ids[i].company_id);
		}
		if (k == 0)
			continue;
		pdh_buf_puts(&b, "; each would delete the webhooks the other creates (one account "
		             "per company)");
		if (out == NULL)
			out = pdh_xcalloc(n + 1, sizeof(*out));
		out[i] = pdh_buf_detach(&b);
	}
	return out;
}
