/* Where the API credentials come from. The token is only ever copied into a request header. */
#include "pdhooks/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "pdhooks/limits.h"
#include "util/text.h"

bool pdh_token_valid(const char *token)
{
	size_t n;

	if (token == NULL)
		return false;
	n = strlen(token);
	if (n == 0 || n > PDH_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f)
			return false;
	return true;
}

static char *S_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* The first line of path, trimmed, into out (auth kind and token). */
static int S_read_token_file(pdh_credentials *out, const char *path, pdh_error *err)
{
	char line[PDH_TOKEN_MAX + 64];
	char *tok;
	struct stat st;
	FILE *f = NULL;
	int rc = PDH_OK;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = pdh_error_set(err, PDH_EAUTH, "cannot read token file %s: %s", path,
		                   strerror(errno));
		goto done;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = pdh_error_set(err, PDH_EAUTH, "token file %s is a directory; expected a file "
		                   "whose first line is the token", path);
		goto done;
	}
	if (fgets(line, sizeof(line), f) == NULL) {
		rc = pdh_error_set(err, PDH_EAUTH, "token file %s is empty", path);
		goto done;
	}
	if (strchr(line, '\n') == NULL && !feof(f)) {
		rc = pdh_error_set(err, PDH_EAUTH, "token file %s: first line is too long for a "
		                   "token", path);
		goto done;
	}
	tok = S_trim(line);
	out->auth = PDH_AUTH_API_TOKEN;
	if (strncmp(tok, "Bearer ", 7) == 0) {
		out->auth = PDH_AUTH_BEARER;
		tok = S_trim(tok + 7);
	}
	if (*tok == '\0') {
		rc = pdh_error_set(err, PDH_EAUTH, "token file %s: the first line holds no token",
		                   path);
		goto done;
	}
	if (!pdh_token_valid(tok)) {
		rc = pdh_error_set(err, PDH_EAUTH, "token file %s: the token contains spaces or "
		                   "control characters", path);
		goto done;
	}
	out->token = pdh_xstrdup(tok);
	out->source = "--token-file";
done:
	memset(line, 0, sizeof(line));
	if (f)
		fclose(f);
	return rc;
}

bool pdh_token_file_exposed(const char *path, unsigned *mode)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return false;
	*mode = (unsigned)(st.st_mode & 0777);
	return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

int pdh_credentials_resolve(pdh_credentials *out, const char *token_file,
                            const char *env_api_token, const char *env_oauth_token,
                            pdh_error *err)
{
	memset(out, 0, sizeof(*out));
	out->auth = PDH_AUTH_NONE;
	if (pdh_text_set(token_file))
		return S_read_token_file(out, token_file, err);
	if (pdh_text_set(env_api_token) && pdh_text_set(env_oauth_token))
		return pdh_error_set(err, PDH_EAUTH, "both PIPEDRIVE_API_TOKEN and "
		                     "PIPEDRIVE_OAUTH_TOKEN are set; unset one (or use --token-file)");
	if (pdh_text_set(env_oauth_token)) {
		out->auth = PDH_AUTH_BEARER;
		out->source = "PIPEDRIVE_OAUTH_TOKEN";
		out->token = pdh_xstrdup(env_oauth_token);
	} else if (pdh_text_set(env_api_token)) {
		out->auth = PDH_AUTH_API_TOKEN;
		out->source = "PIPEDRIVE_API_TOKEN";
		out->token = pdh_xstrdup(env_api_token);
	} else {
		return pdh_error_set(err, PDH_EAUTH, "no Pipedrive credentials: set "
		                     "PIPEDRIVE_API_TOKEN (or PIPEDRIVE_OAUTH_TOKEN), or pass "
		                     "--token-file PATH");
	}
	if (!pdh_token_valid(out->token)) {
		int rc = pdh_error_set(err, PDH_EAUTH, "%s contains spaces or control characters; "
		                       "it cannot be a token", out->source);
		pdh_credentials_dispose(out);
		return rc;
	}
	return PDH_OK;
}

void pdh_credentials_dispose(pdh_credentials *c)
{
	if (c == NULL)
		return;
	pdh_free_secret(c->token);
	memset(c, 0, sizeof(*c));
	c->auth = PDH_AUTH_NONE;
}
