/*
 * batch.h - training batches from a data set (src/data/): a held-out
 * validation split, and an iterator that visits a set of images once per
 * epoch in a seeded order, fills each batch with opr_dataset_fill()
 * (normalised NCHW floats at the model's input size), augments it
 * (augment.h) and hands out the labels.
 *
 * Determinism: the order of epoch e is the image list shuffled by the
 * stream opr_rng_key(seed, OPR_RNG_SHUFFLE, e, 0), and the augmentation of
 * the image at position k of that order draws from (seed, e, k): the same
 * seed gives the same batches, and an image's crop and flip do not depend
 * on the batch size.
 */
#ifndef OPR_TRAIN_BATCH_H
#define OPR_TRAIN_BATCH_H

#include <stdint.h>

#include "onnx_prune.h"
#include "train/augment.h"

/* Where a validation split is taken from. */
enum opr_val_pick {
	OPR_VAL_RANDOM = 0,	/* a seeded random subset (the default) */
	OPR_VAL_LAST		/* the last images of the set, in its order */
};

/*
 * Splits images 0..n-1 into a training and a validation list for
 * --val-split frac: the validation list gets round(frac * n) images, at
 * least 1 when frac > 0, and at most n - 1; pick says which (random:
 * drawn with the stream opr_rng_key(seed, OPR_RNG_SPLIT, 0, 0); last: the
 * last ones, which for sets sorted by class, such as PNG folders, is one
 * class: use random there).  Both lists are ascending.  frac must be in
 * [0, 1); with 0 every image trains and *val is NULL.  *train and *val are
 * malloc'd (free() them); OPR_EUSAGE for a bad frac or n < 2 when a split
 * is asked for, OPR_ENOMEM.
 */
int opr_val_split(int n, double frac, int pick, uint64_t seed, int **train,
		  int *n_train, int **val, int *n_val, struct opr_err *err);

/* Options of a batcher. */
struct opr_batcher_opts {
	int batch;		/* images per batch, >= 1 */
	int drop_last;		/* 1: skip an epoch's last, partial batch */
	int shuffle;		/* 1: a new seeded order every epoch */
	uint64_t seed;		/* seed of the order and the augmentation */
	struct opr_augment aug;	/* augmentation; zeroed: none (evaluation) */
	int c, h, w;		/* the model's input channels and size */
	const float *mean;	/* c means (NULL: 0), copied */
	const float *std;	/* c standard deviations (NULL: 1), copied */
};

struct opr_dataset;
struct opr_batcher;

/*
 * Creates a batcher over the images idx[0..n-1] of ds (idx NULL: all of
 * ds, n ignored; idx is copied), positioned before epoch 0.  ds must
 * outlive it.  Fails with OPR_EUSAGE for bad options, an index out of
 * range or no image, or OPR_ENOMEM; *out is NULL then.
 */
int opr_batcher_new(const struct opr_dataset *ds, const int *idx, int n,
		    const struct opr_batcher_opts *o, struct opr_batcher **out,
		    struct opr_err *err);

/* Frees b.  NULL is a no-op. */
void opr_batcher_free(struct opr_batcher *b);

/* Images of an epoch (those of the list, less a dropped last batch). */
int opr_batcher_images(const struct opr_batcher *b);

/* Batches in an epoch. */
int opr_batcher_batches(const struct opr_batcher *b);

/* Starts epoch (>= 0): computes its order and rewinds to its start. */
void opr_batcher_epoch(struct opr_batcher *b, long epoch);

/*
 * Writes the next batch of the epoch: *n images into x (room for
 * o->batch * c * h * w floats, NCHW), their labels into labels (room for
 * o->batch ints) and, when idx is non-NULL, their indices in ds into idx.
 * *n is 0 at the end of the epoch.  Errors of opr_dataset_fill() are
 * passed on.
 */
int opr_batcher_next(struct opr_batcher *b, float *x, int *labels, int *idx,
		     int *n, struct opr_err *err);

#endif
