/* Which accounts of a fleet a run works on: --account globs, --label KEY=VALUE, --shard I/N. */
#include "pdhooks/fleet.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/sha256.h"


uint64_t pdh_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* A decimal number without sign or leading junk; false when s is not one. */
static bool S_number(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 6)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

int pdh_fleet_shard_parse(pdh_fleet_shard *out, const char *s, pdh_error *err)
{
	const char *slash = strchr(s, '/');
	unsigned long i, n;

	memset(out, 0, sizeof(*out));
	if (slash == NULL || !S_number(s, (size_t)(slash - s), &i) ||
	    !S_number(slash + 1, strlen(slash + 1), &n))
		return pdh_error_set(err, PDH_EINVAL, "--shard '%s': expected I/N, e.g. 0/4 (I "
		                     "counts from 0)", s);
	if (n == 0 || n > PDH_FLEET_MAX_SHARDS)
		return pdh_error_set(err, PDH_EINVAL, "--shard '%s': N must be from 1 to %u", s,
		                     PDH_FLEET_MAX_SHARDS);
	if (i >= n)
		return pdh_error_set(err, PDH_EINVAL, "--shard '%s': I counts from 0, so it must be "
		                     "less than N (%lu)", s, n);
	out->set = true;
	out->index = (unsigned)i;
	out->count = (unsigned)n;
	return 0;
}

bool pdh_fleet_shard_holds(const pdh_fleet_shard *s, const char *name)
{
	if (s == NULL || !s->set)
		return true;
	return pdh_fnv1a64(name, strlen(name)) % s->count == s->index;
}

int pdh_fleet_label_check(const char *s, pdh_error *err)
{
	const char *eq = strchr(s, '=');

	if (eq == NULL || eq == s)
		return pdh_error_set(err, PDH_EINVAL, "--label '%s': expected KEY=VALUE", s);
	return 0;
}

static const char *S_label(const pdh_fleet_account *a, const char *key, size_t key_len)
{
	for (size_t i = 0; i < a->n_labels; i++)
		if (strlen(a->labels[i].key) == key_len &&
		    memcmp(a->labels[i].key, key, key_len) == 0)
			return a->labels[i].value;
	return NULL;
}

/* For every key named in sel, one of its values matches (OR within a key, AND across). */
static bool S_labels_match(const pdh_fleet_selector *sel, const pdh_fleet_account *a)
{
	for (size_t i = 0; i < sel->n_labels; i++) {
		const char *ki = sel->labels[i];
		size_t kn = strcspn(ki, "=");
		bool key_seen = false, any = false;

		/* Each key is decided once, at its first mention. */
		for (size_t j = 0; j < i && !key_seen; j++)
			key_seen = strncmp(sel->labels[j], ki, kn) == 0 && sel->labels[j][kn] == '=';
		if (key_seen)
			continue;
		for (size_t j = i; j < sel->n_labels && !any; j++) {
			const char *kj = sel->labels[j], *v;

			if (strncmp(kj, ki, kn) != 0 || kj[kn] != '=')
				continue;
			v = S_label(a, ki, kn);
			any = v != NULL && strcmp(v, kj + kn + 1) == 0;
		}
		if (!any)
			return false;
	}
	return true;
}

bool pdh_fleet_selects(const pdh_fleet_selector *sel, const pdh_fleet_account *a)
{
	bool glob_ok = sel->n_globs == 0;

	for (size_t i = 0; i < sel->n_globs && !glob_ok; i++)
		glob_ok = fnmatch(sel->globs[i], a->name, 0) == 0;
	return glob_ok && S_labels_match(sel, a) && pdh_fleet_shard_holds(&sel->shard, a->name);
}

void pdh_fleet_select(size_t **out, size_t *n, const pdh_fleet *f,
                      const pdh_fleet_selector *sel)
{
	size_t *idx = NULL, k = 0;

	if (f->n_accounts > 0)
		idx = pdh_xcalloc(f->n_accounts, sizeof(*idx));
	for (size_t i = 0; i < f->n_accounts; i++)
		if (pdh_fleet_selects(sel, &f->accounts[i]))
			idx[k++] = i;
	if (k == 0) {
		free(idx);
		idx = NULL;
	}
	*out = idx;
	*n = k;
}

static int S_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pdh_fleet_names_sha256(const char *const *names, size_t n, char out[65])
{
	const char **sorted = pdh_xcalloc(n + 1, sizeof(*sorted));
	pdh_buf b = PDH_BUF_INIT;

	if (n > 0)
		memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), S_name_cmp);
	pdh_buf_printf(&b, "%zu\n", n);
	for (size_t i = 0; i < n; i++)
		pdh_buf_printf(&b, "%s\n", sorted[i]);
	pdh_sha256_hex(pdh_buf_cstr(&b), b.len, out);
	pdh_buf_dispose(&b);
	free(sorted);
}

void pdh_fleet_selection_sha256(const pdh_fleet *f, const pdh_fleet_selector *sel,
                                char out[65], size_t *n)
{
	pdh_fleet_selector whole = *sel;
	const char **names = pdh_xcalloc(f->n_accounts + 1, sizeof(*names));
	size_t k = 0;

	whole.shard.set = false;
	for (size_t i = 0; i < f->n_accounts; i++)
		if (pdh_fleet_selects(&whole, &f->accounts[i]))
			names[k++] = f->accounts[i].name;
	pdh_fleet_names_sha256(names, k, out);
	*n = k;
	free(names);
}
