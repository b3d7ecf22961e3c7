/* oauth_refresh: an account's token file, read, refreshed when its access token is about to
 * expire, and written back, all under one exclusive lock on the file, so that two runs never
 * spend one refresh token twice (a rotated one would lock the second out). */
#include "pdhooks/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/atomic_write.h"

static const char *S_env(const pdh_token_opts *o, const char *name)
{
	return o && o->getenv ? o->getenv(name, o->getenv_ctx) : getenv(name);
}

/* Opens path and takes its lock; *fd is the locked file. The file is replaced (renamed over)
 * by the run that refreshes it: a lock got on the file that was there before is let go and
 * taken again on the new one. */
static int S_lock(int *fd, const char *path, pdh_error *err)
{
	for (;;) {
		struct stat held, now;
		int f = open(path, O_RDONLY | O_CLOEXEC);

		if (f < 0)
			return pdh_error_set(err, PDH_EAUTH, "oauth_refresh: cannot open token_file %s: "
			                     "%s", path, strerror(errno));
		while (flock(f, LOCK_EX) != 0) {
			if (errno != EINTR) {
				int e = errno;

				close(f);
				return pdh_error_set(err, PDH_EIO, "oauth_refresh: cannot lock token_file "
				                     "%s: %s", path, strerror(e));
			}
		}
		if (fstat(f, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino) {
			*fd = f;
			return 0;
		}
		close(f);  /* replaced meanwhile: the lock that counts is the new file's */
	}
}

/* The locked file's bytes, NUL-terminated. */
static int S_read(char **out, size_t *len, int fd, const char *path, pdh_error *err)
{
	char *buf = pdh_xmalloc(PDH_OAUTH_TOKEN_FILE_MAX + 1);
	size_t n = 0;

	for (;;) {
		ssize_t k = read(fd, buf + n, PDH_OAUTH_TOKEN_FILE_MAX + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			pdh_free_secret(buf);
			return pdh_error_set(err, PDH_EIO, "oauth_refresh: cannot read token_file %s: %s",
			                     path, strerror(e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > PDH_OAUTH_TOKEN_FILE_MAX) {
			pdh_free_secret(buf);
			return pdh_error_set(err, PDH_EAUTH, "oauth_refresh: token_file %s is larger "
			                     "than %d bytes", path, PDH_OAUTH_TOKEN_FILE_MAX);
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void S_set_string(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

/* The token file after a refresh: its old keys, the answer's over them. Caller frees. */
static char *S_written(const char *old, size_t old_len, const pdh_oauth_token *t)
{
	json_t *o = json_loadb(old, old_len, 0, NULL);
	char *text;

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	S_set_string(o, "access_token", t->access_token);
	S_set_string(o, "refresh_token", t->refresh_token);
	S_set_string(o, "api_domain", t->api_domain);
	S_set_string(o, "scope", t->scope);
	json_object_set_new(o, "expires_at", json_integer((json_int_t)t->expires_at));
	json_object_del(o, "expires_in");
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

/* Moves *fresh into *stored when the refresh answered one (the text stored before freed). */
static void S_take(char **stored, char **fresh)
{
	if (*fresh == NULL)
		return;
	free(*stored);
	*stored = *fresh;
	*fresh = NULL;
}

/* Moves what a refresh answered into the stored token (the refresh token kept when no new
 * one came), so *stored is what the file now says. */
static void S_merge(pdh_oauth_token *stored, pdh_oauth_token *fresh)
{
	pdh_free_secret(stored->access_token);
	stored->access_token = fresh->access_token;
	fresh->access_token = NULL;
	if (fresh->refresh_token) {
		pdh_free_secret(stored->refresh_token);
		stored->refresh_token = fresh->refresh_token;
		fresh->refresh_token = NULL;
	}
	S_take(&stored->api_domain, &fresh->api_domain);
	S_take(&stored->scope, &fresh->scope);
	stored->has_expires = true;
	stored->expires_at = fresh->expires_at;
}

static int S_refresh(pdh_oauth_token *stored, const char *old, size_t old_len,
                     const pdh_fleet_account *a, const pdh_token_opts *o, pdh_error *err)
{
	const pdh_fleet_refresh_conf *r = &a->refresh;
	const char *id = S_env(o, r->client_id_env), *secret = S_env(o, r->client_secret_env);
	pdh_oauth_refresh_opts ro;
	pdh_oauth_token fresh;
	char *text;
	int rc;

	if (id == NULL || *id == '\0')
		return pdh_error_set(err, PDH_EAUTH, "oauth_refresh: client_id_env %s is not set",
		                     r->client_id_env);
	if (secret == NULL || *secret == '\0')
		return pdh_error_set(err, PDH_EAUTH, "oauth_refresh: client_secret_env %s is not "
		                     "set", r->client_secret_env);
	memset(&ro, 0, sizeof(ro));
	ro.token_url = r->token_url;
	ro.client_id = id;
	ro.client_secret = secret;
	ro.cacert = o ? o->cacert : NULL;
	ro.session = o ? o->session : NULL;
	ro.timeout_ms = o ? o->timeout_ms : 0;
	if ((rc = pdh_oauth_refresh(&fresh, &ro, stored->refresh_token, err)) != 0) {
		char *msg = pdh_xasprintf("oauth_refresh: %s%s", err->message, rc == PDH_EREAUTH
		                          ? "; the token file is left as it was" : "");

		rc = pdh_error_set(err, rc, "%.1000s", msg);
		free(msg);
		return rc;
	}
	S_merge(stored, &fresh);
	pdh_oauth_token_dispose(&fresh);
	text = S_written(old, old_len, stored);
	rc = pdh_write_file_atomic(r->token_file, text, strlen(text), 0600, true, err);
	pdh_free_secret(text);
	if (rc != 0) {
		/* The endpoint may have rotated the refresh token: say so, it is not kept. */
		char *msg = pdh_xasprintf("oauth_refresh: refreshed, but the token file could not "
		                          "be written (a rotated refresh token is lost): %s",
		                          err->message);

		rc = pdh_error_set(err, rc, "%.1000s", msg);
		free(msg);
	}
	return rc;
}

int pdh_fleet_oauth_refresh(pdh_oauth_token *out, const pdh_fleet_account *a,
                            const pdh_token_opts *opts, const char *refused, pdh_error *err)
{
	const char *path = a->refresh.token_file;
	char *text = NULL, *what;
	size_t len = 0;
	int fd = -1, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = S_lock(&fd, path, err)) != 0)
		return rc;
	if ((rc = S_read(&text, &len, fd, path, err)) != 0)
		goto done;
	what = pdh_xasprintf("oauth_refresh: token_file %s", path);
	rc = pdh_oauth_token_parse(out, text, len, what, err);
	free(what);
	if (rc == 0 && out->refresh_token == NULL)
		rc = pdh_error_set(err, PDH_EAUTH, "oauth_refresh: token_file %s has no "
		                   "refresh_token", path);
	if (rc != 0)
		goto done;
	if (out->access_token && out->has_expires &&
	    out->expires_at - (long long)time(NULL) > PDH_OAUTH_REFRESH_MARGIN_S &&
	    (refused == NULL || strcmp(refused, out->access_token) != 0))
		goto done;  /* fresh enough: used as it is */
	if (refused && out->access_token && strcmp(refused, out->access_token) != 0 &&
	    out->has_expires && out->expires_at > (long long)time(NULL))
		goto done;  /* another run refreshed it since this one read it */
	rc = S_refresh(out, text, len, a, opts, err);
done:
	if (rc != 0)
		pdh_oauth_token_dispose(out);
	if (text)
		pdh_free_secret(text);
	close(fd);  /* and with it the lock */
	return rc;
}
