/*
 * op_shape.c - the data-movement ops that cut and join, for training:
 * Concat, Split, Slice (any axes and steps, negative ones included) and
 * Pad (constant mode, negative pads crop).  Each direction is a strided
 * copy (tcopy.c): the forward copies a box out of (or into) the bigger
 * tensor, the backward copies or adds the gradient box the other way, and
 * zeroes what no box covers when it writes.
 */
#include <string.h>

#include "train/tr_internal.h"

/* ---- Concat / Split ---- */

struct tcat {
	int axis;		/* concatenation axis */
	int64_t outer, inner;	/* elements before / after the axis */
	int64_t total;		/* the joined axis */
	int64_t split[64];	/* Split: sizes on the axis, per output */
};

static int concat_setup(struct opr_train *t, struct tr_node *tn,
			struct opr_err *err)
{
	struct tcat *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t d[OPR_MAX_RANK];
	int k, i, rc;

	if (!x)
		return err->code;
	if ((rc = tr_axis(t, tn, opr_node_attr_int(tn->n, "axis", 0), x->rank,
			  &p->axis, err)))
		return rc;
	memcpy(d, x->dims, sizeof(d));
	d[p->axis] = 0;
	for (k = 0; k < tn->n->n_in; k++) {
		struct tr_val *v = tr_need_in(t, tn, k, err);

		if (!v)
			return err->code;
		for (i = 0; i < x->rank; i++)
			if (v->rank != x->rank || (i != p->axis && v->dims[i] != d[i]))
				return tr_errf(t, tn, err, OPR_ESHAPE, "input %d "
					       "does not fit input 0", k);
		d[p->axis] += v->dims[p->axis];
	}
	p->outer = tr_prod(d, 0, p->axis);
	p->inner = tr_prod(d, p->axis + 1, x->rank);
	p->total = d[p->axis];
	return tr_set_out(t, tn, 0, x->rank, d, err);
}

/*
 * Copies part k (size on the axis sz, at offset off) between the joined
 * tensor j and the part q: into j when to_joined, else into q.
 */
static void move_part(struct opr_train *t, const struct tcat *p, float *j,
		      float *q, int64_t off, int64_t sz, int to_joined, int add)
{
	int64_t box[2] = { p->outer, sz * p->inner };
	int64_t sj[2] = { p->total * p->inner, 1 }, sq[2] = { sz * p->inner, 1 };

	if (to_joined)
		tr_strided(t, 2, box, q, 0, sq, j, off * p->inner, sj, add);
	else
		tr_strided(t, 2, box, j, off * p->inner, sj, q, 0, sq, add);
}

static void concat_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tcat *p = tn->p;
	float *y = tr_out(t, tn, 0)->data;
	int64_t off = 0;
	int k;

	for (k = 0; k < tn->n->n_in; k++) {
		struct tr_val *v = tr_in(t, tn, k);

		move_part(t, p, y, v->data, off, v->dims[p->axis], 1, 0);
		off += v->dims[p->axis];
	}
}

static void concat_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tcat *p = tn->p;
	float *dy = tr_out(t, tn, 0)->grad;
	int64_t off = 0;
	int k;

	for (k = 0; k < tn->n->n_in; k++) {
		struct tr_val *v = tr_in(t, tn, k);

		if (v->need_grad && dy)
			move_part(t, p, dy, v->grad, off, v->dims[p->axis], 0,
				  tn->acc[k]);
		off += v->dims[p->axis];
	}
}

static int split_setup(struct opr_train *t, struct tr_node *tn,
		       struct opr_err *err)
{
	struct tcat *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t d[OPR_MAX_RANK], sum = 0;
	int nout = tn->n->n_out, k, cnt = 0, rc;

	if (!x)
		return err->code;
	if (nout > 64)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "%d outputs; "
			       "training handles up to 64", nout);
	if ((rc = tr_axis(t, tn, opr_node_attr_int(tn->n, "axis", 0), x->rank,
			  &p->axis, err)))
		return rc;
	p->total = x->dims[p->axis];
	rc = tr_attr_ints(t, tn, "split", p->split, 64, &cnt, err);
	if (rc == 0)
		rc = tr_const_ints(t, tn, 1, p->split, 64, &cnt, err);
	if (rc > 1)
		return rc;
	if (rc == 0) {		/* equal parts, the last one smaller */
		int64_t each = (p->total + nout - 1) / nout;

		for (k = 0; k < nout; k++)
			p->split[k] = p->total - k * each < each ?
				      (p->total - k * each > 0 ? p->total - k * each : 0) :
				      each;
		cnt = nout;
	}
	for (k = 0; k < cnt; k++)
		sum += p->split[k] >= 0 ? p->split[k] : -1;
	if (cnt != nout || sum != p->total)
		return tr_errf(t, tn, err, OPR_ESHAPE, "split sizes do not add up "
			       "to %lld", (long long)p->total);
	p->outer = tr_prod(x->dims, 0, p->axis);
	p->inner = tr_prod(x->dims, p->axis + 1, x->rank);
	memcpy(d, x->dims, sizeof(d));
	for (k = 0; k < nout; k++) {
		d[p->axis] = p->split[k];
		if ((rc = tr_set_out(t, tn, k, x->rank, d, err)))
			return rc;
	}
	return OPR_OK;
}

static void split_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tcat *p = tn->p;
	float *x = tr_in(t, tn, 0)->data;
	int64_t off = 0;
	int k;

	for (k = 0; k < tn->n->n_out; k++) {
		struct tr_val *v = tr_out(t, tn, k);

		if (v)
			move_part(t, p, x, v->data, off, p->split[k], 0, 0);
		off += p->split[k];
	}
}

static void split_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tcat *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0);
	int64_t off = 0;
	int k;

	if (!tn->acc[0])
		memset(x->grad, 0, (size_t)x->numel * sizeof(float));
	for (k = 0; k < tn->n->n_out; k++) {
		struct tr_val *v = tr_out(t, tn, k);

		if (v && v->grad)
			move_part(t, p, x->grad, v->grad, off, p->split[k], 1, 1);
		off += p->split[k];
	}
}

/* ---- Slice / Pad: a box of the input at an offset in the output or back ---- */

struct tbox {
	int rank;
	int64_t box[OPR_MAX_RANK];	/* the copied box */
	int64_t xbase, ybase;		/* its first element in x and y */
	int64_t xs[OPR_MAX_RANK];	/* its strides in x */
	int64_t ys[OPR_MAX_RANK];	/* its strides in y */
	int full;			/* the box covers all of x */
	float value;			/* Pad: the constant */
};

/* ONNX Slice bounds of one axis of size n: start and count. */
static void slice_axis(int64_t n, int64_t st, int64_t en, int64_t step,
		       int64_t *start, int64_t *cnt)
{
	if (st < 0)
		st += n;
	if (en < 0)
		en += n;
	if (step > 0) {
		st = st < 0 ? 0 : st > n ? n : st;
		en = en < 0 ? 0 : en > n ? n : en;
		*cnt = en > st ? (en - st + step - 1) / step : 0;
	} else {
		st = st < 0 ? 0 : st > n - 1 ? n - 1 : st;
		en = en < -1 ? -1 : en > n - 1 ? n - 1 : en;
		*cnt = st > en ? (st - en + (-step) - 1) / (-step) : 0;
	}
	*start = st;
}

static int slice_setup(struct opr_train *t, struct tr_node *tn,
		       struct opr_err *err)
{
	struct tbox *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t st[OPR_MAX_RANK], en[OPR_MAX_RANK], ax[OPR_MAX_RANK];
	int64_t sp[OPR_MAX_RANK], xs[OPR_MAX_RANK], steps[OPR_MAX_RANK];
	int ns = 0, ne = 0, na = -1, nst = -1, rc, i, a;

	if (!x)
		return err->code;
	if ((rc = tr_attr_ints(t, tn, "starts", st, OPR_MAX_RANK, &ns, err)) == 1) {
		if ((rc = tr_attr_ints(t, tn, "ends", en, OPR_MAX_RANK, &ne, err)) > 1 ||
		    (rc = tr_attr_ints(t, tn, "axes", ax, OPR_MAX_RANK, &na, err)) > 1)
			return rc;
	} else if (rc > 1 ||
		   (rc = tr_const_ints(t, tn, 1, st, OPR_MAX_RANK, &ns, err)) > 1 ||
		   (rc = tr_const_ints(t, tn, 2, en, OPR_MAX_RANK, &ne, err)) > 1 ||
		   (rc = tr_const_ints(t, tn, 3, ax, OPR_MAX_RANK, &na, err)) > 1 ||
		   (rc = tr_const_ints(t, tn, 4, sp, OPR_MAX_RANK, &nst, err)) > 1) {
		return rc;
	}
	if (ns != ne || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
		return tr_errf(t, tn, err, OPR_ESHAPE, "starts, ends, axes and "
			       "steps differ in length");
	tr_strides(x->dims, x->rank, xs);
	p->rank = x->rank;
	p->xbase = 0;
	for (i = 0; i < x->rank; i++) {
		p->box[i] = x->dims[i];
		steps[i] = 1;
	}
	for (i = 0; i < ns; i++) {
		int64_t start, cnt, step = nst >= 0 ? sp[i] : 1;

		if ((rc = tr_axis(t, tn, na >= 0 ? ax[i] : i, x->rank, &a, err)))
			return rc;
		if (step == 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "step 0");
		slice_axis(x->dims[a], st[i], en[i], step, &start, &cnt);
		p->box[a] = cnt;
		steps[a] = step;
		p->xbase += start * xs[a];
	}
	for (i = 0; i < x->rank; i++)
		p->xs[i] = xs[i] * steps[i];
	tr_strides(p->box, p->rank, p->ys);
	p->ybase = 0;
	p->full = tr_prod(p->box, 0, p->rank) == x->numel;
	return tr_set_out(t, tn, 0, x->rank, p->box, err);
}

static int pad_setup(struct opr_train *t, struct tr_node *tn,
		     struct opr_err *err)
{
	struct tbox *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t pads[2 * OPR_MAX_RANK], axes[OPR_MAX_RANK], pb[OPR_MAX_RANK];
	int64_t pe[OPR_MAX_RANK], d[OPR_MAX_RANK], xs[OPR_MAX_RANK];
	const struct opr_attr *mode = opr_node_attr(tn->n, "mode");
	int np = 0, na = -1, rc, i, a;

	if (!x)
		return err->code;
	if (mode && mode->s && strcmp(mode->s, "constant"))
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "mode '%s'; training "
			       "handles constant", mode->s);
	p->value = opr_node_attr_float(tn->n, "value", 0.0f);
	rc = tr_attr_ints(t, tn, "pads", pads, 2 * OPR_MAX_RANK, &np, err);
	if (rc == 0 && ((rc = tr_const_ints(t, tn, 1, pads, 2 * OPR_MAX_RANK, &np,
					    err)) > 1 ||
			(rc = tr_const_float(t, tn, 2, &p->value, err)) > 1 ||
			(rc = tr_const_ints(t, tn, 3, axes, OPR_MAX_RANK, &na,
					    err)) > 1))
		return rc;
	if (rc > 1)
		return rc;
	for (i = 0; i < x->rank; i++)
		pb[i] = pe[i] = 0;
	if (np != 2 * (na >= 0 ? na : x->rank))
		return tr_errf(t, tn, err, OPR_ESHAPE, "%d pads for %d axes", np,
			       na >= 0 ? na : x->rank);
	for (i = 0; i < np / 2; i++) {
		if ((rc = tr_axis(t, tn, na >= 0 ? axes[i] : i, x->rank, &a, err)))
			return rc;
		pb[a] = pads[i];
		pe[a] = pads[i + np / 2];
	}
	tr_strides(x->dims, x->rank, xs);
	p->rank = x->rank;
	for (i = 0; i < x->rank; i++) {
		d[i] = x->dims[i] + pb[i] + pe[i];
		if (d[i] < 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "pads remove more "
				       "than axis %d holds", i);
	}
	tr_strides(d, x->rank, p->ys);
	p->xbase = p->ybase = 0;
	for (i = 0; i < x->rank; i++) {
		int64_t cx = pb[i] < 0 ? -pb[i] : 0, cy = pb[i] > 0 ? pb[i] : 0;

		p->box[i] = x->dims[i] - cx - (pe[i] < 0 ? -pe[i] : 0);
		p->box[i] = p->box[i] < 0 ? 0 : p->box[i];
		p->xbase += cx * xs[i];
		p->ybase += cy * p->ys[i];
		p->xs[i] = xs[i];
	}
	p->full = tr_prod(p->box, 0, p->rank) == x->numel;
	return tr_set_out(t, tn, 0, x->rank, d, err);
}

static void fill(struct opr_train *t, float *y, int64_t n, float v)
{
	int64_t i;

	if (v == 0.0f) {
		tr_zero(t, y, n);
		return;
	}
	for (i = 0; i < n; i++)
		y[i] = v;
}

/* Slice / Pad forward: the box of x into y (Pad filled y first). */
static void box_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbox *p = tn->p;

	tr_strided(t, p->rank, p->box, tr_in(t, tn, 0)->data, p->xbase, p->xs,
		   tr_out(t, tn, 0)->data, p->ybase, p->ys, 0);
}

/*
 * Slice / Pad backward: dY's box into dX (written, zeros outside the box,
 * or added per tn->acc[0]).
 */
static void box_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbox *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);

	if (!y->grad)
		return;
	if (!tn->acc[0] && !p->full)
		tr_zero(t, x->grad, x->numel);
	tr_strided(t, p->rank, p->box, y->grad, p->ybase, p->ys, x->grad,
		   p->xbase, p->xs, tn->acc[0] || !p->full);
}

static void pad_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbox *p = tn->p;
	struct tr_val *y = tr_out(t, tn, 0);

	fill(t, y->data, y->numel, p->value);
	box_fwd(t, tn);
}

const struct tr_op tr_op_concat = {
	.param_size = sizeof(struct tcat),
	.setup = concat_setup, .fwd = concat_fwd, .bwd = concat_bwd
};
const struct tr_op tr_op_split = {
	.param_size = sizeof(struct tcat),
	.setup = split_setup, .fwd = split_fwd, .bwd = split_bwd
};
const struct tr_op tr_op_slice = {
	.param_size = sizeof(struct tbox),
	.setup = slice_setup, .fwd = box_fwd, .bwd = box_bwd
};
const struct tr_op tr_op_pad = {
	.param_size = sizeof(struct tbox),
	.setup = pad_setup, .fwd = pad_fwd, .bwd = box_bwd
};
