/* Writing and reading the ownership marker of a webhook's name. */
#include "pdhooks/marker.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "util/text.h"

#define S_OPEN " [pdhooks:"

static bool S_owner_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (!first && (c == '.' || c == '_' || c == '-'));
}

static bool S_owner_ok(const char *s, size_t n)
{
	if (n == 0 || n > PDH_OWNER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!S_owner_char(s[i], i == 0))
			return false;
	return true;
}

bool pdh_marker_owner_valid(const char *owner)
{
	return owner && S_owner_ok(owner, strlen(owner));
}

void pdh_marker_parse(const char *name, pdh_marker *out)
{
	size_t len = name ? strlen(name) : 0, open = sizeof(S_OPEN) - 1;
	const char *start, *body, *colon;
	size_t owner_len;

	memset(out, 0, sizeof(*out));
	out->bare_len = len;
	if (len < open + 2 || name[len - 1] != ']')
		return;
	/* The last " [pdhooks:" of the name: a NAME may hold one itself. */
	start = NULL;
	for (const char *p = strstr(name, S_OPEN); p; p = strstr(p + 1, S_OPEN))
		start = p;
	if (start == NULL)
		return;
	body = start + open;
	colon = memchr(body, ':', (size_t)(name + len - 1 - body));
	owner_len = (size_t)((colon ? colon : name + len - 1) - body);
	if (!S_owner_ok(body, owner_len))
		return;
	if (colon) {
		long long v = 0;
		const char *d = colon + 1;
		if (d == name + len - 1 || *d == '0')
			return;
		for (; d < name + len - 1; d++) {
			if (*d < '0' || *d > '9' || v > PDH_PASSWORD_VERSION_MAX / 10)
				return;
			v = v * 10 + (*d - '0');
		}
		if (v < 1 || v > PDH_PASSWORD_VERSION_MAX)
			return;
		out->version = v;
	}
	out->marked = true;
	memcpy(out->owner, body, owner_len);
	out->owner[owner_len] = '\0';
	out->bare_len = (size_t)(start - name);
}

char *pdh_marker_name(const char *name, const char *owner, long long version, char **cut)
{
	char marker[sizeof(S_OPEN) + PDH_OWNER_MAX + 24];
	size_t room, len = strlen(name), i = 0, chars = 0, k;
	uint32_t cp;
	char *whole;

	if (version > 0)
		snprintf(marker, sizeof(marker), S_OPEN "%s:%lld]", owner, version);
	else
		snprintf(marker, sizeof(marker), S_OPEN "%s]", owner);
	room = PDH_NAME_MAX - strlen(marker);
	/* Characters as Pipedrive counts them (code points); a byte that is not UTF-8 is one. */
	while (i < len && chars < room) {
		k = pdh_utf8_decode(name + i, len - i, &cp);
		i += k ? k : 1;
		chars++;
	}
	*cut = pdh_xstrndup(name, i);
	whole = pdh_xasprintf("%s%s", *cut, marker);
	return whole;
}
