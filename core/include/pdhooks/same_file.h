/* The files a run reads and writes, checked before it starts: an output (plan -o,
 * --metrics-file) must never replace an input or another output, however spelled. */
#ifndef PDHOOKS_SAME_FILE_H
#define PDHOOKS_SAME_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"

/* A file of the run: its path (NULL: none) and what it is, for messages ("the
 * desired-state file"). */
typedef struct pdh_run_file {
	const char *path;
	const char *what;
} pdh_run_file;

/* Whether paths a and b name one file: one inode when both exist (a link or another
 * spelling of it included), else one path once each directory is resolved (a file not made
 * yet: ./d/../x is x). false when either is NULL. */
bool pdh_same_file(const char *a, const char *b);

/* --metrics-file path (NULL: none), checked before anything is read from the network or
 * written: PDH_EINVAL with "--metrics-file PATH is WHAT ..." when it is one of files[0..n),
 * or an existing file that is not pdhooks' metrics (its first line does not begin
 * "# HELP pdhooks_"; an empty one is fine). Else 0. */
/* The path of the existing file to, relative to the directory of from_file (which need not
 * exist yet; its directory must): both resolved, so "a/../b" and links are followed.
 * "../repo/pdhooks.yaml". NULL when either cannot be resolved. Caller frees. */
char *pdh_path_relative(const char *from_file, const char *to);

/* rel read beside file: rel itself when it is absolute or file has no directory part, else
 * file's directory, '/', rel. Caller frees. */
char *pdh_path_beside(const char *file, const char *rel);

int pdh_metrics_file_check(const char *path, const pdh_run_file *files, size_t n,
                           pdh_error *err);

#endif
