#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pdhooks/error.h"

int pdh_exit_code(int core_code)
{
	return pdh_exit_of(core_code);
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

static void S_say(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "pdhooks: %s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pdh_cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	S_say("error", fmt, ap);
	va_end(ap);
}

void pdh_cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	S_say("warning", fmt, ap);
	va_end(ap);
}

bool pdh_cli_confirm(FILE *to, const char *where)
{
	char line[64];
	size_t n;

	fprintf(to, "\nDo you want to perform these actions%s? Only 'yes' will be accepted: ", where);
	fflush(to);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return strcmp(line, "yes") == 0;
}

void pdh_cli_tell_wait(long ms, const char *what)
{
	fprintf(stderr, "pdhooks: waiting %.1f s: %s\n", (double)ms / 1000.0, what);
}

void pdh_cli_log_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}
