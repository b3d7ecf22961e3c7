#include "each_file.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

int pdh_t_each_file(const char *dir, const char *suffix, pdh_t_each_fn *fn, void *ctx)
{
	DIR *d = opendir(dir);
	size_t k = strlen(suffix);
	struct dirent *e;
	int count = 0;

	cr_assert_not_null(d, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n <= k || strcmp(e->d_name + n - k, suffix) != 0)
			continue;
		fn(dir, e->d_name, n - k, ctx);
		count++;
	}
	closedir(d);
	return count;
}
