/* The files a run reads and writes, checked before it starts: an output (plan -o,
 * --metrics-file) must never replace an input or another output, however spelled. */
#ifndef PDHOOKS_RUN_FILES_H
#define PDHOOKS_RUN_FILES_H

#include <stddef.h>

#include "options.h"
#include "pdhooks/same_file.h"

/* pdh_metrics_file_check of --metrics-file path: -1 after its error, else 0. */
int pdh_cli_metrics_check(const char *path, const pdh_run_file *files, size_t n);

/* pdh_cli_metrics_check of o->metrics_file against the one company's files of o: the
 * desired file (unless read from stdin, or planfile is given), --token-file, -o, and
 * planfile (apply PLANFILE; NULL: none). When refused, o->metrics_file is cleared: the end
 * of the run must not write it either. */
int pdh_cli_metrics_check_common(pdh_common *o, const char *planfile);
/* The same against one more file of the run, path, described as what. */
int pdh_cli_metrics_check_one(pdh_common *o, const char *path, const char *what);

#endif
