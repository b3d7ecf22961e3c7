/* Reading a whole input file with a size cap: the desired file and a saved plan. */
#ifndef PDHOOKS_READ_FILE_H
#define PDHOOKS_READ_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"

/* Reads the file at path, at most max bytes. A regular file larger than max is refused before
 * it is read; a pipe is read one chunk past the limit. PDH_OK: *data (NUL-terminated, *len
 * bytes) is the caller's to free(). PDH_EIO with err filled when it cannot be read or is a
 * directory, or, with *too_big set, when it is larger than max ("PATH is larger than N
 * bytes"). too_big may be NULL. */
int pdh_read_file_capped(const char *path, size_t max, char **data, size_t *len, bool *too_big,
                         pdh_error *err);
/* The same for an open descriptor (stdin for `-f -`), named path in messages; fd stays open. */
int pdh_read_fd_capped(int fd, const char *path, size_t max, char **data, size_t *len,
                       bool *too_big, pdh_error *err);

#endif
