#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

static bool S_stdout_failed; /* reported once */

bool pdh_cli_stdout_ok(void)
{
	int saved = errno;

	if (S_stdout_failed)
		return false;
	/* A write that failed earlier leaves the error flag set, and a later fflush of an
	 * empty buffer still succeeds: check both. */
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return true;
	if (errno == 0)
		errno = saved ? saved : EIO;
	pdh_cli_error("cannot write to standard output: %s", strerror(errno));
	S_stdout_failed = true;
	return false;
}

int pdh_exit_after_output(int code)
{
	if (pdh_cli_stdout_ok())
		return code;
	return code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES ? PDH_EXIT_ERROR : code;
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

void pdh_cli_warning(const char *fmt, ...)
{
	va_list ap;

	fputs("pdhooks: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
