#include "pdhooks/atomic_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/alloc.h"

static const char *S_kind(mode_t m)
{
	if (S_ISLNK(m)) return "a symbolic link";
	if (S_ISDIR(m)) return "a directory";
	if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
	if (S_ISFIFO(m)) return "a named pipe";
	if (S_ISSOCK(m)) return "a socket";
	return "not a regular file";
}

int pdh_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          bool replace, pdh_error *err)
{
	char *tmp;
	const char *p = data;
	size_t off = 0;
	struct stat st;
	mode_t mask;
	int fd, rc = 0;

	/* rename() would put a regular file in place of a link or a device node (and follow
	 * nothing): refuse anything but a regular file, whatever it points at. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		return pdh_error_set(err, PDH_EIO, "%s is %s; pdhooks writes only to a regular file "
		                     "or a new path", path, S_kind(st.st_mode));
	}
	tmp = pdh_xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask) != 0) {
		rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
			goto done;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	/* link() refuses an existing target atomically; rename() replaces it atomically. */
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		if (!replace && errno == EEXIST)
			rc = pdh_error_set(err, PDH_EIO, "%s exists; remove it or choose another file",
			                   path);
		else
			rc = pdh_error_set(err, PDH_EIO, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc != 0 || !replace)
		unlink(tmp);
	free(tmp);
	return rc;
}
