#define _DEFAULT_SOURCE /* flock, usleep */
#include "pdhooks/apply_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/sha256.h"

struct pdh_apply_lock {
	int fd;
	char *path;
};

/* A directory from the environment when it is an absolute path. */
static const char *S_dir(void)
{
	const char *names[] = { "XDG_RUNTIME_DIR", "TMPDIR" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);

		if (v && v[0] == '/')
			return v;
	}
	return "/tmp";
}

/* DIR/pdhooks-apply-HASH.lock, HASH from a SHA-256 of text after a line naming what it is. */
static char *S_path(const char *kind, const char *text)
{
	char text_hex[65], hex[65];
	pdh_sha256 s;
	unsigned char d[32];

	pdh_sha256_hex(text ? text : "", text ? strlen(text) : 0, text_hex);
	pdh_sha256_init(&s);
	pdh_sha256_update(&s, kind, strlen(kind));
	pdh_sha256_update(&s, text_hex, 64);
	pdh_sha256_final(&s, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[32] = '\0';   /* 128 bits name a token well enough */
	return pdh_xasprintf("%s/pdhooks-apply-%s.lock", S_dir(), hex);
}

/* The lock file of a token. The company is what two applies must not both change, and
 * the token names it (one token, one user of one company) however the API URL is spelled:
 * https://api.pipedrive.com/v1 and https://acme.pipedrive.com/api/v1, or localhost and
 * 127.0.0.1, are one company for one token. */
char *pdh_apply_lock_path(const char *token)
{
	return S_path("pdhooks apply lock\n", token);
}

char *pdh_apply_lock_key_path(const char *key)
{
	return S_path("pdhooks apply lock of an install\n", key);
}

/* The pid the holder wrote; 0 when none can be read yet. */
static long S_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Takes the lock at path (the caller's, freed here or kept in *out): same names the
 * credential for another account of this run, this_ for another process. */
static int S_take(pdh_apply_lock **out, char *path, const char *same, const char *this_,
                  pdh_error *err)
{
	char pid[32];
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = pdh_error_set(err, PDH_EIO, "cannot open the apply lock %s: %s", path,
		                   strerror(errno));
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		long holder = 0;

		if (errno != EWOULDBLOCK) {
			rc = pdh_error_set(err, PDH_EIO, "cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
		/* The holder writes its pid just after it locks: give it a moment. */
		for (int i = 0; i < 20 && (holder = S_holder(fd)) == 0; i++)
			usleep(10000);
		if (holder == (long)getpid())
			rc = pdh_error_set(err, PDH_EBUSY, "another account of this run applies with "
			                   "%s, so to the same company (lock %s); one company is "
			                   "applied once at a time", same, path);
		else if (holder > 0)
			rc = pdh_error_set(err, PDH_EBUSY, "another pdhooks apply (pid %ld) is running "
			                   "with %s (lock %s); wait for it to finish", holder, this_,
			                   path);
		else
			rc = pdh_error_set(err, PDH_EBUSY, "another pdhooks apply is running with %s "
			                   "(lock %s); wait for it to finish", this_, path);
		goto fail;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		rc = pdh_error_set(err, PDH_EIO, "cannot write the apply lock %s: %s", path,
		                   strerror(errno));
		goto fail;
	}
	*out = pdh_xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	(*out)->path = path;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int pdh_apply_lock_take(pdh_apply_lock **out, const char *token, pdh_error *err)
{
	return S_take(out, pdh_apply_lock_path(token), "the same token",
	              "this token, so against the same company, whatever API URL it was given",
	              err);
}

int pdh_apply_lock_take_key(pdh_apply_lock **out, const char *key, pdh_error *err)
{
	return S_take(out, pdh_apply_lock_key_path(key), "the same OAuth install (its token "
	              "file or token command)", "this OAuth install (its token file or token "
	              "command), so against the same company", err);
}

void pdh_apply_lock_release(pdh_apply_lock *l)
{
	if (l == NULL)
		return;
	/* Empty it first, so nobody names this pid after it ends; the file stays (unlinking a
	 * locked file lets a third process lock a new one beside a waiting second). */
	if (ftruncate(l->fd, 0) != 0) {
		/* nothing to do: the lock ends with the close all the same */
	}
	close(l->fd);
	free(l->path);
	free(l);
}
