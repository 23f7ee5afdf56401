/*
 * pad.c - Pad: constant, reflect, edge and wrap padding, with negative
 * pads cropping.  pads come from the constant input 1 (opset >= 11, with
 * the optional axes input 3 of opset 18) or the pads attribute; the
 * constant from the optional input 2 (may be computed at run time) or the
 * value attribute.
 */
#include <string.h>

#include "runtime/runtime.h"

enum pad_mode { PAD_CONST, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

/* What prep works out for fwd. */
struct pad_param {
	int mode;			/* enum pad_mode */
	int64_t pb[OPR_MAX_RANK];	/* pad at the begin of each axis */
};

static int pad_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct pad_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err), *cv = opr_rt_in(rt, rn, 2);
	int64_t pads[2 * OPR_MAX_RANK], axes[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int64_t pe[OPR_MAX_RANK];
	const char *mode = opr_rt_attr_str(rn, "mode", "constant");
	int n, na = 0, i, a, rc;

	if (!x)
		return err->code;
	p->mode = !strcmp(mode, "constant") ? PAD_CONST :
		  !strcmp(mode, "reflect") ? PAD_REFLECT :
		  !strcmp(mode, "edge") ? PAD_EDGE :
		  !strcmp(mode, "wrap") ? PAD_WRAP : -1;
	if (p->mode < 0)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "mode '%s'", mode);
	rc = opr_rt_const_ints(rt, rn, 1, pads, 2 * OPR_MAX_RANK, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "pads", pads, 2 * OPR_MAX_RANK, &n, err);
	if (rc != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no pads");
	if ((rc = opr_rt_const_ints(rt, rn, 3, axes, OPR_MAX_RANK, &na, err)) < 0 ||
	    rc > 1)
		return rc;
	if (rc == 0)
		for (na = 0; na < x->rank; na++)
			axes[na] = na;
	if (n != 2 * na)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "%d pads for %d axes", n, na);
	if (cv && (cv->dtype != x->dtype || cv->numel != 1))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "constant_value must be "
			       "one %s", opr_dtype_name(x->dtype));
	for (i = 0; i < x->rank; i++)
		p->pb[i] = pe[i] = 0;
	for (i = 0; i < na; i++) {
		if ((rc = opr_rt_axis(rt, rn, axes[i], x->rank, &a, err)))
			return rc;
		p->pb[a] = pads[i];
		pe[a] = pads[i + na];
	}
	for (i = 0; i < x->rank; i++) {
		d[i] = x->dims[i] + p->pb[i] + pe[i];
		if (d[i] < 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "pads crop axis %d "
				       "below 0", i);
		if (p->mode != PAD_CONST && x->dims[i] == 0 && d[i] > 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "cannot %s-pad an "
				       "empty axis", mode);
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, x->rank, d, err);
}

/* Source index of padded index i on an axis of n, -1 for the constant. */
static int64_t src_index(int mode, int64_t i, int64_t n)
{
	int64_t per;

	if (i >= 0 && i < n)
		return i;
	switch (mode) {
	case PAD_EDGE:
		return i < 0 ? 0 : n - 1;
	case PAD_WRAP:
		return ((i % n) + n) % n;
	case PAD_REFLECT:
		if (n == 1)
			return 0;
		per = 2 * (n - 1);
		i = ((i % per) + per) % per;
		return i < n ? i : per - i;
	default:
		return -1;
	}
}

struct pad_job {
	const struct pad_param *p;
	const struct rt_val *x, *y;
	unsigned char cval[16];		/* the constant's bytes */
	size_t es;
};

static void pad_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct pad_job *j = arg;
	const struct rt_val *x = j->x, *y = j->y;
	int r = y->rank, k;
	int64_t w = y->dims[r - 1], xw = x->dims[r - 1], row, c;
	size_t es = j->es;

	(void)tid;
	for (row = r0; row < r1; row++) {
		unsigned char *o = (unsigned char *)y->data + (size_t)(row * w) * es;
		const unsigned char *src;
		int64_t q = row, off = 0, mul = xw, lo, hi;
		int inside = 1;

		for (k = r - 2; k >= 0; k--) {
			int64_t s = src_index(j->p->mode, q % y->dims[k] - j->p->pb[k],
					      x->dims[k]);

			q /= y->dims[k];
			if (s < 0)
				inside = 0;
			off += s * mul;
			mul *= x->dims[k];
		}
		if (!inside) {
			for (c = 0; c < w; c++)
				memcpy(o + c * (int64_t)es, j->cval, es);
			continue;
		}
		src = (const unsigned char *)x->data + off * (int64_t)es;
		lo = j->p->pb[r - 1] > 0 ? j->p->pb[r - 1] : 0;
		hi = j->p->pb[r - 1] + xw < w ? j->p->pb[r - 1] + xw : w;
		if (hi > lo)
			memcpy(o + lo * (int64_t)es,
			       src + (lo - j->p->pb[r - 1]) * (int64_t)es,
			       (size_t)(hi - lo) * es);
		for (c = 0; c < w; c++) {
			int64_t s;

			if (c == lo && hi > lo)
				c = hi;
			if (c >= w)
				break;
			s = src_index(j->p->mode, c - j->p->pb[r - 1], xw);
			memcpy(o + c * (int64_t)es, s < 0 ? j->cval : src + s * (int64_t)es,
			       es);
		}
	}
}

static int pad_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct pad_job j;
	struct rt_val *cv = opr_rt_in(rt, rn, 2);

	(void)err;
	j.p = rn->param;
	j.x = opr_rt_in(rt, rn, 0);
	j.y = opr_rt_out(rt, rn, 0);
	j.es = opr_dtype_size(j.x->dtype);
	memset(j.cval, 0, sizeof(j.cval));
	if (cv)
		memcpy(j.cval, cv->data, j.es);
	else if (j.x->dtype == OPR_DT_FLOAT) {
		float v = opr_node_attr_float(rn->n, "value", 0.0f);

		memcpy(j.cval, &v, sizeof(v));
	}
	if (!j.y->numel)
		return OPR_OK;
	if (j.y->rank == 0) {
		memcpy(j.y->data, j.x->data, j.es);
		return OPR_OK;
	}
	opr_rt_parallel_range(rt, j.y->numel / j.y->dims[j.y->rank - 1],
			  4096 / (j.y->dims[j.y->rank - 1] + 1) + 1, pad_rows, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_pad = {
	.param_size = sizeof(struct pad_param),
	.prep = pad_prep, .fwd = pad_fwd
};
