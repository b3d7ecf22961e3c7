/* Runs a fuzz target's LLVMFuzzerTestOneInput over files, or every file of directories,
 * without libFuzzer: its seed corpus and every input that once crashed it, as a regression
 * test of the normal and the sanitizer builds (CTest entries fuzz_<target>_replay).
 *   fuzz_live_replay testdata/fuzz/fuzz_live testdata/plan/unchanged/live.json */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds one file to the target: its bytes in a buffer of exactly their size, so that ASan sees
 * a read past the end. 0, or -1 when it cannot be read. */
static int S_replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;
	int rc = -1;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto done;
	data = pdh_xmalloc(size > 0 ? (size_t)size : 1);
	if (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)
		goto done;
	LLVMFuzzerTestOneInput(data, (size_t)size);
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "replay: cannot read %s\n", path);
	if (f)
		fclose(f);
	free(data);
	return rc;
}

/* A file, or the regular files of a directory (not recursive). Adds to *count. */
static int S_replay(const char *path, size_t *count)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: no %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = S_replay_file(path);
		*count += rc == 0;
		return rc;
	}
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = pdh_xasprintf("%s/%s", path, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (S_replay_file(p) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(p);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (S_replay(argv[i], &count) != 0)
			rc = 1;
	printf("replayed %zu inputs\n", count);
	return rc != 0 || count == 0 ? 1 : 0;
}
