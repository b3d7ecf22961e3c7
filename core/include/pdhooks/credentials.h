/* The API credentials: where they come from and what a usable token is. */
#ifndef PDHOOKS_CREDENTIALS_H
#define PDHOOKS_CREDENTIALS_H

#include <stdbool.h>

#include "pdhooks/error.h"

typedef enum {
	PDH_AUTH_NONE,
	PDH_AUTH_API_TOKEN,  /* header x-api-token */
	PDH_AUTH_BEARER      /* header Authorization: Bearer */
} pdh_auth_kind;

/* Where the credentials come from, in this order: token_file (--token-file: its first line,
 * trimmed; "Bearer TOKEN" there means an OAuth token, anything else an API token), else
 * env_oauth_token (PIPEDRIVE_OAUTH_TOKEN, sent as Authorization: Bearer) or env_api_token
 * (PIPEDRIVE_API_TOKEN, sent as x-api-token) — both set is an error, as is neither (PDH_EAUTH).
 * Empty variables count as unset. */
typedef struct pdh_credentials {
	pdh_auth_kind auth;
	char *token;         /* never print it */
	const char *source;  /* static text for messages: "--token-file", "PIPEDRIVE_API_TOKEN", ... */
} pdh_credentials;

int pdh_credentials_resolve(pdh_credentials *out, const char *token_file,
                            const char *env_api_token, const char *env_oauth_token,
                            pdh_error *err);
void pdh_credentials_dispose(pdh_credentials *c);
/* Whether the token file at path is open to its group or others (any of mode 077), as ssh
 * warns of a private key; *mode gets its permission bits. False when it cannot be stat'ed. */
bool pdh_token_file_exposed(const char *path, unsigned *mode);
/* A token that can go in an HTTP header: 1-1024 visible ASCII characters, no spaces. */
bool pdh_token_valid(const char *token);

#endif
