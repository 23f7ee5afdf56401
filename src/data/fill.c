/*
 * fill.c - data set images -> normalised NCHW float batches, and the
 * bilinear resize shared with the PNG loader.
 *
 * opr_dataset_fill() works one output plane at a time: samples to [0, 1],
 * channel mapping (copy, gray -> RGB replication, RGB -> gray luminance),
 * an optional bilinear resize, then (x - mean) / std.  The steps and their
 * order are the contract in include/onnx_prune.h; tests/data/png_ref.py
 * repeats them in numpy.
 */
#include <math.h>
#include <stdlib.h>

#include "data/dataset.h"

/* ITU-R BT.601 luma weights, as PIL's convert("L") and OpenCV use. */
#define LUMA_R 0.299f
#define LUMA_G 0.587f
#define LUMA_B 0.114f

/* Source coordinate of destination index i, split into i0, i1 and weight. */
static void src_coord(int i, int sn, int dn, int *i0, int *i1, float *f)
{
	float s = ((float)i + 0.5f) * (float)sn / (float)dn - 0.5f;
	int k;

	if (s < 0.0f)
		s = 0.0f;
	k = (int)s;
	if (k > sn - 1)
		k = sn - 1;
	*i0 = k;
	*i1 = k < sn - 1 ? k + 1 : k;
	*f = s - (float)k;
}

void opr_resize_bilinear(const float *src, int sh, int sw, float *dst,
			 int dh, int dw)
{
	int y, x, y0, y1, x0, x1;
	float fy, fx, top, bot;

	for (y = 0; y < dh; y++) {
		src_coord(y, sh, dh, &y0, &y1, &fy);
		for (x = 0; x < dw; x++) {
			const float *r0 = src + (size_t)y0 * (size_t)sw;
			const float *r1 = src + (size_t)y1 * (size_t)sw;

			src_coord(x, sw, dw, &x0, &x1, &fx);
			top = r0[x0] + (r0[x1] - r0[x0]) * fx;
			bot = r1[x0] + (r1[x1] - r1[x0]) * fx;
			dst[(size_t)y * (size_t)dw + x] = top + (bot - top) * fy;
		}
	}
}

/* Sample j of channel ch of image k as a value in [0, 1]. */
static float sample(const struct opr_dataset *ds, size_t k, int ch, size_t j)
{
	size_t plane = (size_t)ds->h * (size_t)ds->w;
	size_t at = (k * (size_t)ds->c + (size_t)ch) * plane + j;

	if (ds->depth == 16)
		return (float)ds->pixels16[at] / 65535.0f;
	return (float)ds->pixels[at] / 255.0f;
}

/* Writes output channel oc (of want_c) of image k, at ds's size, to dst. */
static void plane_to_float(const struct opr_dataset *ds, size_t k, int oc,
			   int want_c, float *dst)
{
	size_t j, plane = (size_t)ds->h * (size_t)ds->w;

	if (ds->c == 3 && want_c == 1) {
		for (j = 0; j < plane; j++)
			dst[j] = LUMA_R * sample(ds, k, 0, j) +
				 LUMA_G * sample(ds, k, 1, j) +
				 LUMA_B * sample(ds, k, 2, j);
		return;
	}
	for (j = 0; j < plane; j++)
		dst[j] = sample(ds, k, ds->c == want_c ? oc : 0, j);
}

/* Checks the arguments of opr_dataset_fill() that do not depend on idx. */
static int check_args(const struct opr_dataset *ds, int n, const float *mean,
		      const float *std, int want_c, int want_h, int want_w,
		      const float *out, struct opr_err *err)
{
	int c;

	if (!ds || (!out && n > 0) || n < 0)
		return opr_errf(err, OPR_EUSAGE, "data set fill: bad arguments");
	if (want_c != ds->c && !(want_c == 3 && ds->c == 1) &&
	    !(want_c == 1 && ds->c == 3))
		return opr_errf(err, OPR_EUSAGE,
				"%s: images have %d channel(s), the model wants %d",
				ds->source, ds->c, want_c);
	if (want_h < 1 || want_w < 1 || want_h > OPR_DATASET_MAX_DIM ||
	    want_w > OPR_DATASET_MAX_DIM)
		return opr_errf(err, OPR_EUSAGE, "%s: bad input size %dx%d",
				ds->source, want_h, want_w);
	for (c = 0; c < want_c; c++) {
		if (mean && !isfinite(mean[c]))
			return opr_errf(err, OPR_EUSAGE,
					"%s: mean of channel %d is not finite",
					ds->source, c);
		if (std && (!isfinite(std[c]) || std[c] == 0.0f))
			return opr_errf(err, OPR_EUSAGE,
					"%s: std of channel %d is %g, want a non-zero "
					"finite value", ds->source, c, (double)std[c]);
	}
	return OPR_OK;
}

int opr_dataset_fill(const struct opr_dataset *ds, const int *idx, int n,
		     const float *mean, const float *std, int want_c,
		     int want_h, int want_w, float *out, struct opr_err *err)
{
	size_t oplane = (size_t)want_h * (size_t)want_w, j;
	int i, oc, k, resize, rc;
	float *tmp = NULL, *dst, m, s;

	rc = check_args(ds, n, mean, std, want_c, want_h, want_w, out, err);
	if (rc != OPR_OK)
		return rc;
	for (i = 0; i < n; i++) {
		k = idx ? idx[i] : i;
		if (k < 0 || k >= ds->n)
			return opr_errf(err, OPR_EUSAGE,
					"%s: image index %d out of range [0, %d)",
					ds->source, k, ds->n);
	}
	resize = want_h != ds->h || want_w != ds->w;
	if (resize && n > 0) {
		tmp = malloc((size_t)ds->h * (size_t)ds->w * sizeof(float));
		if (!tmp)
			return opr_errf(err, OPR_ENOMEM, "%s: out of memory",
					ds->source);
	}
	for (i = 0; i < n; i++) {
		k = idx ? idx[i] : i;
		for (oc = 0; oc < want_c; oc++) {
			dst = out + ((size_t)i * (size_t)want_c + (size_t)oc) * oplane;
			plane_to_float(ds, (size_t)k, oc, want_c, resize ? tmp : dst);
			if (resize)
				opr_resize_bilinear(tmp, ds->h, ds->w, dst, want_h,
						    want_w);
			m = mean ? mean[oc] : 0.0f;
			s = std ? std[oc] : 1.0f;
			for (j = 0; j < oplane; j++)
				dst[j] = (dst[j] - m) / s;
		}
	}
	free(tmp);
	return OPR_OK;
}
