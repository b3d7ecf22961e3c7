#define _DEFAULT_SOURCE /* realpath */
#include "run_files.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "pdhooks/alloc.h"
#include "pdhooks/metrics.h"

/* The absolute path p names: realpath when it exists, else its directory's resolved path
 * and its last part (a directory not made yet is resolved the same way, "." and ".." taken
 * as they come). Caller frees. */
static char *S_resolved(const char *p)
{
	char *d, *b, *parent, *out, *cut;

	if ((out = realpath(p, NULL)) != NULL)
		return out;
	d = pdh_xstrdup(p);
	b = pdh_xstrdup(p);
	parent = dirname(d);
	if (strcmp(parent, p) == 0) {
		/* "/" or "." that realpath could not take: left as it is */
		out = pdh_xstrdup(p);
	} else {
		parent = S_resolved(parent);
		if (strcmp(basename(b), "..") == 0) {
			cut = strrchr(parent, '/');
			out = pdh_xasprintf("%.*s", cut && cut != parent ? (int)(cut - parent) : 1,
			                    parent);
		} else if (strcmp(basename(b), ".") == 0) {
			out = pdh_xstrdup(parent);
		} else {
			out = pdh_xasprintf("%s/%s", strcmp(parent, "/") == 0 ? "" : parent,
			                    basename(b));
		}
		free(parent);
	}
	PDH_FREE_ALL(d, b);
	return out;
}

bool pdh_cli_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra, *rb;
	bool same;

	if (a == NULL || b == NULL)
		return false;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ra = S_resolved(a);
	rb = S_resolved(b);
	same = strcmp(ra, rb) == 0;
	PDH_FREE_ALL(ra, rb);
	return same;
}

/* Whether the file at path, which exists, is pdhooks' metrics (or empty): 1, 0 when not,
 * -1 when it cannot be read (errno). */
static int S_ours(const char *path)
{
	static const char head[] = "# HELP pdhooks_";
	char line[sizeof(head)];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	n = fread(line, 1, sizeof(head) - 1, f);
	fclose(f);
	return n == 0 || (n == sizeof(head) - 1 && memcmp(line, head, n) == 0);
}

int pdh_cli_metrics_check(const char *path, const pdh_cli_run_file *files, size_t n)
{
	struct stat st;
	int ours;

	if (path == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (pdh_cli_same_file(path, files[i].path)) {
			pdh_cli_error("--metrics-file %s is %s; write the metrics to another path",
			              path, files[i].what);
			return -1;
		}
	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		pdh_cli_error("--metrics-file %s is not a regular file", path);
		return -1;
	}
	ours = S_ours(path);
	if (ours < 0) {
		pdh_cli_error("--metrics-file %s cannot be read to check it: %s", path,
		              strerror(errno));
		return -1;
	}
	if (ours == 0) {
		pdh_cli_error("--metrics-file %s is a file that is not pdhooks' metrics (its first "
		              "line is not '# HELP pdhooks_...'); write the metrics to another path, "
		              "or remove it", path);
		return -1;
	}
	return 0;
}

/* Refused: the run ends without writing it. */
static int S_refused(pdh_common *o, int rc)
{
	if (rc != 0)
		o->metrics_file = NULL;
	return rc;
}

int pdh_cli_metrics_check_common(pdh_common *o, const char *planfile)
{
	const pdh_cli_run_file files[] = {
		{ o->file_stdin || planfile ? NULL : o->file, "the desired-state file" },
		{ o->token_file, "the --token-file" },
		{ o->out, "the plan's -o PLANFILE" },
		{ planfile, "the saved plan being applied" },
	};
	pdh_error err = { 0 };

	if (o->metrics_labels.n > 0 && o->metrics_file == NULL) {
		pdh_cli_error("--metrics-label needs --metrics-file");
		return -1;
	}
	if (pdh_metrics_labels_check(o->metrics_labels.items, o->metrics_labels.n, &err) != PDH_OK) {
		pdh_cli_error("%s", err.message);
		return S_refused(o, -1);
	}

	return S_refused(o, pdh_cli_metrics_check(o->metrics_file, files,
	                                          sizeof(files) / sizeof(files[0])));
}

int pdh_cli_metrics_check_one(pdh_common *o, const char *path, const char *what)
{
	const pdh_cli_run_file file = { path, what };

	return S_refused(o, pdh_cli_metrics_check(o->metrics_file, &file, 1));
}
