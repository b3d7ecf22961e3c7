/* One apply per target at a time on this machine: an advisory lock (flock) on a file named
 * from a hash of the API URL and the credential identity. Two applies racing on one company
 * would each create every missing webhook. */
#ifndef PDHOOKS_APPLY_LOCK_H
#define PDHOOKS_APPLY_LOCK_H

#include "pdhooks/error.h"

typedef struct pdh_apply_lock pdh_apply_lock;

/* Takes the lock of the target (api_url, token) without waiting. The file is
 * DIR/pdhooks-apply-HASH.lock, DIR being $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp, and HASH
 * a SHA-256 of the URL and of a SHA-256 of the token (the token itself is in no file name
 * and no file). The file holds the holder's pid. Returns 0 with *out the caller's (release
 * with pdh_apply_lock_release, or the lock ends with the process); PDH_EBUSY when another
 * process holds it (the message names its pid); PDH_EIO when the file cannot be opened. */
int pdh_apply_lock_take(pdh_apply_lock **out, const char *api_url, const char *token,
                        pdh_error *err);
void pdh_apply_lock_release(pdh_apply_lock *l);

#endif
