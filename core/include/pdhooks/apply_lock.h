/* One apply per company at a time on this machine: an advisory lock (flock) on a file named
 * from a hash of the token. Two applies racing on one company would each create every
 * missing webhook; the token names the company however its API URL is spelled (localhost
 * or 127.0.0.1, api.pipedrive.com or the company's domain), so the URL is no part of the
 * key. An OAuth access token changes with each refresh: a fleet's OAuth account is locked by
 * what names its install instead (pdh_apply_lock_take_key). */
#ifndef PDHOOKS_APPLY_LOCK_H
#define PDHOOKS_APPLY_LOCK_H

#include "pdhooks/error.h"

typedef struct pdh_apply_lock pdh_apply_lock;

/* Takes the lock of the token's company without waiting. The file is
 * DIR/pdhooks-apply-HASH.lock (pdh_apply_lock_path), DIR being $XDG_RUNTIME_DIR, else
 * $TMPDIR, else /tmp, and HASH a SHA-256 of a SHA-256 of the token (the token itself is in no
 * file name and no file). The file holds the holder's pid. Returns 0 with *out the caller's
 * (release with pdh_apply_lock_release, or the lock ends with the process); PDH_EBUSY when
 * another process, or another account of this process's fleet, holds it (the message names
 * the pid); PDH_EIO when the file cannot be opened. */
int pdh_apply_lock_take(pdh_apply_lock **out, const char *token, pdh_error *err);
/* The lock file of token (NULL: no token). Caller frees. */
char *pdh_apply_lock_path(const char *token);
/* The same lock for a credential whose token changes (an OAuth access token, refreshed):
 * keyed by key, what names its install however often it is refreshed (pdh_fleet_cred's
 * lock_key), in a file of its own (pdh_apply_lock_key_path; never a token's). */
int pdh_apply_lock_take_key(pdh_apply_lock **out, const char *key, pdh_error *err);
char *pdh_apply_lock_key_path(const char *key);
void pdh_apply_lock_release(pdh_apply_lock *l);

#endif
