/* The ${VAR} syntax (see varref.h): expansion, and recognising a text that is references only. */
#include "desired/varref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

static bool S_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

size_t pdh_varref_count_pure(const char *s, size_t len)
{
	size_t i = 0, count = 0;

	while (i < len) {
		if (len - i < 4 || s[i] != '$' || s[i + 1] != '{' || !S_name_start(s[i + 2]))
			return 0;
		i += 2;
		while (i < len && (S_name_start(s[i]) || isdigit((unsigned char)s[i])))
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

char *pdh_varref_expand(const char *v, size_t len, pdh_getenv_fn getenv_fn, void *getenv_ctx,
                        pdh_varref_report_fn report, void *report_ctx)
{
	pdh_buf b = PDH_BUF_INIT;
	bool bad = false;

	for (size_t i = 0; i < len;) {
		size_t start = i, name_len, def_at = 0, end;
		const char *val, *dollar = memchr(v + i, '$', len - i);

		if (dollar != v + i) {
			size_t run = dollar ? (size_t)(dollar - (v + i)) : len - i;
			pdh_buf_append(&b, v + i, run);
			i += run;
			continue;
		}
		if (i + 1 >= len || (v[i + 1] != '$' && v[i + 1] != '{')) {
			pdh_buf_putc(&b, v[i++]);
			continue;
		}
		if (v[i + 1] == '$') {
			pdh_buf_putc(&b, '$');
			i += 2;
			continue;
		}
		i += 2;
		for (name_len = 0; i + name_len < len &&
		     (S_name_start(v[i + name_len]) || (name_len && isdigit((unsigned char)v[i + name_len])));
		     name_len++)
			;
		end = i + name_len;
		if (name_len && end + 1 < len && v[end] == ':' && v[end + 1] == '-') {
			def_at = end + 2;
			end = def_at;
			while (end < len && v[end] != '}')
				end++;
		}
		if (name_len == 0 || end >= len || v[end] != '}') {
			report(report_ctx, start,
			       "malformed variable reference: expected ${NAME} or ${NAME:-default}, "
			       "with NAME made of letters, digits and '_' (write $$ for a literal '$')");
			bad = true;
			break;
		}
		{
			char *name = pdh_xstrndup(v + i, name_len);
			val = getenv_fn ? getenv_fn(name, getenv_ctx) : getenv(name);
			if (def_at && (val == NULL || *val == '\0'))
				pdh_buf_append(&b, v + def_at, end - def_at);
			else if (val)
				pdh_buf_puts(&b, val);
			else {
				char *msg = pdh_xasprintf("environment variable '%s' is not set "
				                          "(use ${%s:-default} for a default)", name, name);
				report(report_ctx, start, msg);
				free(msg);
				bad = true;
			}
			free(name);
		}
		i = end + 1;
	}
	if (bad) {
		pdh_buf_dispose(&b);
		return NULL;
	}
	return pdh_buf_detach(&b);
}
