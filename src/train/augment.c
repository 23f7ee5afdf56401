/*
 * augment.c - random crop with padding and horizontal flip (augment.h).
 */
#include <string.h>

#include "train/augment.h"
#include "train/rng.h"

void opr_augment_fill_values(const float *mean, const float *std, int n,
			     float *fill)
{
	float m, s;
	int c;

	for (c = 0; c < n; c++) {
		m = mean ? mean[c] : 0.0f;
		s = std ? std[c] : 1.0f;
		fill[c] = (0.0f - m) / s;	/* as opr_dataset_fill() */
	}
}

void opr_augment_draw(const struct opr_augment *a, uint64_t *rng,
		      struct opr_aug_draw *d)
{
	d->i = d->j = a->pad > 0 ? a->pad : 0;
	d->flip = 0;
	if (a->pad > 0) {
		d->i = (int)opr_rng_below(rng, 2 * (uint64_t)a->pad + 1);
		d->j = (int)opr_rng_below(rng, 2 * (uint64_t)a->pad + 1);
	}
	if (a->flip)
		d->flip = (int)(opr_rng_next(rng) >> 63);
}

/* Writes one h x w plane: src shifted by (dy, dx), flipped, fill outside. */
static void plane(const float *src, float *dst, int h, int w, int dy, int dx,
		  int flip, float fill)
{
	int y, x, sy, sx;
	float *row;

	for (y = 0; y < h; y++) {
		row = dst + (size_t)y * (size_t)w;
		sy = y + dy;
		if (sy < 0 || sy >= h) {
			for (x = 0; x < w; x++)
				row[x] = fill;
			continue;
		}
		for (x = 0; x < w; x++) {
			sx = (flip ? w - 1 - x : x) + dx;
			row[x] = sx >= 0 && sx < w ?
				 src[(size_t)sy * (size_t)w + (size_t)sx] : fill;
		}
	}
}

void opr_augment_image(float *img, int c, int h, int w,
		       const struct opr_augment *a, const struct opr_aug_draw *d,
		       const float *fill, float *scratch)
{
	size_t n = (size_t)h * (size_t)w;
	int ch, p = a->pad > 0 ? a->pad : 0;

	if (d->i == p && d->j == p && !d->flip)
		return;
	for (ch = 0; ch < c; ch++) {
		float *pl = img + (size_t)ch * n;

		memcpy(scratch, pl, n * sizeof(float));
		plane(scratch, pl, h, w, d->i - p, d->j - p, d->flip, fill[ch]);
	}
}

void opr_augment_batch(float *x, int n, int c, int h, int w,
		       const struct opr_augment *a, const float *fill,
		       uint64_t seed, long epoch, long first, float *scratch)
{
	size_t img = (size_t)c * (size_t)h * (size_t)w;
	struct opr_aug_draw d;
	uint64_t rng;
	int k;

	if (a->pad <= 0 && !a->flip)
		return;
	for (k = 0; k < n; k++) {
		rng = opr_rng_key(seed, OPR_RNG_AUGMENT, (uint64_t)epoch,
				  (uint64_t)(first + k));
		opr_augment_draw(a, &rng, &d);
		opr_augment_image(x + (size_t)k * img, c, h, w, a, &d, fill,
				  scratch);
	}
}
