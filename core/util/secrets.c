/* The set of known secrets and the scrubber (see secrets.h). A run knows a few dozen secrets
 * at most, so a linear scan per position is fast enough; entries are kept longest first. */
#include "pdhooks/secrets.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

typedef struct {
	char *value;
	size_t len;
	char *shown;
} S_entry;

struct pdh_secrets {
	S_entry *items;
	size_t n, cap;
};

pdh_secrets *pdh_secrets_new(void)
{
	return pdh_xcalloc(1, sizeof(pdh_secrets));
}

static void S_entry_dispose(S_entry *e)
{
	pdh_free_secret(e->value);
	free(e->shown);
}

void pdh_secrets_free(pdh_secrets *s)
{
	if (s == NULL)
		return;
	PDH_FREE_EACH(s->items, s->n, S_entry_dispose);
	free(s);
}

static void S_add_one(pdh_secrets *s, const char *value, size_t len, const char *shown)
{
	size_t at;

	if (len == 0)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].len == len && memcmp(s->items[i].value, value, len) == 0)
			return;
	s->items = pdh_xgrow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
	for (at = 0; at < s->n && s->items[at].len >= len; at++)
		;
	memmove(&s->items[at + 1], &s->items[at], (s->n - at) * sizeof(*s->items));
	s->items[at].value = pdh_xstrndup(value, len);
	s->items[at].len = len;
	s->items[at].shown = pdh_xstrdup(shown);
	s->n++;
}

/* value as inside a JSON string; slash_too: "/" as "\/" (PHP's json_encode does that). */
static char *S_json_escaped(const char *value, int slash_too)
{
	pdh_buf b = PDH_BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		switch (*p) {
		case '"': pdh_buf_puts(&b, "\\\""); break;
		case '\\': pdh_buf_puts(&b, "\\\\"); break;
		case '\n': pdh_buf_puts(&b, "\\n"); break;
		case '\t': pdh_buf_puts(&b, "\\t"); break;
		case '\r': pdh_buf_puts(&b, "\\r"); break;
		case '/':
			pdh_buf_puts(&b, slash_too ? "\\/" : "/");
			break;
		default:
			if (*p < 0x20)
				pdh_buf_printf(&b, "\\u%04x", *p);
			else
				pdh_buf_putc(&b, (char)*p);
		}
	}
	return pdh_buf_detach(&b);
}

void pdh_secrets_add(pdh_secrets *s, const char *value, const char *shown_as)
{
	if (s == NULL || value == NULL || strlen(value) < PDH_SECRET_MIN_LEN)
		return;
	S_add_one(s, value, strlen(value), shown_as ? shown_as : "***");
	for (int slash = 0; slash <= 1; slash++) {
		char *e = S_json_escaped(value, slash);
		S_add_one(s, e, strlen(e), shown_as ? shown_as : "***");
		pdh_free_secret(e);
	}
}

void pdh_secrets_add_credential(pdh_secrets *s, const char *value, const char *shown_as)
{
	if (s != NULL && value != NULL)
		S_add_one(s, value, strlen(value), shown_as ? shown_as : "***");
}

void pdh_secrets_merge(pdh_secrets *s, const pdh_secrets *from)
{
	for (size_t i = 0; from && i < from->n; i++)
		S_add_one(s, from->items[i].value, from->items[i].len, from->items[i].shown);
}

pdh_secrets *pdh_secrets_transform(const pdh_secrets *s, char *(*fn)(const char *))
{
	pdh_secrets *t = pdh_secrets_new();

	for (size_t i = 0; s && i < s->n; i++) {
		char *v = fn(s->items[i].value), *shown = fn(s->items[i].shown);
		if (*v)
			S_add_one(t, v, strlen(v), shown);
		pdh_free_secret(v);
		free(shown);
	}
	return t;
}

size_t pdh_secrets_count(const pdh_secrets *s)
{
	return s ? s->n : 0;
}

char *pdh_secrets_scrub_n(const pdh_secrets *s, const char *text, size_t len)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t i = 0, run = 0;

	if (s == NULL || s->n == 0)
		return pdh_xstrndup(text, len);
	while (i < len) {
		size_t j;
		for (j = 0; j < s->n; j++) {
			const S_entry *e = &s->items[j];
			if (e->len <= len - i && memcmp(text + i, e->value, e->len) == 0)
				break;
		}
		if (j == s->n) {
			i++;
			run++;
			continue;
		}
		pdh_buf_append(&b, text + i - run, run);
		run = 0;
		pdh_buf_puts(&b, s->items[j].shown);
		i += s->items[j].len;
	}
	pdh_buf_append(&b, text + i - run, run);
	if (b.data == NULL)
		return pdh_xstrdup("");
	return pdh_buf_detach(&b);
}

char *pdh_secrets_scrub(const pdh_secrets *s, const char *text)
{
	return text ? pdh_secrets_scrub_n(s, text, strlen(text)) : NULL;
}
