#ifndef PDH_SHA256_TMP_H
#define PDH_SHA256_TMP_H
#include <stddef.h>
void pdh_tmp_sha256_hex(const void *data, size_t len, char out[65]);
#endif
