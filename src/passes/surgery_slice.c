/*
 * surgery_slice.c - the initializer edits of one node: conv weight rows
 * (output channels) and columns (input channels, per group for grouped
 * and depthwise convs), Gemm/MatMul weight columns and rows (a flattened
 * channel is the block of features Flatten made of it, so the columns go
 * with the stride of the map), biases (after folding, surgery_fold.c),
 * BatchNormalization parameters, per-channel constants of element-wise ops
 * and constant Concat inputs.  What goes is read from the kept slots of
 * the node's inputs and outputs.
 */
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

/* 1 when value v changes (it has slots that go). */
static int changed(const struct surg *s, int v)
{
	return v >= 0 && v < s->n_values && s->changed[v];
}

static int nomem(struct opr_err *err)
{
	return opr_errf(err, OPR_ENOMEM, "out of memory cutting weights");
}

/*
 * Queues input port of node := its constant cut along the axes with a keep
 * vector (keep[a] NULL: whole axis).
 */
static int cut_input(struct surg *s, int node, int port,
		     const unsigned char *const *keep, struct opr_err *err)
{
	const struct opr_value *x = &s->g->values[surg_in(s, node, port)];
	int64_t dims[OPR_MAX_RANK];
	size_t nb;
	void *p;

	p = surg_take(s->g, x->data, x->rank, x->dims, opr_dtype_size(x->dtype),
		      keep, dims, &nb);
	if (!p)
		return nomem(err);
	return surg_set_input(s, node, port, x->dtype, x->rank, dims, p, nb, err);
}

/* As cut_input() along one axis. */
static int cut_axis(struct surg *s, int node, int port, int axis,
		    const unsigned char *keep, struct opr_err *err)
{
	const unsigned char *k[OPR_MAX_RANK] = { 0 };

	k[axis] = keep;
	return cut_input(s, node, port, k, err);
}

/*
 * Queues input port of node := the folded bias s->bias[node] (n entries)
 * without the channels keep drops, as a float [n'] tensor.
 */
static int folded_bias(struct surg *s, int node, int port, int64_t n,
		       const unsigned char *keep, struct opr_err *err)
{
	float *b = opr_arena_alloc(&s->g->arena, (size_t)(n > 0 ? n : 1) * 4);
	int64_t i, m = 0, dims[1];

	if (!b)
		return nomem(err);
	for (i = 0; i < n; i++)
		if (!keep || keep[i])
			b[m++] = (float)s->bias[node][i];
	dims[0] = m;
	return surg_set_input(s, node, port, OPR_DT_FLOAT, 1, dims, b,
			      (size_t)m * 4, err);
}

/* Conv: weight rows and (per group) columns, bias. */
static int cut_conv(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), wv = surg_in(s, node, 1);
	int bv = surg_in(s, node, 2), y = surg_out(s, node, 0), rc;
	int64_t grp = opr_node_attr_int(&s->g->nodes[node], "group", 1);
	unsigned char *ko = NULL, *ki = NULL;
	const struct opr_value *w;
	int64_t dims[OPR_MAX_RANK], cout;
	size_t nb;
	void *p;

	if (!surg_is_const(s, wv) || s->g->values[wv].rank < 3 || grp < 1)
		return OPR_OK;
	w = &s->g->values[wv];
	cout = w->dims[0];
	if (changed(s, y) && !(ko = surg_keep_vec(s, y, cout)))
		return nomem(err);
	if (changed(s, x) && !(ki = surg_keep_vec(s, x, w->dims[1] * grp))) {
		free(ko);
		return nomem(err);
	}
	rc = OPR_OK;
	if (ko || ki) {
		rc = surg_take_conv(s->g, w, grp, ko, ki, &p, dims, &nb, err);
		if (rc == OPR_OK)
			rc = surg_set_input(s, node, 1, w->dtype, w->rank, dims, p,
					    nb, err);
	}
	if (rc == OPR_OK && s->bias[node])
		rc = folded_bias(s, node, 2, cout, ko, err);
	else if (rc == OPR_OK && ko && surg_is_const(s, bv))
		rc = cut_axis(s, node, 2, 0, ko, err);
	free(ko);
	free(ki);
	return rc;
}

/*
 * ConvTranspose (group 1): weight [cin, cout, ...] rows by the input's
 * kept channels, columns by the output's; bias.
 */
static int cut_convt(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), wv = surg_in(s, node, 1);
	int bv = surg_in(s, node, 2), y = surg_out(s, node, 0), rc = OPR_OK;
	const unsigned char *k[OPR_MAX_RANK] = { 0 };
	unsigned char *ko = NULL, *ki = NULL;
	const struct opr_value *w;

	if (!surg_is_const(s, wv) || s->g->values[wv].rank < 3 ||
	    opr_node_attr_int(&s->g->nodes[node], "group", 1) != 1)
		return OPR_OK;
	w = &s->g->values[wv];
	if (changed(s, y) && !(ko = surg_keep_vec(s, y, w->dims[1])))
		return nomem(err);
	if (changed(s, x) && !(ki = surg_keep_vec(s, x, w->dims[0]))) {
		free(ko);
		return nomem(err);
	}
	k[0] = ki;
	k[1] = ko;
	if (ko || ki)
		rc = cut_input(s, node, 1, k, err);
	if (rc == OPR_OK && ko && surg_is_const(s, bv))
		rc = cut_axis(s, node, 2, 0, ko, err);
	free(ko);
	free(ki);
	return rc;
}

/* Gemm C (or MatMul's folded bias): entries of the kept outputs. */
static int cut_gemm_c(struct surg *s, int node, int64_t m,
		      const unsigned char *ko, struct opr_err *err)
{
	int cv = surg_in(s, node, 2);
	const struct opr_value *c;
	struct surg_edit e;
	int rc;

	if (s->bias[node]) {
		if (s->g->nodes[node].op == OPR_OP_MATMUL) {
			memset(&e, 0, sizeof(e));
			e.kind = SURG_TO_GEMM;
			e.node = node;
			if ((rc = surg_push(s, &e, err)))
				return rc;
		}
		return folded_bias(s, node, 2, m, ko, err);
	}
	if (!ko || !surg_is_const(s, cv))
		return OPR_OK;
	c = &s->g->values[cv];
	if (c->rank >= 1 && m > 1 && c->dims[c->rank - 1] == m)
		return cut_axis(s, node, 2, c->rank - 1, ko, err);
	return OPR_OK;	/* broadcast over the outputs */
}

/* Gemm and MatMul with a constant [K, M] (or [M, K]) weight. */
static int cut_gemm(struct surg *s, int node, struct opr_err *err)
{
	int a = surg_in(s, node, 0), bv = surg_in(s, node, 1);
	int y = surg_out(s, node, 0), rc = OPR_OK;
	int tb = s->g->nodes[node].op == OPR_OP_GEMM &&
		 opr_node_attr_int(&s->g->nodes[node], "transB", 0);
	const unsigned char *k[OPR_MAX_RANK] = { 0 };
	unsigned char *ko = NULL, *ki = NULL;
	const struct opr_value *w;
	int64_t m, kk;

	if (!surg_is_const(s, bv) || s->g->values[bv].rank != 2)
		return OPR_OK;
	w = &s->g->values[bv];
	kk = w->dims[tb ? 1 : 0];
	m = w->dims[tb ? 0 : 1];
	if (changed(s, y) && !(ko = surg_keep_vec(s, y, m)))
		return nomem(err);
	if (changed(s, a) && !(ki = surg_keep_vec(s, a, kk))) {
		free(ko);
		return nomem(err);
	}
	k[tb ? 0 : 1] = ko;
	k[tb ? 1 : 0] = ki;
	if (ko || ki)
		rc = cut_input(s, node, 1, k, err);
	if (rc == OPR_OK)
		rc = cut_gemm_c(s, node, m, ko, err);
	free(ko);
	free(ki);
	return rc;
}

/* BatchNormalization: scale, bias, mean and variance of kept channels. */
static int cut_bn(struct surg *s, int node, struct opr_err *err)
{
	int y = surg_out(s, node, 0), k, p, rc = OPR_OK;
	int64_t c = surg_chan_n(s, y);
	unsigned char *ko;

	if (!changed(s, y) || c < 1)
		return OPR_OK;
	if (!(ko = surg_keep_vec(s, y, c)))
		return nomem(err);
	for (k = 1; k <= 4 && rc == OPR_OK; k++) {
		p = surg_in(s, node, k);
		if (!surg_is_const(s, p) || s->g->values[p].rank != 1 ||
		    s->g->values[p].dims[0] != c)
			rc = opr_errf(err, OPR_EINTERNAL, "surgery: parameter %d "
				      "of BatchNormalization '%s' is not a "
				      "constant of %lld entries", k,
				      s->g->nodes[node].name, (long long)c);
		else
			rc = cut_axis(s, node, k, 0, ko, err);
	}
	free(ko);
	return rc;
}

/*
 * Add, Sub, Mul, Div, Sum, PRelu: a constant operand whose channel axis
 * (aligned with the output's axis 1) has the output's channels is cut with
 * them; size-1 axes broadcast and stay.
 */
static int cut_elemwise(struct surg *s, int node, struct opr_err *err)
{
	const struct opr_node *n = &s->g->nodes[node];
	int y = surg_out(s, node, 0), i, ax, rc = OPR_OK;
	const struct opr_deps_view *yv = surg_view(s, y);
	unsigned char *ko;
	int64_t c;

	if (!changed(s, y) || !yv || yv->k != 1)
		return OPR_OK;
	c = s->g->values[y].dims[1];
	if (!(ko = surg_keep_vec(s, y, c)))
		return nomem(err);
	for (i = 0; i < n->n_in && rc == OPR_OK; i++) {
		const struct opr_value *v;

		if (!surg_is_const(s, n->in[i]))
			continue;
		v = &s->g->values[n->in[i]];
		ax = 1 - (s->g->values[y].rank - v->rank);
		if (ax >= 0 && ax < v->rank && v->dims[ax] == c && c > 1)
			rc = cut_axis(s, node, i, ax, ko, err);
	}
	free(ko);
	return rc;
}

/* Concat on axis 1: constant inputs lose the channels that go. */
static int cut_concat(struct surg *s, int node, struct opr_err *err)
{
	const struct opr_node *n = &s->g->nodes[node];
	int y = surg_out(s, node, 0), i, ax, rc = OPR_OK;
	const struct opr_deps_view *yv = surg_view(s, y);
	unsigned char *keep;
	int64_t off = 0, cnt, c;

	if (!changed(s, y) || !yv || yv->k != 1 ||
	    opr_norm_axis(opr_node_attr_int(n, "axis", 0),
			  s->g->values[y].rank, &ax) || ax != 1)
		return OPR_OK;
	for (i = 0; i < n->n_in && rc == OPR_OK; i++, off += cnt) {
		const struct opr_value *v;

		cnt = 0;
		if (n->in[i] < 0)
			continue;
		v = &s->g->values[n->in[i]];
		cnt = v->rank >= 2 ? v->dims[1] : 0;
		if (!surg_is_const(s, n->in[i]) || cnt < 1)
			continue;
		if (!(keep = malloc((size_t)cnt)))
			return nomem(err);
		for (c = 0; c < cnt; c++)
			keep[c] = (unsigned char)surg_keep1(s, y, (int)(off + c));
		rc = cut_axis(s, node, i, 1, keep, err);
		free(keep);
	}
	return rc;
}

int surg_slice_node(struct surg *s, int node, struct opr_err *err)
{
	const struct opr_node *n = &s->g->nodes[node];

	switch (n->op) {
	case OPR_OP_CONV:
		return cut_conv(s, node, err);
	case OPR_OP_CONVTRANSPOSE:
		return cut_convt(s, node, err);
	case OPR_OP_GEMM:
	case OPR_OP_MATMUL:
		return cut_gemm(s, node, err);
	case OPR_OP_BATCHNORM:
		return cut_bn(s, node, err);
	case OPR_OP_CONCAT:
		return cut_concat(s, node, err);
	default:
		break;
	}
	if (n->op > 0 && n->op < OPR_OP_COUNT &&
	    opr_ops[n->op].chan == OPR_CHAN_ELEMWISE)
		return cut_elemwise(s, node, err);
	return OPR_OK;
}
