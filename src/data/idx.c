/*
 * idx.c - MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST, ...).
 *
 * A folder holds train-images-idx3-ubyte and train-labels-idx1-ubyte (and
 * t10k-* for the test split), each possibly gzipped (".gz"); zlib reads both
 * forms.  Headers are big-endian 32-bit words: magic 0x00000803 (unsigned
 * bytes, 3 dims), count, rows, cols for images; magic 0x00000801, count for
 * labels.  The labels are read first, then the images into a buffer that
 * grows with the bytes actually read, so that a header claiming more than
 * the file holds costs no more memory than the file and ends in an error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/dataset.h"

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define CHUNK ((size_t)1 << 20)

static const char *const fashion_names[10] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* An open IDX file. */
struct idx_file {
	char *path;	/* path opened, for messages (malloc'd) */
	gzFile gz;	/* zlib handle, plain or gzip */
};

static void idx_close(struct idx_file *f)
{
	if (f->gz)
		gzclose(f->gz);
	free(f->path);
	f->gz = NULL;
	f->path = NULL;
}

/* Opens DIR/NAME or else DIR/NAME.gz. */
static int idx_open(struct idx_file *f, const char *dir, const char *name,
		    struct opr_err *err)
{
	char gzname[64];

	snprintf(gzname, sizeof(gzname), "%s.gz", name);
	f->path = opr_path_join(dir, name);
	if (f->path && !opr_is_file(f->path)) {
		free(f->path);
		f->path = opr_path_join(dir, gzname);
	}
	if (!f->path)
		return opr_errf(err, OPR_ENOMEM, "idx: out of memory");
	if (!opr_is_file(f->path))
		return opr_errf(err, OPR_EIO, "idx: %s/%s[.gz]: no such file%s",
				dir, name, opr_is_dir(dir) ? "" :
				" (the path must be a folder of IDX files)");
	errno = 0;
	f->gz = gzopen(f->path, "rb");
	if (!f->gz)
		return opr_errf(err, errno ? OPR_EIO : OPR_ENOMEM, "idx: %s: %s",
				f->path, errno ? strerror(errno) : "out of memory");
	gzbuffer(f->gz, 1 << 17);
	return OPR_OK;
}

/* Reads up to len bytes; returns the count, or -1 with err set on error. */
static long long idx_read(struct idx_file *f, void *buf, size_t len,
			  struct opr_err *err)
{
	size_t got = 0;
	int r, errnum;
	const char *msg;

	while (got < len) {
		size_t part = len - got > CHUNK ? CHUNK : len - got;

		r = gzread(f->gz, (char *)buf + got, (unsigned)part);
		if (r < 0) {
			msg = gzerror(f->gz, &errnum);
			opr_errf(err, OPR_EPARSE, "idx: %s: %s", f->path,
				 errnum == Z_ERRNO ? strerror(errno) : msg);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long long)got;
}

/* Big-endian 32-bit word at p. */
static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Reads and checks the header of words 32-bit words with magic. */
static int read_header(struct idx_file *f, uint32_t magic, int words,
		       uint32_t *hdr, struct opr_err *err)
{
	unsigned char b[16];
	size_t len = (size_t)words * 4;
	long long got = idx_read(f, b, len, err);
	int i;

	if (got < 0)
		return err ? err->code : OPR_EPARSE;
	if ((size_t)got < len)
		return opr_errf(err, OPR_EPARSE,
				"idx: %s: truncated header (%lld of %zu bytes)",
				f->path, got, len);
	for (i = 0; i < words; i++)
		hdr[i] = be32(b + 4 * i);
	if (hdr[0] != magic)
		return opr_errf(err, OPR_EPARSE,
				"idx: %s: magic 0x%08x, want 0x%08x (unsigned-byte "
				"%s)", f->path, (unsigned)hdr[0], (unsigned)magic,
				magic == IDX_IMAGES_MAGIC ? "images, 3 dims" :
				"labels, 1 dim");
	if (hdr[1] == 0 || hdr[1] > INT_MAX)
		return opr_errf(err, OPR_EPARSE, "idx: %s: bad count %u",
				f->path, (unsigned)hdr[1]);
	return OPR_OK;
}

/*
 * Reads exactly len data bytes into a buffer that grows as data arrives,
 * then checks that nothing follows.  *out owns the buffer on success.
 */
static int read_body(struct idx_file *f, size_t len, unsigned char **out,
		     struct opr_err *err)
{
	unsigned char *buf = NULL, *nb, extra;
	size_t cap = 0, got = 0, want;
	long long r;

	*out = NULL;
	while (got < len) {
		if (got == cap) {
			cap = cap ? cap * 2 : CHUNK;
			if (cap > len)
				cap = len;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return opr_errf(err, OPR_ENOMEM, "idx: %s: out of memory",
						f->path);
			}
			buf = nb;
		}
		want = cap - got;
		r = idx_read(f, buf + got, want, err);
		if (r < 0 || (size_t)r < want) {
			free(buf);
			if (r < 0)
				return err ? err->code : OPR_EPARSE;
			return opr_errf(err, OPR_EPARSE,
					"idx: %s: truncated: %zu data bytes, the header "
					"says %zu", f->path, got + (size_t)r, len);
		}
		got += want;
	}
	r = idx_read(f, &extra, 1, err);
	if (r != 0) {
		free(buf);
		return r < 0 ? (err ? err->code : OPR_EPARSE) :
			opr_errf(err, OPR_EPARSE,
				 "idx: %s: longer than its header says (%zu data "
				 "bytes)", f->path, len);
	}
	*out = buf;
	return OPR_OK;
}

/* Reads the label file of prefix into ds->labels; sets ds->n. */
static int read_labels(struct opr_dataset *ds, int kind, const char *dir,
		       const char *prefix, int *max_label, struct opr_err *err)
{
	struct idx_file f = { NULL, NULL };
	unsigned char *lab = NULL;
	char name[64];
	uint32_t hdr[2] = { 0, 0 };
	int i, rc;

	snprintf(name, sizeof(name), "%s-labels-idx1-ubyte", prefix);
	rc = idx_open(&f, dir, name, err);
	if (rc == OPR_OK)
		rc = read_header(&f, IDX_LABELS_MAGIC, 2, hdr, err);
	if (rc == OPR_OK)
		rc = read_body(&f, hdr[1], &lab, err);
	if (rc == OPR_OK && !(ds->labels = malloc((size_t)hdr[1] * sizeof(int))))
		rc = opr_errf(err, OPR_ENOMEM, "idx: %s: out of memory", f.path);
	for (i = 0, *max_label = 0; rc == OPR_OK && i < (int)hdr[1]; i++) {
		if (kind != OPR_DS_IDX && lab[i] > 9) {
			rc = opr_errf(err, OPR_EPARSE,
				      "idx: %s: label %d of image %d, want 0..9",
				      f.path, lab[i], i);
			break;
		}
		ds->labels[i] = lab[i];
		if (lab[i] > *max_label)
			*max_label = lab[i];
	}
	if (rc == OPR_OK)
		ds->n = (int)hdr[1];
	free(lab);
	idx_close(&f);
	return rc;
}

/* Reads the image file of prefix into ds->pixels; ds->n is set. */
static int read_images(struct opr_dataset *ds, const char *dir,
		       const char *prefix, struct opr_err *err)
{
	struct idx_file f = { NULL, NULL };
	char name[64];
	uint32_t hdr[4] = { 0, 0, 0, 0 };
	size_t len;
	int rc;

	snprintf(name, sizeof(name), "%s-images-idx3-ubyte", prefix);
	rc = idx_open(&f, dir, name, err);
	if (rc == OPR_OK)
		rc = read_header(&f, IDX_IMAGES_MAGIC, 4, hdr, err);
	if (rc != OPR_OK)
		goto out;
	if (hdr[1] != (uint32_t)ds->n) {
		rc = opr_errf(err, OPR_EPARSE,
			      "idx: %s: %u images but %d labels in the label file",
			      f.path, (unsigned)hdr[1], ds->n);
		goto out;
	}
	if (hdr[2] == 0 || hdr[3] == 0 || hdr[2] > OPR_DATASET_MAX_DIM ||
	    hdr[3] > OPR_DATASET_MAX_DIM) {
		rc = opr_errf(err, OPR_EPARSE, "idx: %s: bad image size %ux%u",
			      f.path, (unsigned)hdr[2], (unsigned)hdr[3]);
		goto out;
	}
	len = (size_t)hdr[2] * hdr[3];
	if ((size_t)ds->n > OPR_DATASET_MAX_BYTES / len) {
		rc = opr_errf(err, OPR_EPARSE, "idx: %s: %d images of %ux%u are "
			      "too many", f.path, ds->n, (unsigned)hdr[2],
			      (unsigned)hdr[3]);
		goto out;
	}
	rc = read_body(&f, len * (size_t)ds->n, &ds->pixels, err);
	ds->c = 1;
	ds->h = (int)hdr[2];
	ds->w = (int)hdr[3];
	ds->depth = 8;
out:
	idx_close(&f);
	return rc;
}

int opr_ds_load_idx(struct opr_dataset *ds, int kind, const char *path,
		    int split, struct opr_err *err)
{
	const char *prefix = split == OPR_SPLIT_TEST ? "t10k" : "train";
	int max_label, rc;

	rc = read_labels(ds, kind, path, prefix, &max_label, err);
	if (rc == OPR_OK)
		rc = read_images(ds, path, prefix, err);
	if (rc != OPR_OK)
		return rc;
	if (kind == OPR_DS_FASHION)
		return opr_ds_set_names(ds, 10, fashion_names, err);
	return opr_ds_set_names(ds, kind == OPR_DS_IDX ? max_label + 1 : 10,
				NULL, err);
}
