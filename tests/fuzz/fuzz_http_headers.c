/* Response header lines from an untrusted server: never a crash, never a negative "present"
 * value. Build: CC=clang cmake -S . -B build-fuzz -DPDH_FUZZ=ON && build-fuzz/fuzz_http_headers */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pdh_http_result r;
	char *s = pdh_xstrndup((const char *)data, size);

	pdh_http_result_init(&r);
	pdh_http_parse_header(&r, (const char *)data, size, 1700000000);
	if (r.retry_after_ms < -1 || r.ratelimit_remaining < -1 || r.ratelimit_reset_ms < -1)
		abort();
	if (pdh_http_parse_retry_after(s, 1700000000) < -1)
		abort();
	free(s);
	return 0;
}
