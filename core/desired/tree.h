/* The YAML-events-to-tree layer of the desired-file loader (core/desired/): the node tree, the
 * loader state the checks in desired.c share with it, and the messages both report. The tree is
 * built from libyaml events rather than with libyaml's document API so that aliases are refused
 * before anything could expand them, nesting depth is bounded while parsing, and every node keeps
 * its marks. Private to core/. */
#ifndef PDH_DESIRED_TREE_H
#define PDH_DESIRED_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "util/text.h"

typedef enum { N_SCALAR, N_SEQ, N_MAP, N_BAD } pdh_node_kind;

/* Nodes, their values and their child arrays live in one arena (freed at once), so a file of
 * many tiny values costs tens of bytes per value, not a malloc each. */
typedef struct pdh_node {
	struct pdh_node **kids;              /* seq: items; map: key, value, key, value, ... */
	char *value;                       /* scalars: the parsed text, NUL-terminated */
	uint32_t len;                      /* files are at most 32 MiB */
	uint32_t n, cap;
	int line, col, end_line, end_col;  /* 1-based; end exclusive */
	unsigned char kind;                /* S_kind */
	bool plain;
	char quote;                        /* '\'' or '"' for single-line quoted scalars */
} pdh_node;

/* The state of one load: the text, its diagnostics, the tree and the model being built. */
typedef struct {
	pdh_diags *diags;
	const char *data;
	size_t len;
	pdh_lines lines;
	bool have_lines;
	pdh_load_opts opts;            /* the ${VAR} lookup (zeroed: the process environment) */
	pdh_node *root;
	struct pdh_tree_chunk *arena;  /* the nodes' arena, freed by pdh_tree_free() */
	size_t n_nodes;
	size_t max_nodes;              /* YAML values refused past this; 0: a desired file's million */
	pdh_desired *d;
	bool owner_declared;           /* manage.owner is set (read, or unread with no_env) */
	int n_reported;
	size_t n_dropped_errors, n_dropped_warnings;
	bool alias_reported;
	bool tree_given;               /* root is a shared tree, parsed before without diagnostics */
} pdh_loader;

/* Adds a diagnostic, up to 100 of them: a hostile file must not turn into megabytes of
 * messages. The checks go on; pdh_tree_report_dropped() says how many were left out. */
void pdh_tree_report(pdh_loader *L, pdh_diag_level level, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* One last line for what the cap left out: an error when errors were, so the file still fails;
 * a warning when only warnings were, so a file with many warnings still loads. */
void pdh_tree_report_dropped(pdh_loader *L);
/* Fills L->lines (once) for turning marks into byte offsets. */
void pdh_tree_lines(pdh_loader *L);
/* Checks that the bytes are UTF-8 text YAML accepts, so that libyaml's reader never fails and
 * a bad byte is reported with its line and column. Returns 0, or -1 after reporting. */
int pdh_tree_check_text(pdh_loader *L);
/* Builds L->root. Returns 0, or -1 when the stream is broken (no tree worth checking). */
int pdh_tree_parse(pdh_loader *L);
/* Frees the nodes' arena (L->root and every node below it). */
void pdh_tree_free(pdh_loader *L);

#endif
