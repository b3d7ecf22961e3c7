/* libFuzzer target: pdh_desired_load_buffer over arbitrary bytes, then rendering of whatever
 * it reported, with a fixed environment so every run is reproducible.
 *   CC=clang cmake -S . -B build-fuzz -DPDH_FUZZ=ON -DPDH_TESTS=OFF -DPDH_BENCH=OFF
 *   cmake --build build-fuzz --target fuzz_desired
 *   build-fuzz/fuzz_desired -dict=tests/fuzz/fuzz_desired.dict CORPUS testdata/desired/good testdata/desired/bad */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/desired.h"
#include "pdhooks/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *S_getenv(const char *name, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "PD_HOOK_PASSWORD") == 0)
		return "fuzz-secret";
	if (strcmp(name, "HOOK_BASE") == 0)
		return "https://hooks.example.com";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

static int S_contains(const uint8_t *data, size_t size, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= size; i++)
		if (memcmp(data + i, s, n) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pdh_load_opts opts = { .getenv = S_getenv };
	pdh_desired *d = NULL;
	pdh_diags diags;
	pdh_error err;
	char *text;

	pdh_diags_init(&diags, "fuzz.yaml");
	if (pdh_desired_load_buffer(&d, "fuzz.yaml", (const char *)data, size, &opts, &diags,
	                            &err) == 0 && d == NULL)
		abort();
	text = pdh_diags_render(&diags, (const char *)data, size, false, true);
	/* A secret that came from the environment must never reach the output (unless the input
	 * itself holds the same text). */
	if (strstr(text, "fuzz-secret") && !S_contains(data, size, "fuzz-secret"))
		abort();
	free(text);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	return 0;
}
