/* The ${VAR} syntax (see varref.h): expansion with a display form beside the value, and
 * recognising a text that is references only. */
#include "desired/varref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/secrets.h"

#define S_MALFORMED "malformed variable reference: expected ${NAME} or ${NAME:-default}, " \
	"with NAME made of letters, digits and '_' (write $$ for a literal '$')"

static bool S_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool S_name_char(char c)
{
	return S_name_start(c) || isdigit((unsigned char)c);
}

size_t pdh_varref_count_pure(const char *s, size_t len)
{
	size_t i = 0, count = 0;

	while (i < len) {
		if (len - i < 4 || s[i] != '$' || s[i + 1] != '{' || !S_name_start(s[i + 2]))
			return 0;
		i += 2;
		while (i < len && S_name_char(s[i]))
			i++;
		if (i == len || s[i] != '}')
			return 0;
		i++;
		count++;
	}
	return count;
}

bool pdh_varref_contains(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == '$' && s[i + 1] == '$')
			i++;
		else if (s[i] == '$' && s[i + 1] == '{')
			return true;
	}
	return false;
}

/* The end of the reference whose "${" is at i: the offset of its closing '}', or len when it
 * is malformed. name/name_len and def_at (0: no default) describe it. Defaults nest. */
static size_t S_ref_end(const char *v, size_t len, size_t i, size_t *name_len, size_t *def_at)
{
	size_t end, depth = 0;

	i += 2;
	for (*name_len = 0; i + *name_len < len && (S_name_start(v[i + *name_len]) ||
	                                           (*name_len && isdigit((unsigned char)v[i + *name_len])));
	     (*name_len)++)
		;
	*def_at = 0;
	end = i + *name_len;
	if (*name_len == 0)
		return len;
	if (end + 1 < len && v[end] == ':' && v[end + 1] == '-') {
		*def_at = end + 2;
		for (end = *def_at; end < len; end++) {
			if (v[end] == '$' && end + 1 < len && v[end + 1] == '$') {
				end++;
			} else if (v[end] == '$' && end + 1 < len && v[end + 1] == '{') {
				depth++;
				end++;
			} else if (v[end] == '}') {
				if (depth == 0)
					break;
				depth--;
			}
		}
	}
	if (end >= len || v[end] != '}')
		return len;
	return end;
}

bool pdh_varref_is_single(const char *s, size_t len, char **name_out)
{
	size_t name_len, def_at, end;

	if (name_out)
		*name_out = NULL;
	if (len < 4 || s[0] != '$' || s[1] != '{')
		return false;
	end = S_ref_end(s, len, 0, &name_len, &def_at);
	if (end != len - 1)
		return false;
	if (name_out)
		*name_out = pdh_xstrndup(s + 2, name_len);
	return true;
}

void pdh_varref_out_dispose(pdh_varref_out *o)
{
	pdh_free_secret(o->value);
	free(o->shown);
	memset(o, 0, sizeof(*o));
}

typedef struct {
	const pdh_load_opts *opts;
	pdh_secrets *secrets;
	pdh_varref_report_fn report;
	void *report_ctx;
	pdh_buf value, shown;
	bool from_env, unread, bad;
} S_x;

static void S_expand(S_x *x, const char *v, size_t len, size_t base, int depth)
{
	for (size_t i = 0; i < len;) {
		size_t start = i, name_len, def_at, end;
		const char *dollar = memchr(v + i, '$', len - i);

		if (dollar != v + i) {
			size_t run = dollar ? (size_t)(dollar - (v + i)) : len - i;
			pdh_buf_append(&x->value, v + i, run);
			pdh_buf_append(&x->shown, v + i, run);
			i += run;
			continue;
		}
		if (i + 1 >= len || (v[i + 1] != '$' && v[i + 1] != '{')) {
			pdh_buf_putc(&x->value, v[i]);
			pdh_buf_putc(&x->shown, v[i++]);
			continue;
		}
		if (v[i + 1] == '$') {
			pdh_buf_putc(&x->value, '$');
			pdh_buf_putc(&x->shown, '$');
			i += 2;
			continue;
		}
		end = S_ref_end(v, len, i, &name_len, &def_at);
		if (end >= len) {
			x->report(x->report_ctx, base + start, S_MALFORMED);
			x->bad = true;
			return;
		}
		{
			char *name = pdh_xstrndup(v + i + 2, name_len);
			const pdh_load_opts *o = x->opts;
			const char *val = NULL;
			bool env = false, unread = false;

			if (o && o->vars)
				val = o->vars(name, o->vars_ctx);
			if (val == NULL && o && o->no_env) {
				unread = true;
			} else if (val == NULL) {
				val = o && o->getenv ? o->getenv(name, o->getenv_ctx) : getenv(name);
				env = val != NULL;
			}
			if (def_at && !unread && (val == NULL || *val == '\0')) {
				if (depth >= PDH_VARREF_MAX_DEPTH) {
					x->report(x->report_ctx, base + start,
					          "variable references nest deeper than 8 defaults");
					x->bad = true;
					free(name);
					return;
				}
				S_expand(x, v + def_at, end - def_at, base + def_at, depth + 1);
			} else if (unread && def_at) {
				/* Not read: the default stands in for the value, which is not checked. */
				x->unread = true;
				S_expand(x, v + def_at, end - def_at, base + def_at, depth + 1);
			} else if (unread) {
				x->unread = true;
				pdh_buf_append(&x->value, v + start, end + 1 - start);
				pdh_buf_append(&x->shown, v + start, end + 1 - start);
			} else if (val) {
				pdh_buf_puts(&x->value, val);
				if (env) {
					char *ref = pdh_xasprintf("${%s}", name);
					pdh_buf_puts(&x->shown, ref);
					pdh_secrets_add(x->secrets, val, ref);
					free(ref);
					x->from_env = x->from_env || *val;
				} else {
					pdh_buf_puts(&x->shown, val);
				}
			} else {
				char *msg = pdh_xasprintf("environment variable '%s' is not set "
				                          "(use ${%s:-default} for a default)", name, name);
				x->report(x->report_ctx, base + start, msg);
				free(msg);
				x->bad = true;
			}
			free(name);
			if (x->bad && depth > 0)
				return;
		}
		i = end + 1;
	}
}

int pdh_varref_expand(pdh_varref_out *out, const char *s, size_t len, const pdh_load_opts *opts,
                      pdh_secrets *secrets, pdh_varref_report_fn report, void *report_ctx)
{
	S_x x;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.opts = opts;
	x.secrets = secrets;
	x.report = report;
	x.report_ctx = report_ctx;
	S_expand(&x, s, len, 0, 0);
	if (x.bad) {
		if (x.value.data)
			memset(x.value.data, 0, x.value.len);
		pdh_buf_dispose(&x.value);
		pdh_buf_dispose(&x.shown);
		return -1;
	}
	out->value = pdh_buf_detach(&x.value);
	out->shown = pdh_buf_detach(&x.shown);
	out->from_env = x.from_env;
	out->unread = x.unread;
	return 0;
}
