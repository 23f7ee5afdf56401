/*
 * dataset.c - data set specs, the struct opr_dataset life cycle and the
 * helpers the loaders share (allocation, class names, paths), plus the
 * --mean / --std parser.
 *
 * opr_dataset_open() splits "KIND:PATH", hands a zeroed data set to the
 * loader of that kind (cifar.c, idx.c, png_dir.c) and frees whatever the
 * loader built when it fails, so loaders never clean up after themselves.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"

/* Spec prefixes, in the order of enum opr_ds_kind. */
static const char *const kind_names[] = {
	[OPR_DS_CIFAR10] = "cifar10",
	[OPR_DS_CIFAR100] = "cifar100",
	[OPR_DS_IDX] = "idx",
	[OPR_DS_MNIST] = "mnist",
	[OPR_DS_FASHION] = "fashion-mnist",
	[OPR_DS_PNG] = "png",
};

#define N_KINDS ((int)(sizeof(kind_names) / sizeof(kind_names[0])))

/* Kind of the spec prefix s[0..len-1], or -1. */
static int find_kind(const char *s, size_t len)
{
	int k;

	for (k = 0; k < N_KINDS; k++)
		if (strlen(kind_names[k]) == len && strncmp(s, kind_names[k], len) == 0)
			return k;
	return -1;
}

static int load(struct opr_dataset *ds, int kind, const char *path, int split,
		int h, int w, struct opr_err *err)
{
	switch (kind) {
	case OPR_DS_CIFAR10:
	case OPR_DS_CIFAR100:
		return opr_ds_load_cifar(ds, kind, path, split, err);
	case OPR_DS_IDX:
	case OPR_DS_MNIST:
	case OPR_DS_FASHION:
		return opr_ds_load_idx(ds, kind, path, split, err);
	default:
		return opr_ds_load_png(ds, path, split, h, w, err);
	}
}

int opr_dataset_open_sized(const char *spec, int split, int h, int w,
			   struct opr_dataset **out, struct opr_err *err)
{
	struct opr_dataset *ds;
	const char *colon;
	int kind, rc;

	if (out)
		*out = NULL;
	if (!spec || !out)
		return opr_errf(err, OPR_EUSAGE, "data set: no spec given");
	colon = strchr(spec, ':');
	kind = colon ? find_kind(spec, (size_t)(colon - spec)) : -1;
	if (kind < 0)
		return opr_errf(err, OPR_EUSAGE,
				"data set '%s': want KIND:PATH with KIND one of "
				"cifar10, cifar100, idx, mnist, fashion-mnist, png",
				spec);
	if (!colon[1])
		return opr_errf(err, OPR_EUSAGE, "data set '%s': empty path", spec);
	if (split != OPR_SPLIT_TRAIN && split != OPR_SPLIT_TEST)
		return opr_errf(err, OPR_EUSAGE, "data set '%s': bad split %d",
				spec, split);
	if (h < 0 || w < 0 || (h == 0) != (w == 0) || h > OPR_DATASET_MAX_DIM ||
	    w > OPR_DATASET_MAX_DIM)
		return opr_errf(err, OPR_EUSAGE,
				"data set '%s': bad image size %dx%d", spec, h, w);
	ds = calloc(1, sizeof(*ds));
	if (!ds || !(ds->source = strdup(spec))) {
		free(ds);
		return opr_errf(err, OPR_ENOMEM, "data set '%s': out of memory", spec);
	}
	rc = load(ds, kind, colon + 1, split, h, w, err);
	if (rc != OPR_OK) {
		opr_dataset_free(ds);
		return rc;
	}
	*out = ds;
	return OPR_OK;
}

int opr_dataset_open(const char *spec, int split, struct opr_dataset **out,
		     struct opr_err *err)
{
	return opr_dataset_open_sized(spec, split, 0, 0, out, err);
}

void opr_dataset_free(struct opr_dataset *ds)
{
	int i;

	if (!ds)
		return;
	if (ds->class_names)
		for (i = 0; i < ds->n_classes; i++)
			free(ds->class_names[i]);
	free(ds->class_names);
	free(ds->pixels);
	free(ds->pixels16);
	free(ds->labels);
	free(ds->source);
	free(ds);
}

int opr_ds_alloc(struct opr_dataset *ds, int n, int c, int h, int w,
		 int depth, const char *what, struct opr_err *err)
{
	size_t per, total, bytes = depth == 16 ? 2 : 1;

	if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
		return opr_errf(err, OPR_EINTERNAL, "%s: bad data set shape", what);
	per = (size_t)c * (size_t)h * (size_t)w;	/* each <= 16384 or small */
	if ((size_t)n > OPR_DATASET_MAX_BYTES / bytes / per)
		return opr_errf(err, OPR_EPARSE,
				"%s: %d images of %dx%dx%d are more than %zu GiB",
				what, n, c, h, w, OPR_DATASET_MAX_BYTES >> 30);
	total = (size_t)n * per;
	ds->n = n;
	ds->c = c;
	ds->h = h;
	ds->w = w;
	ds->depth = depth;
	if (depth == 16)
		ds->pixels16 = calloc(total, sizeof(uint16_t));
	else
		ds->pixels = calloc(total, 1);
	ds->labels = calloc((size_t)n, sizeof(int));
	if ((!ds->pixels && !ds->pixels16) || !ds->labels)
		return opr_errf(err, OPR_ENOMEM,
				"%s: out of memory for %d images of %dx%dx%d",
				what, n, c, h, w);
	return OPR_OK;
}

int opr_ds_set_names(struct opr_dataset *ds, int n, const char *const *names,
		     struct opr_err *err)
{
	char buf[16];
	int i;

	ds->class_names = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
	if (!ds->class_names)
		return opr_errf(err, OPR_ENOMEM, "%s: out of memory", ds->source);
	ds->n_classes = n;
	for (i = 0; i < n; i++) {
		if (!names)
			snprintf(buf, sizeof(buf), "%d", i);
		ds->class_names[i] = strdup(names ? names[i] : buf);
		if (!ds->class_names[i])
			return opr_errf(err, OPR_ENOMEM, "%s: out of memory",
					ds->source);
	}
	return OPR_OK;
}

/* Cuts trailing white space (the newline included) off s. */
static void rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

int opr_ds_read_names(struct opr_dataset *ds, const char *path, int n,
		      struct opr_err *err)
{
	char line[256], **names;
	int count = 0, rc = 0, i;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	names = calloc((size_t)n, sizeof(char *));
	if (!names) {
		fclose(f);
		opr_errf(err, OPR_ENOMEM, "%s: out of memory", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		rstrip(line);
		if (!line[0])
			continue;
		if (count == n) {
			count++;	/* too many names: not ours */
			break;
		}
		if (!(names[count++] = strdup(line))) {
			opr_errf(err, OPR_ENOMEM, "%s: out of memory", path);
			rc = -1;
			goto out;
		}
	}
	if (count == n && !ferror(f)) {
		rc = opr_ds_set_names(ds, n, (const char *const *)names, err) == OPR_OK
			? 1 : -1;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	fclose(f);
	return rc;
}

char *opr_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (a > 0 && dir[a - 1] != '/')
		p[a++] = '/';
	memcpy(p + a, name, b + 1);
	return p;
}

int opr_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int opr_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int opr_parse_floats(const char *s, float *out, int max, int *n,
		     struct opr_err *err)
{
	const char *p = s, *item;
	char *end;
	int count = 0, i;
	float v;

	if (n)
		*n = 0;
	if (!s || !out || max < 1)
		return opr_errf(err, OPR_EUSAGE, "no list of numbers given");
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == ',')
			return opr_errf(err, OPR_EUSAGE,
					"'%s': empty item in a list of numbers", s);
		item = p;
		errno = 0;
		v = strtof(p, &end);
		if (end == p || !isfinite(v) || errno == ERANGE)
			return opr_errf(err, OPR_EUSAGE,
					"'%s': '%.*s' is not a finite number", s,
					(int)strcspn(p, ","), p);
		if (count == max)
			return opr_errf(err, OPR_EUSAGE,
					"'%s': more than %d values", s, max);
		out[count++] = v;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p != ',')
			return opr_errf(err, OPR_EUSAGE,
					"'%s': '%.*s' is not a finite number", s,
					(int)strcspn(item, ","), item);
		p++;
	}
	if (count == 1)
		for (i = 1; i < max; i++)
			out[i] = out[0];
	if (n)
		*n = count;
	return OPR_OK;
}
