/*
 * resize.c - Resize (opset 10 to 13+): nearest (round_prefer_floor,
 * round_prefer_ceil, floor, ceil), linear and cubic interpolation over any
 * axes, with the coordinate transformations half_pixel, pytorch_half_pixel,
 * align_corners, asymmetric, tf_half_pixel_for_nearest and
 * tf_crop_and_resize (roi, extrapolation_value), exclude_outside and
 * cubic_coeff_a, as the ONNX reference implementation computes them.
 * Each output index of each axis gets up to 4 taps (index, weight),
 * computed per run into scratch; an output element sums the product of its
 * axes' taps.  scales/sizes/roi must be constant.
 */
#include <math.h>
#include <string.h>

#include "runtime/runtime.h"

enum { M_NEAREST, M_LINEAR, M_CUBIC };

/* The taps of one output index on one axis. */
struct tap {
	int64_t idx[4];		/* input indices */
	float w[4];		/* their weights */
	int n;			/* taps used */
	int ext;		/* 1: outside the roi, use extrapolation_value */
};

/* What prep works out. */
struct resize_param {
	int mode;			/* M_* */
	double scale[OPR_MAX_RANK];	/* per axis */
	double roi[2 * OPR_MAX_RANK];	/* starts then ends */
	int64_t off[OPR_MAX_RANK];	/* first tap entry of each axis */
};

static int resize_params(struct opr_rt *rt, struct rt_node *rn,
			 struct resize_param *p, const struct rt_val *x,
			 int64_t *d, struct opr_err *err)
{
	double sc[OPR_MAX_RANK], roi[2 * OPR_MAX_RANK];
	int64_t sz[OPR_MAX_RANK];
	const char *ct = opr_rt_attr_str(rn, "coordinate_transformation_mode",
				     "half_pixel");
	int r = x->rank, ns = 0, nz = 0, nr = 0, i, rc;
	int tf = !strcmp(ct, "tf_crop_and_resize");

	if (rt->opset < 11) {
		rc = opr_rt_const_floats(rt, rn, 1, sc, OPR_MAX_RANK, &ns, err);
	} else {
		rc = opr_rt_const_floats(rt, rn, 1, roi, 2 * OPR_MAX_RANK, &nr, err);
		if (rc == 0 || rc == 1)
			rc = opr_rt_const_floats(rt, rn, 2, sc, OPR_MAX_RANK, &ns, err);
		if (rc == 0 || rc == 1)
			rc = opr_rt_const_ints(rt, rn, 3, sz, OPR_MAX_RANK, &nz, err);
	}
	if (rc < 0 || rc > 1)
		return rc;
	if ((ns && ns != r) || (nz && nz != r) || (!ns == !nz) ||
	    (nr && nr != 2 * r))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "need %d scales or %d "
			       "sizes (and %d roi values)", r, r, 2 * r);
	for (i = 0; i < r; i++) {
		p->roi[i] = nr ? roi[i] : 0;
		p->roi[r + i] = nr ? roi[r + i] : 1;
		if (nz) {
			d[i] = sz[i];
			p->scale[i] = x->dims[i] ? (double)sz[i] / x->dims[i] : 1;
		} else {
			double ext = tf ? p->roi[r + i] - p->roi[i] : 1;

			if (sc[i] <= 0)
				return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "scale %g",
					       sc[i]);
			p->scale[i] = (float)sc[i];
			d[i] = (int64_t)floor((double)x->dims[i] * ext *
					      (float)sc[i] + 1e-9);
		}
		if (d[i] < 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "size %lld",
				       (long long)d[i]);
	}
	return OPR_OK;
}

static int resize_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct resize_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	const char *mode = opr_rt_attr_str(rn, "mode", "nearest");
	int64_t d[OPR_MAX_RANK], total = 0;
	int i, rc;

	if (!x)
		return err->code;
	p->mode = !strcmp(mode, "nearest") ? M_NEAREST :
		  !strcmp(mode, "linear") ? M_LINEAR :
		  !strcmp(mode, "cubic") ? M_CUBIC : -1;
	if (p->mode < 0)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "mode '%s'", mode);
	if (opr_node_attr_int(rn->n, "antialias", 0) || opr_node_attr(rn->n, "axes"))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "antialias and axes "
			       "(opset 18) are not supported");
	if ((rc = resize_params(rt, rn, p, x, d, err)))
		return rc;
	for (i = 0; i < x->rank; i++) {
		p->off[i] = total;
		total += d[i];
	}
	rn->scratch = (size_t)total * sizeof(struct tap);
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, x->rank, d, err);
}

/* Input coordinate of output index o on an axis (reference formulas). */
static double coord(const char *ct, double o, double scale, int64_t in,
		    double rs, double re, int *ext)
{
	double ow = scale * (double)in, xo;

	*ext = 0;
	if (!strcmp(ct, "align_corners"))
		return ow == 1 ? 0 : o * (double)(in - 1) / (ow - 1);
	if (!strcmp(ct, "asymmetric"))
		return o / scale;
	if (!strcmp(ct, "tf_half_pixel_for_nearest"))
		return (o + 0.5) / scale;
	if (!strcmp(ct, "pytorch_half_pixel"))
		return ow == 1 ? -0.5 : (o + 0.5) / scale - 0.5;
	if (!strcmp(ct, "tf_crop_and_resize")) {
		if (ow == 1)
			xo = (re - rs) * (double)(in - 1) / 2;
		else
			xo = o * (re - rs) * (double)(in - 1) / (ow - 1);
		xo += rs * (double)(in - 1);
		*ext = xo < 0 || xo > (double)(in - 1);
		return xo;
	}
	return (o + 0.5) / scale - 0.5;		/* half_pixel */
}

static int64_t nearest(const char *nm, double x, int down)
{
	double f = floor(x), r = x - f;

	if (r == 0)
		return (int64_t)f;
	if (!strcmp(nm, "floor"))
		return (int64_t)f;
	if (!strcmp(nm, "ceil"))
		return (int64_t)f + 1;
	if (!strcmp(nm, "round_prefer_ceil"))
		return (int64_t)(r < 0.5 ? f : f + 1);
	if (!strcmp(nm, "simple"))	/* Resize-10, as ONNX Runtime does */
		return down ? (int64_t)ceil(x) : (int64_t)x;
	return (int64_t)(r <= 0.5 ? f : f + 1);	/* round_prefer_floor */
}

static void cubic_w(double r, double a, float *w)
{
	double s = 1 - r;

	w[0] = (float)(((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a);
	w[1] = (float)(((a + 2) * r - (a + 3)) * r * r + 1);
	w[2] = (float)(((a + 2) * s - (a + 3)) * s * s + 1);
	w[3] = (float)(((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a);
}

/* Fills the taps of axis a (input size in, output size out). */
static void axis_taps(const struct rt_node *rn, const struct resize_param *p,
		      int a, int r, int64_t in, int64_t out, struct tap *t,
		      int old)
{
	const char *ct = old ? "asymmetric" : opr_rt_attr_str(rn,
			"coordinate_transformation_mode", "half_pixel");
	const char *nm = old ? "simple" : opr_rt_attr_str(rn, "nearest_mode",
						      "round_prefer_floor");
	double ca = opr_node_attr_float(rn->n, "cubic_coeff_a", -0.75f);
	int excl = opr_node_attr_int(rn->n, "exclude_outside", 0) != 0;
	int64_t o, i0;
	int k;

	for (o = 0; o < out; o++, t++) {
		double x = coord(ct, (double)o, p->scale[a], in, p->roi[a],
				 p->roi[r + a], &t->ext), f = floor(x), sum = 0;

		if (p->mode == M_NEAREST) {
			t->n = 1;
			t->idx[0] = nearest(nm, x, p->scale[a] < 1);
			t->w[0] = 1;
		} else if (p->mode == M_LINEAR) {
			t->n = 2;
			t->idx[0] = (int64_t)f;
			t->idx[1] = (int64_t)f + 1;
			t->w[0] = (float)(1 - (x - f));
			t->w[1] = (float)(x - f);
		} else {
			t->n = 4;
			i0 = (int64_t)f - 1;
			for (k = 0; k < 4; k++)
				t->idx[k] = i0 + k;
			cubic_w(x - f, ca, t->w);
		}
		for (k = 0; k < t->n; k++) {
			if (excl && (t->idx[k] < 0 || t->idx[k] >= in))
				t->w[k] = 0;
			sum += t->w[k];
			t->idx[k] = t->idx[k] < 0 ? 0 : t->idx[k] >= in ? in - 1 :
				    t->idx[k];
		}
		if (excl && sum != 0)
			for (k = 0; k < t->n; k++)
				t->w[k] = (float)(t->w[k] / sum);
	}
}

struct resize_job {
	const struct resize_param *p;
	const struct tap *taps;
	const struct rt_val *x, *y;
	float extrap;
};

static float one_output(const struct resize_job *j, const int64_t *oi)
{
	const struct rt_val *x = j->x;
	const struct tap *t[OPR_MAX_RANK];
	int cnt[OPR_MAX_RANK] = { 0 }, r = x->rank, a;
	double s = 0;

	for (a = 0; a < r; a++) {
		t[a] = j->taps + j->p->off[a] + oi[a];
		if (t[a]->ext)
			return j->extrap;
	}
	for (;;) {
		int64_t off = 0;
		double w = 1;

		for (a = 0; a < r; a++) {
			off = off * x->dims[a] + t[a]->idx[cnt[a]];
			w *= t[a]->w[cnt[a]];
		}
		if (w != 0)
			s += w * ((const float *)x->data)[off];
		for (a = r - 1; a >= 0; a--) {
			if (++cnt[a] < t[a]->n)
				break;
			cnt[a] = 0;
		}
		if (a < 0)
			return (float)s;
	}
}

static void resize_range(void *arg, int64_t e0, int64_t e1, int tid)
{
	const struct resize_job *j = arg;
	int64_t oi[OPR_MAX_RANK], e;
	int a;

	(void)tid;
	for (e = e0; e < e1; e++) {
		int64_t q = e;

		for (a = j->y->rank - 1; a >= 0; a--) {
			oi[a] = q % j->y->dims[a];
			q /= j->y->dims[a];
		}
		((float *)j->y->data)[e] = one_output(j, oi);
	}
}

static int resize_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct resize_param *p = rn->param;
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	struct tap *taps = opr_rt_scratch(rt, 0);
	struct resize_job j = { p, taps, x, y,
		opr_node_attr_float(rn->n, "extrapolation_value", 0.0f) };
	int a;

	(void)err;
	if (!y->numel)
		return OPR_OK;
	for (a = 0; a < x->rank; a++)
		axis_taps(rn, p, a, x->rank, x->dims[a], y->dims[a],
			  taps + p->off[a], rt->opset < 11);
	opr_rt_parallel_range(rt, y->numel, 1024, resize_range, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_resize = {
	.param_size = sizeof(struct resize_param),
	.prep = resize_prep, .fwd = resize_fwd
};
