/* pdhooks merge REPORT.json...: the JSON reports of a fleet's shards -> one report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/run.h"
#include "pdhooks/alloc.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/planfile.h"

#define S_REPORT_MAX PDH_PLANFILE_MAX_BYTES

static char *S_read(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			data = pdh_xrealloc(data, cap);
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (n > S_REPORT_MAX || got == 0)
			break;
	}
	if (ferror(f) || n > S_REPORT_MAX) {
		free(data);
		data = NULL;
	} else {
		data[n] = '\0';
		*len = n;
	}
	if (f != stdin)
		fclose(f);
	return data;
}

int pdh_cmd_merge(int argc, char **argv)
{
	const char **names = NULL;
	char **texts = NULL;
	size_t *lens = NULL, n = 0;
	pdh_error err = { 0 };
	pdh_common o;
	char *out = NULL;
	int first, code = PDH_EXIT_ERROR, fleet_code = PDH_EXIT_ERROR;

	pdh_common_init(&o);
	if (pdh_common_parse(&o, PDH_CMD_MERGE, argc, argv, &first) != 0)
		goto done;
	n = (size_t)(argc - first);
	if (n == 0) {
		pdh_cli_error("merge: give the JSON reports of the shards (pdhooks plan --fleet F "
		              "--shard I/N --format json > shard-I.json)");
		goto done;
	}
	names = pdh_xcalloc(n, sizeof(*names));
	texts = pdh_xcalloc(n, sizeof(*texts));
	lens = pdh_xcalloc(n, sizeof(*lens));
	for (size_t i = 0; i < n; i++) {
		names[i] = argv[first + (int)i];
		texts[i] = S_read(names[i], &lens[i]);
		if (texts[i] == NULL) {
			pdh_cli_error("cannot read the report %s", names[i]);
			goto done;
		}
	}
	if (pdh_fleet_merge(&out, &fleet_code, (const char *const *)texts, lens, names, n,
	                    (pdh_format)o.format, o.detailed_exitcode, &err) != 0) {
		pdh_cli_error("%s", err.message);
		goto done;
	}
	if (fputs(out, stdout) == EOF || fflush(stdout) != 0) {
		pdh_cli_error("cannot write the merged report");
		goto done;
	}
	code = fleet_code;
done:
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	free(names);
	free(out);
	pdh_common_dispose(&o);
	return code;
}
