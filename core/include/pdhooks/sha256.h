/* SHA-256 (FIPS 180-4), for fingerprints of the desired file and of live listings. */
#ifndef PDHOOKS_SHA256_H
#define PDHOOKS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct pdh_sha256 {
	uint32_t h[8];
	uint64_t len;            /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;             /* bytes waiting in block */
} pdh_sha256;

void pdh_sha256_init(pdh_sha256 *s);
void pdh_sha256_update(pdh_sha256 *s, const void *data, size_t len);
void pdh_sha256_final(pdh_sha256 *s, unsigned char digest[32]);
/* The lower-case hex digest of data, NUL-terminated, into out. */
void pdh_sha256_hex(const void *data, size_t len, char out[65]);

#endif
