/* The files a run reads and writes, checked before it starts: an output (plan -o,
 * --metrics-file) must never replace an input or another output, however spelled. */
#ifndef PDHOOKS_RUN_FILES_H
#define PDHOOKS_RUN_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* A file of the run: its path (NULL: none) and what it is, for messages ("the
 * desired-state file"). */
typedef struct pdh_cli_run_file {
	const char *path;
	const char *what;
} pdh_cli_run_file;

/* Whether paths a and b name one file: one inode when both exist (a link or another
 * spelling of it included), else one path once each directory is resolved (a file not made
 * yet: ./d/../x is x). false when either is NULL. */
bool pdh_cli_same_file(const char *a, const char *b);

/* --metrics-file path (NULL: none), checked before anything is read from the network or
 * written: -1 after `pdhooks: error: --metrics-file PATH is WHAT ...` when it is one of
 * files[0..n), or an existing file that is not pdhooks' metrics (its first line does not
 * begin "# HELP pdhooks_"; an empty one is fine). Else 0. */
int pdh_cli_metrics_check(const char *path, const pdh_cli_run_file *files, size_t n);

/* pdh_cli_metrics_check of o->metrics_file against the one company's files of o: the
 * desired file (unless read from stdin, or planfile is given), --token-file, -o, and
 * planfile (apply PLANFILE; NULL: none). When refused, o->metrics_file is cleared: the end
 * of the run must not write it either. */
int pdh_cli_metrics_check_common(pdh_common *o, const char *planfile);
/* The same against one more file of the run, path, described as what. */
int pdh_cli_metrics_check_one(pdh_common *o, const char *path, const char *what);

#endif
