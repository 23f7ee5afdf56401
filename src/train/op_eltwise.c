/*
 * op_eltwise.c - Add, Sub, Mul and Div with numpy broadcasting, for
 * training.  The runtime's broadcast plan (broadcast.c) collapses the
 * output into rows whose inner run reads each input contiguously or as
 * one repeated element.  The backward of an input of the output's size is
 * element-wise and parallel; the gradient of a broadcast input is the sum
 * of the output gradient over the broadcast axes, accumulated row by row
 * in order on one thread (such inputs are biases and scales: small).
 */
#include <string.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

struct tbin {
	int op;			/* RT_ADD, RT_SUB, RT_MUL or RT_DIV */
	struct rt_bcast pl;	/* a and b onto the output */
	int full_a, full_b;	/* the input has the output's size */
	int64_t numel;		/* output elements */
};

static int setup_op(struct opr_train *t, struct tr_node *tn, int op,
		    struct opr_err *err)
{
	struct tbin *p = tn->p;
	struct tr_val *a = tr_need_in(t, tn, 0, err);
	struct tr_val *b = a ? tr_need_in(t, tn, 1, err) : NULL;
	int64_t d[OPR_MAX_RANK];
	int r;

	if (!b)
		return err->code;
	if (opr_rt_bcast_shape(a->rank, a->dims, b->rank, b->dims, &r, d))
		return tr_errf(t, tn, err, OPR_ESHAPE, "shapes do not broadcast");
	p->op = op;
	opr_rt_bcast_plan(&p->pl, r, d, a->rank, a->dims, b->rank, b->dims);
	p->numel = tr_prod(d, 0, r);
	p->full_a = a->numel == p->numel;
	p->full_b = b->numel == p->numel;
	return tr_set_out(t, tn, 0, r, d, err);
}

static int add_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_op(t, tn, RT_ADD, err);
}

static int sub_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_op(t, tn, RT_SUB, err);
}

static int mul_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_op(t, tn, RT_MUL, err);
}

static int div_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_op(t, tn, RT_DIV, err);
}

struct bin_job {
	const struct tbin *p;
	const float *a, *b, *dy;
	float *y;
	float *g;		/* backward: the gradient being made */
	int which;		/* backward: 0 for a, 1 for b */
	int acc;		/* backward: add to g (full inputs) */
};

static inline float apply(int op, float a, float b)
{
	return op == RT_ADD ? a + b : op == RT_SUB ? a - b :
	       op == RT_MUL ? a * b : a / b;
}

static void fwd_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct bin_job *j = arg;
	const struct rt_bcast *pl = &j->p->pl;
	int64_t ia = pl->sa[pl->rank - 1], ib = pl->sb[pl->rank - 1], r, i, oa, ob;

	(void)tid;
	for (r = r0; r < r1; r++) {
		float *y = j->y + r * pl->inner;

		opr_rt_bcast_row(pl, r, &oa, &ob);
		if (ia && ib && j->p->op == RT_ADD) {
			tk_add(j->a + oa, j->b + ob, y, pl->inner);
			continue;
		}
		for (i = 0; i < pl->inner; i++)
			y[i] = apply(j->p->op, j->a[oa + i * ia], j->b[ob + i * ib]);
	}
}

/* Same-shape inputs: element-wise over [b0, b1). */
static void fwd_full(void *arg, int64_t b0, int64_t b1, int tid)
{
	const struct bin_job *j = arg;
	int64_t i;

	(void)tid;
	if (j->p->op == RT_ADD) {
		tk_add(j->a + b0, j->b + b0, j->y + b0, b1 - b0);
		return;
	}
	for (i = b0; i < b1; i++)
		j->y[i] = apply(j->p->op, j->a[i], j->b[i]);
}

static void bin_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbin *p = tn->p;
	struct bin_job j = { p, tr_in(t, tn, 0)->data, tr_in(t, tn, 1)->data,
			     NULL, tr_out(t, tn, 0)->data, NULL, 0, 0 };

	if (p->full_a && p->full_b)
		tr_range(t, p->numel, 16384, fwd_full, &j);
	else
		tr_range(t, p->pl.rows, 16384 / (p->pl.inner + 1) + 1, fwd_rows, &j);
}

/* d(output)/d(input which) at one element, times dy. */
static inline float local(int op, int which, float a, float b, float dy)
{
	switch (op) {
	case RT_ADD:
		return dy;
	case RT_SUB:
		return which ? -dy : dy;
	case RT_MUL:
		return which ? dy * a : dy * b;
	default:
		return which ? -dy * a / (b * b) : dy / b;
	}
}

/* Rows [r0, r1) of the gradient of input j->which, added into j->g. */
static void grad_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct bin_job *j = arg;
	const struct rt_bcast *pl = &j->p->pl;
	int64_t ia = pl->sa[pl->rank - 1], ib = pl->sb[pl->rank - 1], r, i, oa, ob;
	int op = j->p->op, w = j->which;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *dy = j->dy + r * pl->inner;
		int64_t is = w ? ib : ia;
		float *g;

		opr_rt_bcast_row(pl, r, &oa, &ob);
		g = j->g + (w ? ob : oa);
		if (op == RT_ADD || op == RT_SUB) {
			float sg = op == RT_SUB && w ? -1.0f : 1.0f;

			if (is)
				tk_scale(dy, g, pl->inner, sg, 1);
			else
				g[0] += sg * (float)tk_sum(dy, pl->inner);
			continue;
		}
		for (i = 0; i < pl->inner; i++)
			g[i * is] += local(op, w, j->a[oa + i * ia],
					   j->b[ob + i * ib], dy[i]);
	}
}

/* An input of the output's size, same-shape inputs: element-wise. */
static void grad_full(void *arg, int64_t b0, int64_t b1, int tid)
{
	const struct bin_job *j = arg;
	int op = j->p->op, w = j->which;
	int64_t i;

	(void)tid;
	if (op == RT_SUB && w) {
		tk_scale(j->dy + b0, j->g + b0, b1 - b0, -1.0f, j->acc);
		return;
	}
	if (op == RT_ADD || op == RT_SUB) {
		if (j->acc)
			tk_add(j->g + b0, j->dy + b0, j->g + b0, b1 - b0);
		else
			memcpy(j->g + b0, j->dy + b0, (size_t)(b1 - b0) * sizeof(float));
		return;
	}
	for (i = b0; i < b1; i++) {
		float d = local(op, w, j->a[i], j->b[i], j->dy[i]);

		j->g[i] = j->acc ? j->g[i] + d : d;
	}
}

static void bin_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbin *p = tn->p;
	struct tr_val *y = tr_out(t, tn, 0);
	struct bin_job j = { p, tr_in(t, tn, 0)->data, tr_in(t, tn, 1)->data,
			     y->grad, NULL, NULL, 0, 0 };
	int w;

	if (!y->grad)
		return;
	if (p->op == RT_ADD || p->op == RT_SUB)
		j.a = j.b = NULL;	/* not kept, not needed */
	for (w = 0; w < 2; w++) {
		struct tr_val *x = tr_in(t, tn, w);
		int same = p->full_a && p->full_b;

		if (!x->need_grad)
			continue;
		j.which = w;
		j.g = x->grad;
		j.acc = tn->acc[w];
		if (same) {
			tr_range(t, p->numel, 16384, grad_full, &j);
			continue;
		}
		if (!j.acc)
			memset(x->grad, 0, (size_t)x->numel * sizeof(float));
		if (w ? p->full_b : p->full_a)	/* rows write disjoint parts */
			tr_range(t, p->pl.rows, 16384 / (p->pl.inner + 1) + 1,
				 grad_rows, &j);
		else
			grad_rows(&j, 0, p->pl.rows, 0);
	}
}

const struct tr_op tr_op_add = {
	.param_size = sizeof(struct tbin),
	.setup = add_setup, .fwd = bin_fwd, .bwd = bin_bwd
};
const struct tr_op tr_op_sub = {
	.param_size = sizeof(struct tbin),
	.setup = sub_setup, .fwd = bin_fwd, .bwd = bin_bwd
};
const struct tr_op tr_op_mul = {
	.param_size = sizeof(struct tbin), .flags = TR_F_KEEP_IN0 | TR_F_KEEP_IN1,
	.setup = mul_setup, .fwd = bin_fwd, .bwd = bin_bwd
};
const struct tr_op tr_op_div = {
	.param_size = sizeof(struct tbin), .flags = TR_F_KEEP_IN0 | TR_F_KEEP_IN1,
	.setup = div_setup, .fwd = bin_fwd, .bwd = bin_bwd
};
