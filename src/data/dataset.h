/*
 * dataset.h - the data set loaders' shared interface (src/data/).
 *
 * The public API (struct opr_dataset, opr_dataset_open(), opr_dataset_fill(),
 * opr_parse_floats()) is declared in include/onnx_prune.h.  This header holds
 * what the loaders share: one entry point per kind, allocation of the pixel
 * and label arrays with checked sizes, class names, path helpers and the
 * bilinear resize used both when PNG images are loaded and by
 * opr_dataset_fill().
 *
 * Every loader gets a zeroed struct opr_dataset (source already set) and
 * fills it; on failure it returns the status with err set and leaves what it
 * allocated in ds, which the caller frees with opr_dataset_free().
 */
#ifndef OPR_DATASET_H
#define OPR_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

/* Upper bound on the bytes of pixels one data set may hold (64 GiB). */
#define OPR_DATASET_MAX_BYTES ((size_t)64 << 30)

/* Upper bound on the height and width of one image. */
#define OPR_DATASET_MAX_DIM 16384

/* Data set kinds of a spec (the text before the colon). */
enum opr_ds_kind {
	OPR_DS_CIFAR10,		/* "cifar10" */
	OPR_DS_CIFAR100,	/* "cifar100" */
	OPR_DS_IDX,		/* "idx": classes "0".."max label" */
	OPR_DS_MNIST,		/* "mnist": 10 digit classes */
	OPR_DS_FASHION,		/* "fashion-mnist": 10 named classes */
	OPR_DS_PNG		/* "png": folder of class folders */
};

/* cifar.c: CIFAR-10 or CIFAR-100 (kind) binary files at path. */
int opr_ds_load_cifar(struct opr_dataset *ds, int kind, const char *path,
		      int split, struct opr_err *err);

/* idx.c: IDX image and label files in the folder path. */
int opr_ds_load_idx(struct opr_dataset *ds, int kind, const char *path,
		    int split, struct opr_err *err);

/* png_dir.c: a folder of class folders of PNGs; h, w > 0 forces a size. */
int opr_ds_load_png(struct opr_dataset *ds, const char *path, int split,
		    int h, int w, struct opr_err *err);

/* One decoded PNG image (png_read.c). */
struct opr_png_img {
	int h, w;		/* size in pixels */
	int c;			/* 1 (gray) or 3 (RGB): palette expanded,
				   alpha dropped */
	int depth;		/* 8 or 16 bits per sample */
	unsigned char *data;	/* h rows of w * c samples, interleaved; 16-bit
				   samples big-endian; malloc'd, NULL after
				   a probe */
};

/*
 * Reads the PNG file path into img: only the header when pixels is 0, the
 * samples too when it is 1 (free img->data with free()).  Returns OPR_OK,
 * OPR_EIO when the file cannot be opened, OPR_EPARSE when it is not a
 * readable PNG, or OPR_ENOMEM; messages name path.
 */
int opr_png_read(const char *path, int pixels, struct opr_png_img *img,
		 struct opr_err *err);

/*
 * Sets ds->n, c, h, w, depth and allocates the pixel array (pixels or
 * pixels16, zeroed) and labels for n images.  Sizes are checked against
 * overflow and OPR_DATASET_MAX_BYTES; what names the source in messages.
 * Returns OPR_OK, OPR_EPARSE (too large) or OPR_ENOMEM.
 */
int opr_ds_alloc(struct opr_dataset *ds, int n, int c, int h, int w,
		 int depth, const char *what, struct opr_err *err);

/*
 * Sets ds->n_classes to n and ds->class_names to copies of names[0..n-1],
 * or to "0".."n-1" when names is NULL.  OPR_OK or OPR_ENOMEM.
 */
int opr_ds_set_names(struct opr_dataset *ds, int n, const char *const *names,
		     struct opr_err *err);

/*
 * Reads class names, one per line (blank lines skipped, trailing blanks
 * cut), from the text file path into ds when it holds exactly n names.
 * Returns 1 when it did, 0 when the file is missing or does not fit (the
 * caller then uses its defaults), or -1 with err set when out of memory.
 */
int opr_ds_read_names(struct opr_dataset *ds, const char *path, int n,
		      struct opr_err *err);

/* malloc'd "dir/name", or NULL when out of memory. */
char *opr_path_join(const char *dir, const char *name);

/* 1 when path is a directory, 0 otherwise (missing included). */
int opr_is_dir(const char *path);

/* 1 when path is a regular file, 0 otherwise. */
int opr_is_file(const char *path);

/*
 * Bilinear resize of one float plane sh x sw -> dh x dw with half-pixel
 * centres and clamped edges (see opr_dataset_fill()).  src and dst must not
 * overlap.  All sizes > 0.
 */
void opr_resize_bilinear(const float *src, int sh, int sw, float *dst,
			 int dh, int dw);

#endif
