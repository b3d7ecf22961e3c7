/* "Did you mean": the closest of a list of known words (see suggest.h). */
#include "desired/suggest.h"

#include <ctype.h>
#include <string.h>

static size_t S_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Edit distance with adjacent transpositions ("dael" -> "deal" is one edit), ignoring case;
 * long words are not compared (99): only small distances matter for "did you mean". */
static size_t S_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64][64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
			d[i][j] = S_min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ai != bj));
			if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

const char *pdh_suggest_closest(const char *s, const char *const *list)
{
	const char *best = NULL;
	size_t best_d = 3, ls = strlen(s);

	for (size_t i = 0; list[i]; i++) {
		size_t d = S_distance(s, list[i]);
		if (d < best_d && d * 2 < ls) {
			best = list[i];
			best_d = d;
		}
	}
	if (best == NULL && ls >= 3) {
		for (size_t i = 0; list[i]; i++) {
			size_t ll = strlen(list[i]);
			if (ll > ls && list[i][ll - ls - 1] == '_' && strcmp(list[i] + ll - ls, s) == 0)
				return list[i];
		}
	}
	return best;
}
