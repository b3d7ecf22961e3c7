#include "pdhooks/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pdh_error_set(pdh_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void pdh_error_clear(pdh_error *err)
{
	if (err == NULL)
		return;
	err->code = PDH_OK;
	err->http_status = 0;
	err->message[0] = '\0';
}

const char *pdh_error_name(int code)
{
	switch (code) {
	case PDH_OK: return "ok";
	case PDH_EINVAL: return "invalid argument";
	case PDH_EIO: return "i/o error";
	case PDH_EFILE: return "invalid file";
	case PDH_ENET: return "network error";
	case PDH_EAPI: return "API error";
	case PDH_EPROTO: return "unexpected API response";
	case PDH_EAUTH: return "authentication error";
	case PDH_EBRAKE: return "refused by a safety brake";
	case PDH_ESTALE: return "stale plan";
	case PDH_EPARTIAL: return "partial apply";
	case PDH_EUNAVAILABLE: return "could not check: the API stayed unavailable";
	case PDH_EBUSY: return "another apply is running";
	case PDH_EREAUTH: return "the app must be authorized again";
	default: return "error";
	}
}
