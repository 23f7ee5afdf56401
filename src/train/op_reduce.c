/*
 * op_reduce.c - ReduceMean for training (axes as an attribute or, from
 * opset 18, an input; keepdims; noop_with_empty_axes).  Each output
 * element is the mean of a box of the input (the reduced axes at the
 * element's kept indices); the backward spreads dy / count over that box.
 * Output elements are spread over the threads: their boxes are disjoint.
 */
#include <string.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

struct tred {
	int nk, nr;			/* kept and reduced axes */
	int64_t kd[OPR_MAX_RANK];	/* kept dims */
	int64_t ks[OPR_MAX_RANK];	/* their input strides */
	int64_t rd[OPR_MAX_RANK];	/* reduced dims (innermost last) */
	int64_t rs[OPR_MAX_RANK];	/* their input strides */
	int64_t count;			/* elements per box */
	int64_t out;			/* output elements */
};

static int reduce_setup(struct opr_train *t, struct tr_node *tn,
			struct opr_err *err)
{
	struct tred *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t ax[OPR_MAX_RANK], xs[OPR_MAX_RANK], d[OPR_MAX_RANK];
	char red[OPR_MAX_RANK] = { 0 };
	int keep = opr_node_attr_int(tn->n, "keepdims", 1) != 0;
	int cnt = 0, rc, i, a, r = 0;

	if (!x)
		return err->code;
	rc = tr_attr_ints(t, tn, "axes", ax, OPR_MAX_RANK, &cnt, err);
	if (rc == 0)
		rc = tr_const_ints(t, tn, 1, ax, OPR_MAX_RANK, &cnt, err);
	if (rc > 1)
		return rc;
	for (i = 0; i < cnt; i++) {
		if ((rc = tr_axis(t, tn, ax[i], x->rank, &a, err)))
			return rc;
		red[a] = 1;
	}
	if (!cnt && !opr_node_attr_int(tn->n, "noop_with_empty_axes", 0))
		memset(red, 1, sizeof(red));
	tr_strides(x->dims, x->rank, xs);
	p->nk = p->nr = 0;
	p->count = 1;
	for (i = 0; i < x->rank; i++) {
		if (red[i]) {
			p->rd[p->nr] = x->dims[i];
			p->rs[p->nr++] = xs[i];
			p->count *= x->dims[i];
			if (keep)
				d[r++] = 1;
		} else {
			p->kd[p->nk] = x->dims[i];
			p->ks[p->nk++] = xs[i];
			d[r++] = x->dims[i];
		}
	}
	p->out = tr_prod(p->kd, 0, p->nk);
	return tr_set_out(t, tn, 0, r, d, err);
}

struct red_job {
	const struct tred *p;
	const float *x, *dy;
	float *y, *dx;
	int acc;
};

/* Input offset of the first element of output o's box. */
static int64_t base_of(const struct tred *p, int64_t o)
{
	int64_t off = 0;
	int i;

	for (i = p->nk - 1; i >= 0; i--) {
		off += (o % p->kd[i]) * p->ks[i];
		o /= p->kd[i];
	}
	return off;
}

/*
 * Visits the box at base: forward returns its sum; backward (dx set)
 * puts v into every element.
 */
static double visit(const struct red_job *j, int64_t base, float v)
{
	const struct tred *p = j->p;
	int64_t idx[OPR_MAX_RANK] = { 0 }, inner, rows, r, i, off;
	int inner_c, a;
	double s = 0;

	if (p->nr == 0) {
		if (j->dx)
			j->dx[base] = j->acc ? j->dx[base] + v : v;
		return j->dx ? 0 : j->x[base];
	}
	inner = p->rd[p->nr - 1];
	inner_c = p->rs[p->nr - 1] == 1;
	rows = p->count / (inner ? inner : 1);
	for (r = 0; r < rows && inner; r++) {
		for (a = 0, off = base; a < p->nr - 1; a++)
			off += idx[a] * p->rs[a];
		if (!j->dx && inner_c)
			s += tk_sum(j->x + off, inner);
		else if (!j->dx)
			for (i = 0; i < inner; i++)
				s += j->x[off + i * p->rs[p->nr - 1]];
		else
			for (i = 0; i < inner; i++) {
				float *q = j->dx + off + i * p->rs[p->nr - 1];

				*q = j->acc ? *q + v : v;
			}
		for (a = p->nr - 2; a >= 0 && ++idx[a] == p->rd[a]; a--)
			idx[a] = 0;
	}
	return s;
}

static void fwd_out(void *arg, int64_t o0, int64_t o1, int tid)
{
	const struct red_job *j = arg;
	int64_t o;

	(void)tid;
	for (o = o0; o < o1; o++)
		j->y[o] = j->p->count ? (float)(visit(j, base_of(j->p, o), 0) /
						(double)j->p->count) : 0;
}

static void bwd_out(void *arg, int64_t o0, int64_t o1, int tid)
{
	const struct red_job *j = arg;
	int64_t o;

	(void)tid;
	for (o = o0; o < o1; o++)
		visit(j, base_of(j->p, o), j->dy[o] / (float)j->p->count);
}

static void reduce_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tred *p = tn->p;
	struct red_job j = { p, tr_in(t, tn, 0)->data, NULL,
			     tr_out(t, tn, 0)->data, NULL, 0 };

	tr_range(t, p->out, 16384 / (p->count + 1) + 1, fwd_out, &j);
}

static void reduce_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tred *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);
	struct red_job j = { p, NULL, y->grad, NULL, x->grad, tn->acc[0] };

	if (!y->grad || !p->count)
		return;
	tr_range(t, p->out, 16384 / (p->count + 1) + 1, bwd_out, &j);
}

const struct tr_op tr_op_reducemean = {
	.param_size = sizeof(struct tred),
	.setup = reduce_setup, .fwd = reduce_fwd, .bwd = reduce_bwd
};
