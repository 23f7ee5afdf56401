/*
 * batch.c - the validation split and the training batch iterator of
 * batch.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/batch.h"
#include "train/rng.h"

/* The iterator. */
struct opr_batcher {
	const struct opr_dataset *ds;	/* images, not owned */
	struct opr_batcher_opts o;	/* options; mean, std point below */
	int *pool;			/* n image indices of ds, in list order */
	int *order;			/* this epoch's order of pool */
	int n;				/* images in the list */
	long epoch;			/* current epoch */
	int pos;			/* next position in order */
	float *norm;			/* mean[c], std[c], fill[c] */
	float *scratch;			/* h * w floats for the augmentation */
};

/* Compares two ints for qsort(). */
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int opr_val_split(int n, double frac, int pick, uint64_t seed, int **train,
		  int *n_train, int **val, int *n_val, struct opr_err *err)
{
	int *all, nv, i;
	uint64_t rng;

	*train = *val = NULL;
	*n_train = *n_val = 0;
	if (!(frac >= 0.0 && frac < 1.0) || n < 1 || (frac > 0.0 && n < 2) ||
	    (pick != OPR_VAL_RANDOM && pick != OPR_VAL_LAST))
		return opr_errf(err, OPR_EUSAGE,
				"validation split %g of %d images: want a fraction "
				"in [0, 1) of 2 images or more", frac, n);
	nv = (int)floor(frac * n + 0.5);
	if (frac > 0.0 && nv < 1)
		nv = 1;
	if (nv > n - 1)
		nv = n - 1;
	all = malloc((size_t)n * sizeof(int));
	if (!all || (nv && !(*val = malloc((size_t)nv * sizeof(int))))) {
		free(all);
		return opr_errf(err, OPR_ENOMEM, "validation split: out of memory");
	}
	for (i = 0; i < n; i++)
		all[i] = i;
	if (pick == OPR_VAL_RANDOM && nv) {
		rng = opr_rng_key(seed, OPR_RNG_SPLIT, 0, 0);
		opr_rng_shuffle(&rng, all, (size_t)n);
		/* The tail goes to validation; both parts back in order. */
		qsort(all, (size_t)(n - nv), sizeof(int), cmp_int);
		qsort(all + n - nv, (size_t)nv, sizeof(int), cmp_int);
	}
	if (nv)
		memcpy(*val, all + n - nv, (size_t)nv * sizeof(int));
	*train = all;		/* the first n - nv entries */
	*n_train = n - nv;
	*n_val = nv;
	return OPR_OK;
}

/* Checks the options of a batcher. */
static int check_opts(const struct opr_batcher_opts *o, struct opr_err *err)
{
	if (o->batch < 1)
		return opr_errf(err, OPR_EUSAGE, "batches of %d images, want >= 1",
				o->batch);
	if (o->c < 1 || o->h < 1 || o->w < 1)
		return opr_errf(err, OPR_EUSAGE, "bad input size %dx%dx%d", o->c,
				o->h, o->w);
	if (o->aug.pad < 0 || o->aug.pad > o->h || o->aug.pad > o->w)
		return opr_errf(err, OPR_EUSAGE,
				"crop padding %d, want 0..%d for %dx%d images",
				o->aug.pad, o->h < o->w ? o->h : o->w, o->h, o->w);
	return OPR_OK;
}

/* Copies the index list (idx NULL: all of ds) into b->pool. */
static int set_pool(struct opr_batcher *b, const int *idx, int n,
		    struct opr_err *err)
{
	int i;

	if (!idx)
		n = b->ds->n;
	if (n < 1)
		return opr_errf(err, OPR_EUSAGE, "%s: no image to train on",
				b->ds->source);
	b->pool = malloc((size_t)n * sizeof(int));
	b->order = malloc((size_t)n * sizeof(int));
	if (!b->pool || !b->order)
		return opr_errf(err, OPR_ENOMEM, "batches: out of memory");
	for (i = 0; i < n; i++) {
		b->pool[i] = idx ? idx[i] : i;
		if (b->pool[i] < 0 || b->pool[i] >= b->ds->n)
			return opr_errf(err, OPR_EUSAGE,
					"%s: image index %d out of range [0, %d)",
					b->ds->source, b->pool[i], b->ds->n);
	}
	b->n = n;
	return OPR_OK;
}

int opr_batcher_new(const struct opr_dataset *ds, const int *idx, int n,
		    const struct opr_batcher_opts *o, struct opr_batcher **out,
		    struct opr_err *err)
{
	struct opr_batcher *b;
	int rc, c;

	*out = NULL;
	rc = check_opts(o, err);
	if (rc != OPR_OK)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return opr_errf(err, OPR_ENOMEM, "batches: out of memory");
	b->ds = ds;
	b->o = *o;
	rc = set_pool(b, idx, n, err);
	if (rc != OPR_OK)
		goto out_free;
	b->norm = malloc(3 * (size_t)o->c * sizeof(float));
	b->scratch = malloc((size_t)o->h * (size_t)o->w * sizeof(float));
	if (!b->norm || !b->scratch) {
		rc = opr_errf(err, OPR_ENOMEM, "batches: out of memory");
		goto out_free;
	}
	for (c = 0; c < o->c; c++) {
		b->norm[c] = o->mean ? o->mean[c] : 0.0f;
		b->norm[o->c + c] = o->std ? o->std[c] : 1.0f;
	}
	opr_augment_fill_values(b->norm, b->norm + o->c, o->c,
				b->norm + 2 * o->c);
	b->o.mean = b->norm;
	b->o.std = b->norm + o->c;
	/* Channels, size, mean and std checked now rather than per batch. */
	rc = opr_dataset_fill(ds, NULL, 0, b->o.mean, b->o.std, o->c, o->h,
			      o->w, NULL, err);
	if (rc != OPR_OK)
		goto out_free;
	opr_batcher_epoch(b, 0);
	*out = b;
	return OPR_OK;
out_free:
	opr_batcher_free(b);
	return rc;
}

void opr_batcher_free(struct opr_batcher *b)
{
	if (!b)
		return;
	free(b->pool);
	free(b->order);
	free(b->norm);
	free(b->scratch);
	free(b);
}

int opr_batcher_images(const struct opr_batcher *b)
{
	if (b->o.drop_last && b->n >= b->o.batch)
		return b->n - b->n % b->o.batch;
	return b->n;
}

int opr_batcher_batches(const struct opr_batcher *b)
{
	return (opr_batcher_images(b) + b->o.batch - 1) / b->o.batch;
}

void opr_batcher_epoch(struct opr_batcher *b, long epoch)
{
	uint64_t rng;

	memcpy(b->order, b->pool, (size_t)b->n * sizeof(int));
	if (b->o.shuffle) {
		rng = opr_rng_key(b->o.seed, OPR_RNG_SHUFFLE, (uint64_t)epoch, 0);
		opr_rng_shuffle(&rng, b->order, (size_t)b->n);
	}
	b->epoch = epoch;
	b->pos = 0;
}

int opr_batcher_next(struct opr_batcher *b, float *x, int *labels, int *idx,
		     int *n, struct opr_err *err)
{
	const struct opr_batcher_opts *o = &b->o;
	int k, m = opr_batcher_images(b) - b->pos, rc;
	const int *at = b->order + b->pos;

	*n = 0;
	if (m <= 0)
		return OPR_OK;
	if (m > o->batch)
		m = o->batch;
	rc = opr_dataset_fill(b->ds, at, m, o->mean, o->std, o->c, o->h, o->w,
			      x, err);
	if (rc != OPR_OK)
		return rc;
	opr_augment_batch(x, m, o->c, o->h, o->w, &o->aug, b->norm + 2 * o->c,
			  o->seed, b->epoch, b->pos, b->scratch);
	for (k = 0; k < m; k++) {
		labels[k] = b->ds->labels[at[k]];
		if (idx)
			idx[k] = at[k];
	}
	b->pos += m;
	*n = m;
	return OPR_OK;
}
