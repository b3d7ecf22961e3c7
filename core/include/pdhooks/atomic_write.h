/* Writing a whole output file so that a reader never sees half of it: a temporary file in the
 * same directory, flushed, then moved into place. */
#ifndef PDHOOKS_ATOMIC_WRITE_H
#define PDHOOKS_ATOMIC_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pdhooks/error.h"

/* Writes len bytes of data to path with permissions mode (before the umask). With replace
 * false an existing path is an error (PDH_EIO, "... exists") and is left untouched. A path
 * that exists and is not a regular file (a symbolic link, a device node, a directory, ...)
 * is refused (PDH_EIO, "... is a symbolic link; ...") either way. */
int pdh_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          bool replace, pdh_error *err);

#endif
