#define _DEFAULT_SOURCE /* realpath */
#include "pdhooks/same_file.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

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

bool pdh_same_file(const char *a, const char *b)
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

int pdh_metrics_file_check(const char *path, const pdh_run_file *files, size_t n,
                           pdh_error *err)
{
	struct stat st;
	int ours;

	if (path == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (pdh_same_file(path, files[i].path))
			return pdh_error_set(err, PDH_EINVAL, "--metrics-file %s is %s; write the "
			                     "metrics to another path", path, files[i].what);
	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return pdh_error_set(err, PDH_EINVAL, "--metrics-file %s is not a regular file",
		                     path);
	ours = S_ours(path);
	if (ours < 0)
		return pdh_error_set(err, PDH_EINVAL, "--metrics-file %s cannot be read to check "
		                     "it: %s", path, strerror(errno));
	if (ours == 0)
		return pdh_error_set(err, PDH_EINVAL, "--metrics-file %s is a file that is not "
		                     "pdhooks' metrics (its first line is not '# HELP "
		                     "pdhooks_...'); write the metrics to another path, or remove "
		                     "it", path);
	return 0;
}

/* The directory part of path, "." when it has none. Caller frees. */
static char *S_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return pdh_xstrdup(".");
	if (slash == path)
		return pdh_xstrdup("/");
	return pdh_xstrndup(path, (size_t)(slash - path));
}

/* The next component of a resolved path at *p (no empty ones: realpath has none), its length
 * in *n; false at the end. */
static bool S_component(const char **p, const char **start, size_t *n)
{
	while (**p == '/')
		(*p)++;
	if (**p == '\0')
		return false;
	*start = *p;
	*n = strcspn(*p, "/");
	*p += *n;
	return true;
}

char *pdh_path_relative(const char *from_file, const char *to)
{
	char *dir = S_dir_of(from_file);
	char *a = realpath(dir, NULL), *b = realpath(to, NULL);
	const char *pa, *pb, *ca = NULL, *cb = NULL;
	size_t na = 0, nb = 0;
	bool more_a, more_b;
	pdh_buf out = PDH_BUF_INIT;
	char *rel = NULL;

	free(dir);
	if (a == NULL || b == NULL)
		goto done;
	pa = a;
	pb = b;
	/* the components both share, then one ".." for each of a's left */
	for (;;) {
		const char *ra = pa, *rb = pb;

		more_a = S_component(&pa, &ca, &na);
		more_b = S_component(&pb, &cb, &nb);
		if (!more_a || !more_b || na != nb || memcmp(ca, cb, na) != 0) {
			pa = ra;
			pb = rb;
			break;
		}
	}
	while (S_component(&pa, &ca, &na))
		pdh_buf_puts(&out, "../");
	while (S_component(&pb, &cb, &nb)) {
		pdh_buf_printf(&out, "%.*s", (int)nb, cb);
		if (*pb)
			pdh_buf_putc(&out, '/');
	}
	if (out.len > 0)
		rel = pdh_buf_detach(&out);
done:
	pdh_buf_dispose(&out);
	free(a);
	free(b);
	return rel;
}

char *pdh_path_beside(const char *file, const char *rel)
{
	char *dir, *path;

	if (rel[0] == '/' || strchr(file, '/') == NULL)
		return pdh_xstrdup(rel);
	dir = S_dir_of(file);
	path = pdh_xasprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", rel);
	free(dir);
	return path;
}
