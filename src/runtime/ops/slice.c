/*
 * slice.c - Slice: per axis a start, end and step (negative steps walk
 * backwards), read from the constant inputs starts/ends/axes/steps (opset
 * >= 10) or the attributes (before); bounds clamp as the ONNX spec says.
 */
#include "runtime/runtime.h"

/* The geometry of one slice, kept between prep and fwd. */
struct slice_param {
	int64_t start[OPR_MAX_RANK];	/* first index per axis */
	int64_t step[OPR_MAX_RANK];	/* step per axis */
};

/* Reads the int list of input k (opset >= 10) or attribute name. */
static int slice_list(struct opr_rt *rt, struct rt_node *rn, int k,
		      const char *name, int64_t *out, int *n,
		      struct opr_err *err)
{
	int rc = opr_rt_const_ints(rt, rn, k, out, OPR_MAX_RANK, n, err);

	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, name, out, OPR_MAX_RANK, n, err);
	return rc;
}

/* Clamps start/end of one axis and returns the count taken. */
static int64_t clamp_axis(int64_t dim, int64_t *s, int64_t e, int64_t st)
{
	if (*s < 0)
		*s += dim;
	if (e < 0)
		e += dim;
	if (st > 0) {
		*s = *s < 0 ? 0 : *s > dim ? dim : *s;
		e = e < 0 ? 0 : e > dim ? dim : e;
		return e > *s ? (e - *s + st - 1) / st : 0;
	}
	*s = *s < 0 ? 0 : *s > dim - 1 ? dim - 1 : *s;
	e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
	return *s > e ? (*s - e + (-st) - 1) / (-st) : 0;
}

static int slice_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct slice_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t st[OPR_MAX_RANK], en[OPR_MAX_RANK], ax[OPR_MAX_RANK];
	int64_t sp[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int ns, ne, na, nst, i, a, rc, seen[OPR_MAX_RANK] = { 0 };

	if (!x)
		return err->code;
	if ((rc = slice_list(rt, rn, 1, "starts", st, &ns, err)) != 1 ||
	    (rc = slice_list(rt, rn, 2, "ends", en, &ne, err)) != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no starts "
					 "or ends");
	if ((rc = slice_list(rt, rn, 3, "axes", ax, &na, err)) < 0 || rc > 1 ||
	    (rc = opr_rt_const_ints(rt, rn, 4, sp, OPR_MAX_RANK, &nst, err)) < 0 ||
	    rc > 1)
		return rc;
	if (ne != ns || (na && na != ns) || (nst && nst != ns))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "starts, ends, axes and "
			       "steps differ in length");
	for (i = 0; i < x->rank; i++) {
		p->start[i] = 0;
		p->step[i] = 1;
		d[i] = x->dims[i];
	}
	for (i = 0; i < ns; i++) {
		if ((rc = opr_rt_axis(rt, rn, na ? ax[i] : i, x->rank, &a, err)))
			return rc;
		if (seen[a]++)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "axis %d twice", a);
		p->step[a] = nst ? sp[i] : 1;
		if (p->step[a] == 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "step 0");
		p->start[a] = st[i];
		d[a] = clamp_axis(x->dims[a], &p->start[a], en[i], p->step[a]);
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, x->rank, d, err);
}

static int slice_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct slice_param *p = rn->param;
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t xs[OPR_MAX_RANK], s[OPR_MAX_RANK], base = 0;
	int i;

	(void)err;
	opr_rt_strides(x->dims, x->rank, xs);
	for (i = 0; i < x->rank; i++) {
		s[i] = xs[i] * p->step[i];
		base += p->start[i] * xs[i];
	}
	opr_rt_strided_copy(rt, y->rank, y->dims, s, base, x->data, y->data,
			opr_dtype_size(x->dtype));
	return OPR_OK;
}

const struct rt_op opr_rt_op_slice = {
	.param_size = sizeof(struct slice_param),
	.prep = slice_prep, .fwd = slice_fwd
};
