/* The desired-file loader's first layer: libyaml events -> a small tree of pdh_node (see
 * tree.h), with the text checked first and YAML's tags, aliases, second documents and hostile
 * depths refused while parsing. */
#include "desired/tree.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pdhooks/alloc.h"

/* A valid file nests three deep (root, webhooks, entry); anything far deeper is hostile. */
#define S_MAX_DEPTH 32
#define S_MAX_DIAGS 100
/* 50,000 webhooks with every field set are 850,000 values; a 10 MiB file of "1,1,1,..." is five
 * million. Past these limits a file is refused rather than turned into gigabytes. */
#define S_MAX_NODES 1000000
#define S_CHUNK_SIZE (64 * 1024)

typedef struct pdh_tree_chunk {
	struct pdh_tree_chunk *next;
	size_t used, size;
	max_align_t data[];
} S_chunk;

#define S_ERR(L, line, col, ...) pdh_tree_report(L, PDH_DIAG_ERROR, line, col, __VA_ARGS__)

void pdh_tree_report(pdh_loader *L, pdh_diag_level level, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (L->n_reported == S_MAX_DIAGS) {
		if (level == PDH_DIAG_ERROR)
			L->n_dropped_errors++;
		else
			L->n_dropped_warnings++;
		return;
	}
	L->n_reported++;
	va_start(ap, fmt);
	msg = pdh_xvasprintf(fmt, ap);
	va_end(ap);
	pdh_diags_add(L->diags, level, line, col, "%s", msg);
	free(msg);
}

void pdh_tree_report_dropped(pdh_loader *L)
{
	size_t e = L->n_dropped_errors, w = L->n_dropped_warnings;
	char *errors, *warnings;

	if (e + w == 0)
		return;
	errors = e ? pdh_xasprintf("%zu more error%s", e, e == 1 ? "" : "s") : pdh_xstrdup("");
	warnings = w ? pdh_xasprintf("%zu more warning%s", w, w == 1 ? "" : "s") : pdh_xstrdup("");
	pdh_diags_add(L->diags, e ? PDH_DIAG_ERROR : PDH_DIAG_WARNING, 0, 0,
	              "%s%s%s not shown (at most %d problems are)", errors, e && w ? " and " : "",
	              warnings, S_MAX_DIAGS);
	free(errors);
	free(warnings);
}

void pdh_tree_lines(pdh_loader *L)
{
	if (!L->have_lines) {
		pdh_lines_init(&L->lines, L->data, L->len);
		L->have_lines = true;
	}
}

/* align: 1 for text, sizeof(void *) for nodes and arrays (chunks start max-aligned). */
static void *S_alloc(pdh_loader *L, size_t size, size_t align)
{
	size_t at = 0;
	void *p;

	if (L->arena)
		at = (L->arena->used + align - 1) / align * align;
	if (L->arena == NULL || at > L->arena->size || L->arena->size - at < size) {
		size_t cap = size > S_CHUNK_SIZE ? size : S_CHUNK_SIZE;
		S_chunk *c = pdh_xmalloc(sizeof(*c) + cap);
		c->next = L->arena;
		c->size = cap;
		L->arena = c;
		at = 0;
	}
	p = (char *)L->arena->data + at;
	L->arena->used = at + size;
	return p;
}

void pdh_tree_free(pdh_loader *L)
{
	while (L->arena) {
		S_chunk *next = L->arena->next;
		free(L->arena);
		L->arena = next;
	}
}

static pdh_node *S_node_new(pdh_loader *L, pdh_node_kind kind, const yaml_event_t *ev)
{
	pdh_node *n = S_alloc(L, sizeof(*n), sizeof(void *));

	memset(n, 0, sizeof(*n));
	L->n_nodes++;
	n->kind = (unsigned char)kind;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	n->end_line = (int)ev->end_mark.line + 1;
	n->end_col = (int)ev->end_mark.column + 1;
	return n;
}

static void S_attach(pdh_loader *L, pdh_node **stack, int depth, pdh_node *n)
{
	pdh_node *parent;

	if (depth == 0) {
		L->root = n;  /* parsing stops at a second document: one root */
		return;
	}
	parent = stack[depth - 1];
	if (parent->n == parent->cap) {
		/* The old array stays in the arena: at most as much again as the final one. */
		uint32_t cap = parent->cap ? parent->cap * 2 : 4;
		pdh_node **kids = S_alloc(L, cap * sizeof(*kids), sizeof(void *));
		if (parent->n)
			memcpy(kids, parent->kids, parent->n * sizeof(*kids));
		parent->kids = kids;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = n;
}

/* Refuses what YAML allows but a pdhooks file has no use for: tags. */
static bool S_tag_ok(pdh_loader *L, const yaml_event_t *ev, const yaml_char_t *tag, bool implicit)
{
	static const char std[] = "tag:yaml.org,2002:";
	const char *t = (const char *)tag;
	char *q;

	if (tag == NULL || implicit)
		return true;
	if (strncmp(t, std, sizeof(std) - 1) == 0)
		q = pdh_xasprintf("!!%s", t + sizeof(std) - 1);
	else
		q = pdh_xstrdup(t);
	S_ERR(L, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
	      "YAML tags are not supported (found '%s'); write the value plainly or quote it", q);
	free(q);
	return false;
}

int pdh_tree_check_text(pdh_loader *L)
{
	int line = 1, col = 1;

	for (size_t i = 0; i < L->len;) {
		uint32_t cp;
		size_t n = pdh_text_break_len(L->data + i, L->len - i);

		if (n) {
			i += n;
			line++;
			col = 1;
			continue;
		}
		n = pdh_utf8_decode(L->data + i, L->len - i, &cp);
		if (n == 0) {
			S_ERR(L, line, col, "invalid UTF-8 (byte 0x%02x); the file must be UTF-8 text",
			      (unsigned char)L->data[i]);
			return -1;
		}
		if (!(cp == '\t' || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
		      (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff) ||
		      cp >= 0x10000 || (cp == 0xfeff && i == 0))) {
			S_ERR(L, line, col, "character U+%04X is not allowed in a YAML file", (unsigned)cp);
			return -1;
		}
		if (i > 0 || cp != 0xfeff)  /* a leading byte order mark is not a column */
			col++;
		i += n;
	}
	return 0;
}

static void S_syntax_error(pdh_loader *L, yaml_parser_t *p)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	size_t off;

	if (p->error == YAML_MEMORY_ERROR) {
		S_ERR(L, 0, 0, "out of memory while parsing YAML");
		return;
	}
	pdh_tree_lines(L);
	off = pdh_lines_offset(&L->lines, line, col);
	if (off != (size_t)-1 && off < L->len && L->data[off] == '\t') {
		S_ERR(L, line, col, "tab character: YAML indents with spaces, not tabs");
		return;
	}
	if (p->context) {
		/* `event_action: *` is the natural way to write "every action", and YAML reads it as
		 * an alias with no name. */
		int cl = (int)p->context_mark.line + 1, cc = (int)p->context_mark.column + 1;
		size_t at = pdh_lines_offset(&L->lines, cl, cc);
		if (at != (size_t)-1 && at < L->len && L->data[at] == '*' &&
		    (at + 1 == L->len || strchr(" \t\r\n,]}", L->data[at + 1]))) {
			S_ERR(L, cl, cc, "a bare * starts a YAML alias; quote it: \"*\"");
			return;
		}
	}
	if (p->context)
		S_ERR(L, line, col, "invalid YAML: %s (%s at line %d, column %d)",
		      p->problem ? p->problem : "syntax error", p->context,
		      (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		S_ERR(L, line, col, "invalid YAML: %s", p->problem ? p->problem : "syntax error");
}

int pdh_tree_parse(pdh_loader *L)
{
	yaml_parser_t p;
	yaml_event_t ev;
	pdh_node *stack[S_MAX_DEPTH];
	int depth = 0, docs = 0, rc = -1;
	bool done = false;

	if (!yaml_parser_initialize(&p)) {
		S_ERR(L, 0, 0, "out of memory while parsing YAML");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)L->data, L->len);
	while (!done) {
		pdh_node *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			S_syntax_error(L, &p);
			goto done;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				S_ERR(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				      "a second YAML document starts here; a pdhooks file holds one document");
				done = true;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			/* Never expanded, so no alias bomb; reported once, not once per alias. */
			if (!L->alias_reported)
				S_ERR(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				      "YAML aliases are not supported (found '*%s'); write the value out, "
				      "or put shared values in 'defaults:'",
				      (const char *)ev.data.alias.anchor);
			L->alias_reported = true;
			S_attach(L, stack, depth, S_node_new(L, N_BAD, &ev));
			break;
		case YAML_SCALAR_EVENT: {
			size_t len = ev.data.scalar.length;
			bool tag_ok = S_tag_ok(L, &ev, ev.data.scalar.tag,
			                       ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit);
			n = S_node_new(L, N_SCALAR, &ev);
			n->value = S_alloc(L, len + 1, 1);
			memcpy(n->value, ev.data.scalar.value, len);
			n->value[len] = '\0';
			n->len = (uint32_t)len;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (n->line == n->end_line && ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
				n->quote = '\'';
			if (n->line == n->end_line && ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
				n->quote = '"';
			if (memchr(ev.data.scalar.value, '\0', len)) {
				S_ERR(L, n->line, n->col, "a string must not contain a NUL character");
				tag_ok = false;
			}
			if (!tag_ok)
				n->kind = N_BAD;
			S_attach(L, stack, depth, n);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				S_tag_ok(L, &ev, ev.data.sequence_start.tag, ev.data.sequence_start.implicit);
			else
				S_tag_ok(L, &ev, ev.data.mapping_start.tag, ev.data.mapping_start.implicit);
			if (depth == S_MAX_DEPTH) {
				S_ERR(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				      "nesting deeper than %d levels; a pdhooks file needs three", S_MAX_DEPTH);
				goto done;
			}
			n = S_node_new(L, ev.type == YAML_SEQUENCE_START_EVENT ? N_SEQ : N_MAP, &ev);
			S_attach(L, stack, depth, n);
			stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				n = stack[--depth];
				n->end_line = (int)ev.end_mark.line + 1;
				n->end_col = (int)ev.end_mark.column + 1;
			}
			break;
		default:
			break;
		}
		if (L->n_nodes > (L->max_nodes ? L->max_nodes : S_MAX_NODES)) {
			S_ERR(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			      "more than %zu YAML values; a pdhooks file needs far fewer",
			      L->max_nodes ? L->max_nodes : (size_t)S_MAX_NODES);
			goto done;
		}
		yaml_event_delete(&ev);
	}
	rc = 0;
	memset(&ev, 0, sizeof(ev));
done:
	yaml_event_delete(&ev);
	yaml_parser_delete(&p);
	return rc;
}
