/* The one capped file reader: the loader and the saved-plan reader both read through it. */
#include "pdhooks/read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/buf.h"

int pdh_read_fd_capped(int fd, const char *path, size_t max, char **data, size_t *len,
                       bool *too_big, pdh_error *err)
{
	pdh_buf b = PDH_BUF_INIT;
	struct stat st;
	char chunk[65536];
	int rc = PDH_OK;

	*data = NULL;
	*len = 0;
	if (too_big)
		*too_big = false;
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = pdh_error_set(err, PDH_EIO, "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = pdh_error_set(err, PDH_EIO, "cannot read %s: it is a directory", path);
		goto done;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max)
		goto too_big;
	b.max = max;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pdh_error_set(err, PDH_EIO, "cannot read %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (pdh_buf_append(&b, chunk, (size_t)n) != 0)
			goto too_big;
	}
	*len = b.len;
	*data = pdh_buf_detach(&b);
	goto done;
too_big:
	if (too_big)
		*too_big = true;
	rc = pdh_error_set(err, PDH_EIO, "%s is larger than %zu bytes", path, max);
done:
	pdh_buf_dispose(&b);
	return rc;
}

int pdh_read_file_capped(const char *path, size_t max, char **data, size_t *len, bool *too_big,
                         pdh_error *err)
{
	int fd = open(path, O_RDONLY);
	int rc = pdh_read_fd_capped(fd, path, max, data, len, too_big, err);

	if (fd >= 0)
		close(fd);
	return rc;
}
