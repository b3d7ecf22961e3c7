#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"
#include "pdhooks/error.h"

int pdh_exit_code(int core_code)
{
	switch (core_code) {
	case PDH_OK: return PDH_EXIT_OK;
	case PDH_EBRAKE: return PDH_EXIT_BRAKE;
	case PDH_ESTALE: return PDH_EXIT_STALE;
	case PDH_EUNAVAILABLE: return PDH_EXIT_UNAVAILABLE;
	default: return PDH_EXIT_ERROR;
	}
}

void pdh_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pdhooks: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
