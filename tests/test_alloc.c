#include <criterion/criterion.h>
#include <string.h>

#include "pdhooks/alloc.h"

Test(alloc, wipe_zeroes_every_byte_it_is_given)
{
	char secret[] = "pw-SECRET-9191";
	size_t n = strlen(secret);

	pdh_wipe(secret, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(secret[i], '\0', "byte %zu", i);
	pdh_wipe(NULL, 4); /* no-op */
}

