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

/* The names one message lists at most; a fleet of one token copied 10,000 times says how
 * many more instead of listing them all. */
#define S_MAX_NAMED 3

/* The identities qsort's comparisons read (C11 has no qsort_r); the check runs on one
 * thread, before the run's workers start. */
static const pdh_fleet_identity *S_ids;

/* Orders account indexes by credential, then file order. */
static int S_by_target(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = strcmp(S_ids[i].target_sha256, S_ids[j].target_sha256);

	return c != 0 ? c : (i > j) - (i < j);
}

/* Orders account indexes by company id, then credential, then file order. */
static int S_by_company(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	long long a = S_ids[i].company_id, b = S_ids[j].company_id;

	return a != b ? (a > b) - (a < b) : S_by_target(x, y);
}

/* One account's refusal, built as its clashes are found (in file order within a group). */
typedef struct S_why {
	pdh_buf b;
	size_t named, more;
} S_why;

static void S_add(S_why *w, const pdh_fleet_identity *ids, size_t i, size_t j, int why)
{
	if (w->named == S_MAX_NAMED) {
		w->more++;
	} else if (w->named++ > 0) {
		pdh_buf_printf(&w->b, "; so does account %s", ids[j].name);
	} else if (why == 1) {
		pdh_buf_printf(&w->b, "refused: account %s has the same API URL and token",
		               ids[j].name);
	} else {
		pdh_buf_printf(&w->b, "refused: account %s manages the general webhooks of the same "
		               "company (company_id %lld)", ids[j].name, ids[i].company_id);
	}
}

/* Whether x and y (indexes, x != y) of one company's group clash by the second rule: not two
 * OAuth installs, and not already told as one credential. */
static bool S_company_clash(const pdh_fleet_identity *ids, size_t x, size_t y)
{
	return !(ids[x].bearer && ids[y].bearer) &&
	       !(ids[x].target_sha256[0] && strcmp(ids[x].target_sha256, ids[y].target_sha256) == 0);
}

/* Orders account indexes by company id, then file order. */
static int S_by_company_in_file_order(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	long long a = S_ids[i].company_id, b = S_ids[j].company_id;

	return a != b ? (a > b) - (a < b) : (i > j) - (i < j);
}

char **pdh_fleet_same_installs(const pdh_fleet_identity *ids, size_t n)
{
	size_t *order = pdh_xcalloc(n + 1, sizeof(*order)), m = 0;
	char **out = NULL;

	S_ids = ids;
	for (size_t i = 0; i < n; i++)
		if (ids[i].bearer && ids[i].has_company_id)
			order[m++] = i;
	qsort(order, m, sizeof(*order), S_by_company_in_file_order);
	for (size_t g = 0, e; g < m; g = e) {
		pdh_buf b = PDH_BUF_INIT;

		for (e = g + 1; e < m && ids[order[e]].company_id == ids[order[g]].company_id; e++)
			;
		if (e - g < 2)
			continue;
		pdh_buf_printf(&b, "accounts %s", ids[order[g]].name);
		for (size_t x = g + 1; x < e && x - g < S_MAX_NAMED; x++)
			pdh_buf_printf(&b, "%s%s", x + 1 == e ? " and " : ", ", ids[order[x]].name);
		if (e - g > S_MAX_NAMED)
			pdh_buf_printf(&b, " and %zu more", e - g - S_MAX_NAMED);
		pdh_buf_printf(&b, " are OAuth installs in one company (company_id %lld): an app is "
		               "installed per user, and each install sees only its own webhooks",
		               ids[order[g]].company_id);
		if (out == NULL)
			out = pdh_xcalloc(n + 1, sizeof(*out));
		out[order[g]] = pdh_buf_detach(&b);
	}
	free(order);
	return out;
}

/* Sorting, then each group of equals: n log n when accounts are distinct, and a group of k
 * equal ones costs k times the few names a message lists, so 100,000 accounts (or one token
 * copied into all of them) are checked in well under a second. A pair that clashes both ways
 * is told once, as one credential (the first rule). */
char **pdh_fleet_same_company(const pdh_fleet_identity *ids, size_t n)
{
	size_t *order = pdh_xcalloc(n + 1, sizeof(*order)), m = 0;
	S_why *why = pdh_xcalloc(n + 1, sizeof(*why));
	char **out = NULL;

	S_ids = ids;
	for (size_t i = 0; i < n; i++)
		if (ids[i].target_sha256[0])
			order[m++] = i;
	qsort(order, m, sizeof(*order), S_by_target);
	for (size_t g = 0, e; g < m; g = e) {
		for (e = g + 1; e < m && strcmp(ids[order[e]].target_sha256,
		                                ids[order[g]].target_sha256) == 0; e++)
			;
		for (size_t x = g; e - g > 1 && x < e; x++) {
			for (size_t y = g; y < e && why[order[x]].named < S_MAX_NAMED; y++)
				if (y != x)
					S_add(&why[order[x]], ids, order[x], order[y], 1);
			why[order[x]].more = (e - g - 1) - why[order[x]].named;
		}
	}
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i].has_company_id && S_general(&ids[i]))
			order[m++] = i;
	qsort(order, m, sizeof(*order), S_by_company);
	for (size_t g = 0, e; g < m; g = e) {
		size_t oauth = 0;

		for (e = g; e < m && ids[order[e]].company_id == ids[order[g]].company_id; e++)
			oauth += ids[order[e]].bearer;
		for (size_t x = g, t = g, te = g; e - g > 1 && x < e; x++) {
			size_t i = order[x], named = why[i].named, clashes;

			if (x == te) {  /* the run of one credential that x starts */
				for (t = x, te = x + 1; te < e && ids[order[te]].target_sha256[0] &&
				     strcmp(ids[order[te]].target_sha256, ids[i].target_sha256) == 0; te++)
					;
			}
			/* everyone else in the group, less the OAuth installs when i is one, less
			 * its own credential's run (told already) */
			clashes = ids[i].bearer ? (e - g) - oauth : (e - g) - 1 - (te - t - 1);
			for (size_t y = g; y < e && why[i].named < S_MAX_NAMED; y++)
				if (y != x && S_company_clash(ids, i, order[y]))
					S_add(&why[i], ids, i, order[y], 2);
			why[i].more += clashes - (why[i].named - named);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (why[i].named == 0)
			continue;
		if (why[i].more > 0)
			pdh_buf_printf(&why[i].b, "; and %zu more account%s", why[i].more,
			               why[i].more == 1 ? "" : "s");
		pdh_buf_puts(&why[i].b, "; each would delete the webhooks the other creates (one "
		             "account per company)");
		if (out == NULL)
			out = pdh_xcalloc(n + 1, sizeof(*out));
		out[i] = pdh_buf_detach(&why[i].b);
	}
	PDH_FREE_ALL(order, why);
	return out;
}
