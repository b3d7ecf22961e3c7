/* libFuzzer target: the saved-plan reader on any bytes (build with -DPDH_FUZZ=ON, CC=clang).
 * Every input either parses or is refused with PDH_EFILE; nothing leaks or crashes. */
#include <stddef.h>
#include <stdint.h>

#include "pdhooks/planfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pdh_planfile *pf = NULL;
	pdh_error err = { 0 };   /* read after a failure: defined even if the parser forgot it */

	if (pdh_planfile_parse(&pf, "fuzz", (const char *)data, size, &err) == 0)
		pdh_planfile_free(pf);
	else if (pf != NULL || err.code != PDH_EFILE)
		__builtin_trap();
	return 0;
}
