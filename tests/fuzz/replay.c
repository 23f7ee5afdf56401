/*
 * replay.c - runs the fuzz body (fuzz_import.c) over files, without
 * libFuzzer, so that CTest replays every crasher ever found
 * (tests/fuzz/regress/) and the seed models on each build (style.md §14).
 *
 *	fuzz_replay PATH...
 *
 * A PATH that is a directory stands for every regular file in it (not
 * recursive, sorted by name so runs are repeatable).  The body abort()s on
 * a contract violation; the file being run is printed first, so the failing
 * input is named.  Exit status: 0 when every file ran, 1 on a usage or I/O
 * error (including a PATH that holds no file: an empty corpus is a mistake).
 * Build the test with OPR_SANITIZE=ON to catch memory errors as well.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the file at path into a malloc'd buffer; -1 on error (reported). */
static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *b = NULL, *nb;

	if (!f) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (!b || n == cap) {
			cap = b ? cap * 2 : cap;
			nb = realloc(b, cap);
			if (!nb)
				goto fail;
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
	fclose(f);
	free(b);
	return -1;
}

static int run_file(const char *path)
{
	uint8_t *buf;
	size_t len;

	if (read_all(path, &buf, &len))
		return -1;
	fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file in dir; returns the count or -1. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **nn, path[4096];
	struct stat st;
	int n = 0, cap = 0, i, ran = 0;

	if (!d) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;	/* ., .. and dot files such as .gitkeep */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, (size_t)cap * sizeof(*names));
			if (!nn)
				goto fail;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			goto fail;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n)
		qsort(names, (size_t)n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path))
			goto fail;
		ran++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ran;
fail:
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

int main(int argc, char **argv)
{
	struct stat st;
	int i, n, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_replay FILE-OR-DIR...\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
			(run_file(argv[i]) ? -1 : 1);
		if (n < 0)
			return 1;
		if (n == 0) {
			fprintf(stderr, "fuzz_replay: %s: no files\n", argv[i]);
			return 1;
		}
		total += n;
	}
	fprintf(stderr, "fuzz_replay: %d file(s) ran clean\n", total);
	return 0;
}
