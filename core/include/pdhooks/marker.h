/* Ownership markers (DESIGN.md, "Ownership markers"): a webhook pdhooks creates for a file
 * with manage.owner is named "NAME [pdhooks:OWNER]" or, with a password version,
 * "NAME [pdhooks:OWNER:N]". The one place that writes and reads that suffix. */
#ifndef PDHOOKS_MARKER_H
#define PDHOOKS_MARKER_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/limits.h"

/* What a name's marker says. */
typedef struct pdh_marker {
	bool marked;                   /* the name ends with a well-formed marker */
	char owner[PDH_OWNER_MAX + 1]; /* its owner; "" when unmarked */
	long long version;             /* its password version; 0 when it has none */
	size_t bare_len;               /* the length of the name before the marker (the whole
	                                  name when unmarked) */
} pdh_marker;

/* Whether owner is a valid manage.owner: [a-z0-9][a-z0-9._-]{0,39}. */
bool pdh_marker_owner_valid(const char *owner);
/* Reads the marker at the end of name (NULL: unmarked). A suffix that only looks like one (a
 * bad owner, a version that is not 1 to PDH_PASSWORD_VERSION_MAX) is no marker. */
void pdh_marker_parse(const char *name, pdh_marker *out);
/* The name pdhooks sends: name cut, without splitting a UTF-8 sequence, so that it and the
 * marker of owner (and version, when > 0) fit PDH_NAME_MAX characters, then the marker.
 * *cut gets the cut name alone (what a live webhook's name is compared with). Caller frees
 * both. */
char *pdh_marker_name(const char *name, const char *owner, long long version, char **cut);

#endif
