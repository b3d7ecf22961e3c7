/* A quick reader of plain JSON into a jansson tree: it declines (NULL) whatever is not plain,
 * and json_loadb reads that. */
#include "api/json_quick.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/buf.h"

#define S_MAX_DEPTH 32
#define S_MAX_DIGITS 18
#define S_MAX_KEY 64                 /* a longer key: not plain */

#define S_ARENA_CHUNK 65536

/* ---- the arena ---- */

typedef struct S_chunk {
	struct S_chunk *next;
	size_t size, used;
	max_align_t data[];
} S_chunk;

static _Thread_local S_chunk *S_arena;    /* this thread's chunks, newest first */
static _Thread_local bool S_arena_on;     /* between begin and end */
static atomic_bool S_hooked;
static pthread_once_t S_once = PTHREAD_ONCE_INIT;

static void *S_alloc(size_t n)
{
	void *p;

	if (!S_arena_on)
		return malloc(n);
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (S_arena == NULL || S_arena->size - S_arena->used < n) {
		size_t cap = S_arena ? S_arena->size * 2 : S_ARENA_CHUNK;
		S_chunk *c;

		if (cap < n)
			cap = n;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->next = S_arena;
		c->size = cap;
		c->used = 0;
		S_arena = c;
	}
	p = (char *)S_arena->data + S_arena->used;
	S_arena->used += n;
	return p;
}

/* A value of the arena goes with it at the end; anything else is free()d. */
static void S_free(void *p)
{
	for (const S_chunk *c = S_arena; c != NULL; c = c->next)
		if ((const char *)p >= (const char *)c->data &&
		    (const char *)p < (const char *)c->data + c->size)
			return;
	free(p);
}

static void S_hook(void)
{
	json_set_alloc_funcs(S_alloc, S_free);
	atomic_store(&S_hooked, true);
}

void pdh_json_quick_init(void)
{
	pthread_once(&S_once, S_hook);
}

void pdh_json_quick_begin(void)
{
	S_arena_on = atomic_load(&S_hooked);
}

void pdh_json_quick_end(void)
{
	S_arena_on = false;
	while (S_arena) {
		S_chunk *next = S_arena->next;

		free(S_arena);
		S_arena = next;
	}
}

size_t pdh_json_quick_arena_bytes(void)
{
	size_t n = 0;

	for (const S_chunk *c = S_arena; c != NULL; c = c->next)
		n += c->used;
	return n;
}

/* ---- the reader ---- */

typedef struct S_reader {
	const char *p, *end;
	pdh_buf str;                  /* the string being read, unescaped */
} S_reader;

static void S_ws(S_reader *R)
{
	while (R->p < R->end && (*R->p == ' ' || *R->p == '\t' || *R->p == '\n' || *R->p == '\r'))
		R->p++;
}

/* A string at R->p (its '"') into R->str; false when it is not plain. */
static bool S_string(S_reader *R)
{
	const char *run;

	pdh_buf_reset(&R->str);
	if (R->p >= R->end || *R->p != '"')
		return false;
	run = ++R->p;
	for (;;) {
		char c;

		if (R->p >= R->end)
			return false;
		c = *R->p;
		if (c == '"' || c == '\\') {
			pdh_buf_append(&R->str, run, (size_t)(R->p - run));
			R->p++;
			if (c == '"')
				break;
			if (R->p >= R->end)
				return false;
			switch (*R->p++) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default: return false; /* \u, or not an escape */
			}
			pdh_buf_putc(&R->str, c);
			run = R->p;
			continue;
		}
		if (c < 0x20 || c > 0x7e) /* a control byte (an error), or UTF-8 to check */
			return false;
		R->p++;
	}
	return true;
}

/* A word: true, false, null. What follows a value is checked by its container (only ',', the
 * closing bracket or white space), which also declines "truex", "1.5" and "1e3". */
static bool S_word(S_reader *R, const char *w, size_t n)
{
	if ((size_t)(R->end - R->p) < n || memcmp(R->p, w, n) != 0)
		return false;
	R->p += n;
	return true;
}

/* -?(0|[1-9][0-9]*), at most S_MAX_DIGITS digits. */
static json_t *S_integer(S_reader *R)
{
	bool neg = false;
	long long v = 0;
	int digits = 0;

	if (*R->p == '-') {
		neg = true;
		R->p++;
	}
	if (R->p < R->end && *R->p == '0' && R->end - R->p > 1 && R->p[1] >= '0' && R->p[1] <= '9')
		return NULL;
	while (R->p < R->end && *R->p >= '0' && *R->p <= '9') {
		if (++digits > S_MAX_DIGITS)
			return NULL;
		v = v * 10 + (*R->p++ - '0');
	}
	if (digits == 0)
		return NULL;
	return json_integer(neg ? -v : v);
}

static json_t *S_value(S_reader *R, int depth);

/* An object or array at R->p (its '{' or '['). */
static json_t *S_container(S_reader *R, int depth)
{
	bool object = *R->p == '{';
	char close = object ? '}' : ']';
	json_t *c = object ? json_object() : json_array();

	if (c == NULL || depth > S_MAX_DEPTH)
		goto fail;
	R->p++;
	S_ws(R);
	if (R->p < R->end && *R->p == close) {
		R->p++;
		return c;
	}
	for (;;) {
		json_t *v;

		if (object) {
			char key[S_MAX_KEY + 1];
			size_t key_len, before = json_object_size(c);

			if (!S_string(R) || R->str.len > S_MAX_KEY)
				goto fail;
			key_len = R->str.len;
			memcpy(key, pdh_buf_cstr(&R->str), key_len + 1);
			S_ws(R);
			if (R->p >= R->end || *R->p != ':')
				goto fail;
			R->p++;
			S_ws(R);
			v = S_value(R, depth + 1);
			/* The same key twice: json_loadb refuses it. */
			if (v == NULL || json_object_setn_new_nocheck(c, key, key_len, v) != 0 ||
			    json_object_size(c) == before)
				goto fail;
		} else {
			v = S_value(R, depth + 1);
			if (v == NULL || json_array_append_new(c, v) != 0)
				goto fail;
		}
		S_ws(R);
		if (R->p >= R->end)
			goto fail;
		if (*R->p == close) {
			R->p++;
			return c;
		}
		if (*R->p != ',')
			goto fail;
		R->p++;
		S_ws(R);
	}
fail:
	json_decref(c);
	return NULL;
}

static json_t *S_value(S_reader *R, int depth)
{
	if (R->p >= R->end)
		return NULL;
	switch (*R->p) {
	case '{':
	case '[':
		return S_container(R, depth);
	case '"':
		return S_string(R) ? json_stringn_nocheck(pdh_buf_cstr(&R->str), R->str.len) : NULL;
	case 't':
		return S_word(R, "true", 4) ? json_true() : NULL;
	case 'f':
		return S_word(R, "false", 5) ? json_false() : NULL;
	case 'n':
		return S_word(R, "null", 4) ? json_null() : NULL;
	default:
		return (*R->p == '-' || (*R->p >= '0' && *R->p <= '9')) ? S_integer(R) : NULL;
	}
}

json_t *pdh_json_quick_load(const char *text, size_t len)
{
	S_reader R = { NULL, NULL, PDH_BUF_INIT };
	json_t *root = NULL;

	if (text == NULL)
		return NULL;
	R.p = text;
	R.end = text + len;
	S_ws(&R);
	if (R.p < R.end && *R.p == '{')
		root = S_container(&R, 1);
	S_ws(&R);
	if (root != NULL && R.p != R.end) {
		json_decref(root);
		root = NULL;
	}
	pdh_buf_dispose(&R.str);
	return root;
}
