/*
 * png_dir.c - a folder of class folders of PNG images -> struct opr_dataset.
 *
 * Layout (as torchvision's ImageFolder): DIR/CLASS/IMAGE.png, classes and
 * images sorted by name (strcmp), the class index being the position of its
 * folder.  When DIR/train/ or DIR/test/ exists, a split reads its own
 * sub-folder; otherwise both splits read DIR.  Names starting with '.' and
 * files not ending in ".png" (any case) are skipped.
 *
 * Two passes: the headers of all images decide the channels (1 when all
 * are gray, else 3), the depth (16 when any image has 16 bits, else 8) and,
 * unless the caller gave one, the size (the first image's); then every
 * image is decoded and stored, resized bilinearly when its size differs.
 * The rules are documented in include/onnx_prune.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"

/* A growable list of names or paths. */
struct str_list {
	char **s;	/* malloc'd strings */
	int *label;	/* class of each entry (image lists only) */
	int n, cap;	/* used, allocated */
};

static void list_free(struct str_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	free(l->label);
	memset(l, 0, sizeof(*l));
}

/* Appends s (taking it) with a label; OPR_ENOMEM frees s. */
static int list_add(struct str_list *l, char *s, int label, struct opr_err *err)
{
	char **ns;
	int *nl, cap;

	if (s && l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		ns = cap < INT_MAX / 2 ? realloc(l->s, (size_t)cap * sizeof(*ns)) : NULL;
		if (ns)
			l->s = ns;
		nl = ns ? realloc(l->label, (size_t)cap * sizeof(*nl)) : NULL;
		if (nl) {
			l->label = nl;
			l->cap = cap;
		}
	}
	if (!s || l->n == l->cap) {
		free(s);
		return opr_errf(err, OPR_ENOMEM, "png: out of memory");
	}
	l->label[l->n] = label;
	l->s[l->n++] = s;
	return OPR_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when name ends in ".png", any case. */
static int is_png_name(const char *name)
{
	size_t n = strlen(name);
	const char *ext = ".png";
	size_t i;

	if (n <= 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (tolower((unsigned char)name[n - 4 + i]) != ext[i])
			return 0;
	return 1;
}

/*
 * Lists the entries of dir that are folders (want_dirs) or PNG files,
 * sorted by name, as names (not paths).
 */
static int list_dir(const char *dir, int want_dirs, struct str_list *out,
		    struct opr_err *err)
{
	struct dirent *e;
	char *path;
	int ok, rc = OPR_OK;
	DIR *d = opendir(dir);

	if (!d)
		return opr_errf(err, OPR_EIO, "png: %s: %s", dir, strerror(errno));
	while (rc == OPR_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (!want_dirs && !is_png_name(e->d_name)))
			continue;
		path = opr_path_join(dir, e->d_name);
		if (!path) {
			rc = opr_errf(err, OPR_ENOMEM, "png: out of memory");
			break;
		}
		ok = want_dirs ? opr_is_dir(path) : opr_is_file(path);
		free(path);
		if (ok)
			rc = list_add(out, strdup(e->d_name), 0, err);
	}
	closedir(d);
	if (rc == OPR_OK && out->n > 1)
		qsort(out->s, (size_t)out->n, sizeof(char *), cmp_str);
	return rc;
}

/* The folder a split reads: DIR/train or DIR/test when present, else DIR. */
static int split_dir(const char *path, int split, char **out,
		     struct opr_err *err)
{
	char *train, *test;
	int has;

	*out = NULL;
	if (!opr_is_dir(path))
		return opr_errf(err, OPR_EIO, "png: %s: not a folder", path);
	train = opr_path_join(path, "train");
	test = opr_path_join(path, "test");
	if (!train || !test) {
		free(train);
		free(test);
		return opr_errf(err, OPR_ENOMEM, "png: out of memory");
	}
	has = opr_is_dir(train) || opr_is_dir(test);
	if (!has) {
		free(train);
		free(test);
		*out = strdup(path);
		return *out ? OPR_OK : opr_errf(err, OPR_ENOMEM, "png: out of memory");
	}
	*out = split == OPR_SPLIT_TEST ? test : train;
	free(split == OPR_SPLIT_TEST ? train : test);
	if (!opr_is_dir(*out))
		return opr_errf(err, OPR_EIO, "png: %s: missing (%s has a %s "
				"sub-folder, so each split needs its own)", *out,
				path, split == OPR_SPLIT_TEST ? "train" : "test");
	return OPR_OK;
}

/* Lists the classes of dir into names and their images into imgs. */
static int scan(const char *dir, struct str_list *names, struct str_list *imgs,
		struct opr_err *err)
{
	struct str_list files = { 0 };
	char *cdir = NULL;
	int i, j, rc;

	rc = list_dir(dir, 1, names, err);
	if (rc == OPR_OK && names->n == 0)
		rc = opr_errf(err, OPR_EPARSE, "png: %s: no class sub-folders "
			      "(want DIR/CLASS/IMAGE.png)", dir);
	for (i = 0; rc == OPR_OK && i < names->n; i++) {
		cdir = opr_path_join(dir, names->s[i]);
		rc = cdir ? list_dir(cdir, 0, &files, err) :
			opr_errf(err, OPR_ENOMEM, "png: out of memory");
		for (j = 0; rc == OPR_OK && j < files.n; j++)
			rc = list_add(imgs, opr_path_join(cdir, files.s[j]), i, err);
		list_free(&files);
		free(cdir);
	}
	if (rc == OPR_OK && imgs->n == 0)
		rc = opr_errf(err, OPR_EPARSE, "png: %s: no PNG images in its %d "
			      "class sub-folder(s)", dir, names->n);
	return rc;
}

/* First pass: channels, depth and (when h is 0) size of the data set. */
static int probe_all(const struct str_list *imgs, int *c, int *depth,
		     int *h, int *w, struct opr_err *err)
{
	struct opr_png_img img;
	int i, rc;

	*c = 1;
	*depth = 8;
	for (i = 0; i < imgs->n; i++) {
		rc = opr_png_read(imgs->s[i], 0, &img, err);
		if (rc != OPR_OK)
			return rc;
		if (img.c > *c)
			*c = img.c;
		if (img.depth > *depth)
			*depth = img.depth;
		if (*h == 0) {
			*h = img.h;
			*w = img.w;
		}
	}
	return OPR_OK;
}

/* Sample ch (0..img->c-1) of pixel j of img, in the data set's depth. */
static float img_sample(const struct opr_png_img *img, size_t j, int ch,
			int depth)
{
	const unsigned char *p;

	if (img->depth == 16) {
		p = img->data + 2 * (j * (size_t)img->c + (size_t)ch);
		return (float)(p[0] << 8 | p[1]);
	}
	p = img->data + j * (size_t)img->c + (size_t)ch;
	return depth == 16 ? (float)p[0] * 257.0f : (float)p[0];
}

/* Stores one plane of values (already at ds's size) for image k. */
static void put_plane(struct opr_dataset *ds, int k, int ch, const float *v)
{
	size_t plane = (size_t)ds->h * (size_t)ds->w, j;
	size_t at = ((size_t)k * (size_t)ds->c + (size_t)ch) * plane;
	float max = ds->depth == 16 ? 65535.0f : 255.0f, x;

	for (j = 0; j < plane; j++) {
		x = floorf(v[j] + 0.5f);
		x = x < 0.0f ? 0.0f : x > max ? max : x;
		if (ds->depth == 16)
			ds->pixels16[at + j] = (uint16_t)x;
		else
			ds->pixels[at + j] = (uint8_t)x;
	}
}

/* Converts img (gray or RGB, any size) into image k of ds. */
static int store(struct opr_dataset *ds, int k, const struct opr_png_img *img,
		 const char *path, struct opr_err *err)
{
	size_t n = (size_t)img->h * (size_t)img->w, j;
	int resize = img->h != ds->h || img->w != ds->w;
	float *src = malloc(n * sizeof(float)), *dst = NULL;
	int ch;

	if (resize)
		dst = malloc((size_t)ds->h * (size_t)ds->w * sizeof(float));
	if (!src || (resize && !dst)) {
		free(src);
		free(dst);
		return opr_errf(err, OPR_ENOMEM, "png: %s: out of memory", path);
	}
	for (ch = 0; ch < ds->c; ch++) {
		for (j = 0; j < n; j++)
			src[j] = img_sample(img, j, img->c == ds->c ? ch : 0,
					    ds->depth);
		if (resize)
			opr_resize_bilinear(src, img->h, img->w, dst, ds->h, ds->w);
		put_plane(ds, k, ch, resize ? dst : src);
	}
	free(src);
	free(dst);
	return OPR_OK;
}

/* Second pass: decodes every image into ds. */
static int load_all(struct opr_dataset *ds, const struct str_list *imgs,
		    struct opr_err *err)
{
	struct opr_png_img img;
	int i, rc = OPR_OK;

	for (i = 0; rc == OPR_OK && i < imgs->n; i++) {
		rc = opr_png_read(imgs->s[i], 1, &img, err);
		if (rc == OPR_OK && (img.c > ds->c || img.depth > ds->depth))
			rc = opr_errf(err, OPR_EPARSE, "png: %s: changed while "
				      "being read", imgs->s[i]);
		if (rc == OPR_OK)
			rc = store(ds, i, &img, imgs->s[i], err);
		free(img.data);
		ds->labels[i] = imgs->label[i];
	}
	return rc;
}

int opr_ds_load_png(struct opr_dataset *ds, const char *path, int split,
		    int h, int w, struct opr_err *err)
{
	struct str_list names = { 0 }, imgs = { 0 };
	char *dir;
	int c, depth, rc;

	rc = split_dir(path, split, &dir, err);
	if (rc == OPR_OK)
		rc = scan(dir, &names, &imgs, err);
	if (rc == OPR_OK)
		rc = probe_all(&imgs, &c, &depth, &h, &w, err);
	if (rc == OPR_OK)
		rc = opr_ds_alloc(ds, imgs.n, c, h, w, depth, dir, err);
	if (rc == OPR_OK)
		rc = load_all(ds, &imgs, err);
	if (rc == OPR_OK)
		rc = opr_ds_set_names(ds, names.n, (const char *const *)names.s,
				      err);
	list_free(&names);
	list_free(&imgs);
	free(dir);
	return rc;
}
