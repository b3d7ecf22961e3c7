#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/sha256.h"

/* FIPS 180-2 appendix B and the NIST example values. */
Test(sha256, fips_vectors)
{
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char out[65];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pdh_sha256_hex(v[i].in, strlen(v[i].in), out);
		cr_expect_str_eq(out, v[i].hex, "vector %zu", i);
	}
}

Test(sha256, one_million_a_fed_in_odd_chunks)
{
	char *a = pdh_xmalloc(1000000);
	unsigned char d[32];
	char hex[65];
	pdh_sha256 s;
	size_t off = 0, step = 1;

	memset(a, 'a', 1000000);
	pdh_sha256_init(&s);
	while (off < 1000000) {
		size_t n = step < 1000000 - off ? step : 1000000 - off;
		pdh_sha256_update(&s, a + off, n);
		off += n;
		step = step * 3 % 1021 + 1;
	}
	pdh_sha256_final(&s, d);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

Test(sha256, padding_boundaries_match_one_shot)
{
	/* 55, 56 and 64 bytes cross the padding edge; compare chunked against one-shot. */
	static const char *const want[] = {
		"9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318", /* 55 x 'a' */
		"b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a", /* 56 x 'a' */
		"ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb", /* 64 x 'a' */
	};
	static const size_t lens[] = { 55, 56, 64 };
	char buf[64], out[65];

	memset(buf, 'a', sizeof(buf));
	for (int i = 0; i < 3; i++) {
		pdh_sha256_hex(buf, lens[i], out);
		cr_expect_str_eq(out, want[i], "length %zu", lens[i]);
	}
}
