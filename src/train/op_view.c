/*
 * op_view.c - ops that only rename the bytes, for training: Reshape
 * (0 copies a dim unless allowzero, -1 is inferred), Flatten, Squeeze,
 * Unsqueeze, Identity and Dropout (an identity: the shared models are
 * exported without it, and training here draws no dropout masks).  Their
 * output is their input's bytes (TR_F_VIEW); the backward is nothing when
 * the input shares the output's gradient buffer (its only reader), else a
 * copy or an add.  Transpose, which moves bytes, is here too.
 */
#include <string.h>

#include "train/tr_internal.h"

struct tview {
	int rank;			/* Transpose: rank */
	int64_t box[OPR_MAX_RANK];	/* Transpose: output dims */
	int64_t xs[OPR_MAX_RANK];	/* Transpose: input strides per
					   output axis */
	int64_t ys[OPR_MAX_RANK];	/* Transpose: output strides */
};

static int reshape_setup(struct opr_train *t, struct tr_node *tn,
			 struct opr_err *err)
{
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t d[OPR_MAX_RANK], known = 1;
	int allowzero = opr_node_attr_int(tn->n, "allowzero", 0) != 0;
	int cnt, rc, i, infer = -1;

	if (!x)
		return err->code;
	rc = tr_const_ints(t, tn, 1, d, OPR_MAX_RANK, &cnt, err);
	if (rc == 0)
		return tr_errf(t, tn, err, OPR_ESHAPE, "no shape input");
	if (rc > 1)
		return rc;
	for (i = 0; i < cnt; i++) {
		if (d[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return tr_errf(t, tn, err, OPR_ESHAPE, "shape "
					       "copies dim %d of a rank-%d input",
					       i, x->rank);
			d[i] = x->dims[i];
		}
		if (d[i] == -1 && infer < 0)
			infer = i;
		else if (d[i] < 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "bad shape value "
				       "%lld", (long long)d[i]);
		else
			known *= d[i];
	}
	if (infer >= 0)
		d[infer] = known ? x->numel / known : 0;
	if (tr_prod(d, 0, cnt) != x->numel)
		return tr_errf(t, tn, err, OPR_ESHAPE, "cannot reshape %lld "
			       "values", (long long)x->numel);
	return tr_set_out(t, tn, 0, cnt, d, err);
}

static int flatten_setup(struct opr_train *t, struct tr_node *tn,
			 struct opr_err *err)
{
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t a = opr_node_attr_int(tn->n, "axis", 1), d[2];

	if (!x)
		return err->code;
	if (a < 0)
		a += x->rank;
	if (a < 0 || a > x->rank)
		return tr_errf(t, tn, err, OPR_ESHAPE, "axis out of range");
	d[0] = tr_prod(x->dims, 0, (int)a);
	d[1] = tr_prod(x->dims, (int)a, x->rank);
	return tr_set_out(t, tn, 0, 2, d, err);
}

/* Squeeze (add 0) or Unsqueeze (add 1) by the axes attribute or input 1. */
static int squeeze_dims(struct opr_train *t, struct tr_node *tn, int add,
			struct opr_err *err)
{
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t ax[OPR_MAX_RANK], d[OPR_MAX_RANK];
	char mark[OPR_MAX_RANK] = { 0 };
	int cnt = 0, rc, i, k, a, r;

	if (!x)
		return err->code;
	rc = tr_attr_ints(t, tn, "axes", ax, OPR_MAX_RANK, &cnt, err);
	if (rc == 0)
		rc = tr_const_ints(t, tn, 1, ax, OPR_MAX_RANK, &cnt, err);
	if (rc > 1)
		return rc;
	r = add ? x->rank + cnt : x->rank;
	if (r > OPR_MAX_RANK)
		return tr_errf(t, tn, err, OPR_ESHAPE, "rank %d", r);
	for (i = 0; i < cnt; i++) {
		if ((rc = tr_axis(t, tn, ax[i], r, &a, err)))
			return rc;
		if (!add && x->dims[a] != 1)
			return tr_errf(t, tn, err, OPR_ESHAPE, "axis %d is not 1", a);
		mark[a] = 1;
	}
	if (!add && !cnt)
		for (i = 0; i < x->rank; i++)
			mark[i] = x->dims[i] == 1;
	for (i = k = 0, a = 0; i < r; i++) {
		if (add)
			d[k++] = mark[i] ? 1 : x->dims[a++];
		else if (!mark[i])
			d[k++] = x->dims[i];
	}
	return tr_set_out(t, tn, 0, add ? r : k, d, err);
}

static int squeeze_setup(struct opr_train *t, struct tr_node *tn,
			 struct opr_err *err)
{
	return squeeze_dims(t, tn, 0, err);
}

static int unsqueeze_setup(struct opr_train *t, struct tr_node *tn,
			   struct opr_err *err)
{
	return squeeze_dims(t, tn, 1, err);
}

static int identity_setup(struct opr_train *t, struct tr_node *tn,
			  struct opr_err *err)
{
	struct tr_val *x = tr_need_in(t, tn, 0, err);

	if (!x)
		return err->code;
	if (tn->n->n_out > 1 && tn->n->out[1] >= 0)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "the mask output is "
			       "not computed");
	return tr_set_out(t, tn, 0, x->rank, x->dims, err);
}

static void view_fwd(struct opr_train *t, struct tr_node *tn)
{
	(void)t;
	(void)tn;
}

static void view_bwd(struct opr_train *t, struct tr_node *tn)
{
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);

	if (!y->grad || x->galias >= 0)
		return;
	tr_put(x->grad, y->grad, x->numel, 1.0f, tn->acc[0]);
}

static int transpose_setup(struct opr_train *t, struct tr_node *tn,
			   struct opr_err *err)
{
	struct tview *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t perm[OPR_MAX_RANK], xs[OPR_MAX_RANK];
	char seen[OPR_MAX_RANK] = { 0 };
	int cnt, rc, i;

	if (!x)
		return err->code;
	rc = tr_attr_ints(t, tn, "perm", perm, OPR_MAX_RANK, &cnt, err);
	if (rc > 1)
		return rc;
	if (rc == 0)
		for (i = 0, cnt = x->rank; i < x->rank; i++)
			perm[i] = x->rank - 1 - i;
	if (cnt != x->rank)
		return tr_errf(t, tn, err, OPR_ESHAPE, "perm of %d for rank %d",
			       cnt, x->rank);
	tr_strides(x->dims, x->rank, xs);
	p->rank = x->rank;
	for (i = 0; i < x->rank; i++) {
		if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]]++)
			return tr_errf(t, tn, err, OPR_ESHAPE, "bad perm");
		p->box[i] = x->dims[perm[i]];
		p->xs[i] = xs[perm[i]];
	}
	tr_strides(p->box, p->rank, p->ys);
	return tr_set_out(t, tn, 0, p->rank, p->box, err);
}

static void transpose_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tview *p = tn->p;

	tr_strided(t, p->rank, p->box, tr_in(t, tn, 0)->data, 0, p->xs,
		   tr_out(t, tn, 0)->data, 0, p->ys, 0);
}

static void transpose_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tview *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);

	if (y->grad)
		tr_strided(t, p->rank, p->box, y->grad, 0, p->ys, x->grad, 0,
			   p->xs, tn->acc[0]);
}

#define VIEW(name, fn)							\
	const struct tr_op name = {					\
		.param_size = sizeof(struct tview), .flags = TR_F_VIEW,	\
		.setup = fn, .fwd = view_fwd, .bwd = view_bwd		\
	}

VIEW(tr_op_reshape, reshape_setup);
VIEW(tr_op_flatten, flatten_setup);
VIEW(tr_op_squeeze, squeeze_setup);
VIEW(tr_op_unsqueeze, unsqueeze_setup);
VIEW(tr_op_identity, identity_setup);
VIEW(tr_op_dropout, identity_setup);

const struct tr_op tr_op_transpose = {
	.param_size = sizeof(struct tview),
	.setup = transpose_setup, .fwd = transpose_fwd, .bwd = transpose_bwd
};
