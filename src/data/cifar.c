/*
 * cifar.c - CIFAR-10 and CIFAR-100 in their binary layout.
 *
 * A CIFAR-10 record is 1 label byte (0-9) and 3072 pixel bytes: the R, G
 * and B planes of a 32x32 image, row-major.  A CIFAR-100 record has a coarse
 * (0-19) and a fine (0-99) label byte before the pixels; the fine label is
 * kept.  The number of records is the file size divided by the record size;
 * a size that does not divide is refused, since it means a truncated or
 * foreign file.  All files are sized first, then read into one array.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"

#define CIFAR_PIXELS 3072	/* 3 x 32 x 32 */
#define MAX_FILES 5

static const char *const cifar10_names[10] = {
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
};

static const char *const cifar100_names[100] = {
	"apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee",
	"beetle", "bicycle", "bottle", "bowl", "boy", "bridge", "bus",
	"butterfly", "camel", "can", "castle", "caterpillar", "cattle",
	"chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab",
	"crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish",
	"forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
	"lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man",
	"maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
	"oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
	"pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine",
	"possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea",
	"seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
	"spider", "squirrel", "streetcar", "sunflower", "sweet_pepper",
	"table", "tank", "telephone", "television", "tiger", "tractor",
	"train", "trout", "tulip", "turtle", "wardrobe", "whale",
	"willow_tree", "wolf", "woman", "worm",
};

/* What differs between the two layouts. */
struct cifar_fmt {
	const char *kind;		/* "cifar10" or "cifar100" */
	int label_bytes;		/* 1 or 2 label bytes before the pixels */
	int n_classes;			/* 10 or 100 (fine) */
	const char *const *names;	/* default class names */
	const char *names_file;		/* class name file beside the data */
	const char *train[MAX_FILES];	/* training files in a directory */
	const char *test;		/* test file in a directory */
};

static const struct cifar_fmt fmts[2] = {
	{ "cifar10", 1, 10, cifar10_names, "batches.meta.txt",
	  { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
	    "data_batch_4.bin", "data_batch_5.bin" }, "test_batch.bin" },
	{ "cifar100", 2, 100, cifar100_names, "fine_label_names.txt",
	  { "train.bin" }, "test.bin" },
};

/* The files of one split and their record counts. */
struct cifar_files {
	char *path[MAX_FILES];	/* malloc'd paths */
	int count[MAX_FILES];	/* records in each */
	int n;			/* files used */
};

static void files_free(struct cifar_files *fl)
{
	int i;

	for (i = 0; i < fl->n; i++)
		free(fl->path[i]);
}

/* Adds path (taking it) and counts its records. */
static int add_file(struct cifar_files *fl, const struct cifar_fmt *f,
		    char *path, struct opr_err *err)
{
	int rec = f->label_bytes + CIFAR_PIXELS;
	struct stat st;

	if (!path)
		return opr_errf(err, OPR_ENOMEM, "%s: out of memory", f->kind);
	fl->path[fl->n++] = path;
	if (stat(path, &st) != 0)
		return opr_errf(err, OPR_EIO, "%s: %s: %s", f->kind, path,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return opr_errf(err, OPR_EIO, "%s: %s: not a regular file",
				f->kind, path);
	if (st.st_size == 0)
		return opr_errf(err, OPR_EPARSE, "%s: %s: empty file", f->kind, path);
	if (st.st_size % rec != 0)
		return opr_errf(err, OPR_EPARSE,
				"%s: %s: size %lld is not a whole number of %d-byte "
				"records (%d label byte(s) + %d pixels): truncated?",
				f->kind, path, (long long)st.st_size, rec,
				f->label_bytes, CIFAR_PIXELS);
	if (st.st_size / rec > INT_MAX / MAX_FILES)
		return opr_errf(err, OPR_EPARSE, "%s: %s: too many records",
				f->kind, path);
	fl->count[fl->n - 1] = (int)(st.st_size / rec);
	return OPR_OK;
}

/* Lists the files of split under path (a directory or one file). */
static int list_files(struct cifar_files *fl, const struct cifar_fmt *f,
		      const char *path, int split, struct opr_err *err)
{
	int i, rc;

	if (!opr_is_dir(path))
		return add_file(fl, f, strdup(path), err);
	if (split == OPR_SPLIT_TEST)
		return add_file(fl, f, opr_path_join(path, f->test), err);
	for (i = 0; i < MAX_FILES && f->train[i]; i++) {
		rc = add_file(fl, f, opr_path_join(path, f->train[i]), err);
		if (rc != OPR_OK)
			return rc;
	}
	return OPR_OK;
}

/* Reads the records of one file into ds from image index first on. */
static int read_file(struct opr_dataset *ds, const struct cifar_fmt *f,
		     const char *path, int first, int count, struct opr_err *err)
{
	unsigned char rec[2 + CIFAR_PIXELS];
	size_t len = (size_t)f->label_bytes + CIFAR_PIXELS;
	FILE *fp = fopen(path, "rb");
	int i, lab, rc = OPR_OK;

	if (!fp)
		return opr_errf(err, OPR_EIO, "%s: %s: %s", f->kind, path,
				strerror(errno));
	for (i = 0; i < count; i++) {
		if (fread(rec, 1, len, fp) != len) {
			rc = opr_errf(err, ferror(fp) ? OPR_EIO : OPR_EPARSE,
				      "%s: %s: %s in record %d", f->kind, path,
				      ferror(fp) ? "read error" : "truncated", i);
			break;
		}
		if (f->label_bytes == 2 && rec[0] >= 20) {
			rc = opr_errf(err, OPR_EPARSE,
				      "%s: %s: record %d has coarse label %d, want 0..19",
				      f->kind, path, i, rec[0]);
			break;
		}
		lab = rec[f->label_bytes - 1];
		if (lab >= f->n_classes) {
			rc = opr_errf(err, OPR_EPARSE,
				      "%s: %s: record %d has label %d, want 0..%d",
				      f->kind, path, i, lab, f->n_classes - 1);
			break;
		}
		ds->labels[first + i] = lab;
		memcpy(ds->pixels + (size_t)(first + i) * CIFAR_PIXELS,
		       rec + f->label_bytes, CIFAR_PIXELS);
	}
	fclose(fp);
	return rc;
}

/* Class names from the names file beside the data, else the defaults. */
static int load_names(struct opr_dataset *ds, const struct cifar_fmt *f,
		      const char *path, struct opr_err *err)
{
	char *dir = strdup(path), *slash, *file;
	int rc;

	if (!dir)
		return opr_errf(err, OPR_ENOMEM, "%s: out of memory", f->kind);
	if (!opr_is_dir(path)) {
		slash = strrchr(dir, '/');
		if (slash)
			slash[1] = '\0';
		else
			strcpy(dir, ".");
	}
	file = opr_path_join(dir, f->names_file);
	free(dir);
	if (!file)
		return opr_errf(err, OPR_ENOMEM, "%s: out of memory", f->kind);
	rc = opr_ds_read_names(ds, file, f->n_classes, err);
	free(file);
	if (rc < 0)
		return err ? err->code : OPR_ENOMEM;
	if (rc == 1)
		return OPR_OK;
	return opr_ds_set_names(ds, f->n_classes, f->names, err);
}

int opr_ds_load_cifar(struct opr_dataset *ds, int kind, const char *path,
		      int split, struct opr_err *err)
{
	const struct cifar_fmt *f = &fmts[kind == OPR_DS_CIFAR100];
	struct cifar_files fl = { .n = 0 };
	int i, total = 0, rc;

	rc = list_files(&fl, f, path, split, err);
	if (rc != OPR_OK)
		goto out;
	for (i = 0; i < fl.n; i++)
		total += fl.count[i];
	rc = opr_ds_alloc(ds, total, 3, 32, 32, 8, fl.path[0], err);
	for (i = 0, total = 0; rc == OPR_OK && i < fl.n; i++) {
		rc = read_file(ds, f, fl.path[i], total, fl.count[i], err);
		total += fl.count[i];
	}
	if (rc == OPR_OK)
		rc = load_names(ds, f, path, err);
out:
	files_free(&fl);
	return rc;
}
