/*
 * stats.c - parameter and MAC counts of a graph (opr_model_stats()), the
 * numbers `onnx-prune info` and `--report` print.
 *
 * Parameters.  Only compute nodes own parameters: Conv, ConvTranspose, Gemm,
 * MatMul, BatchNormalization and PRelu.  Every floating-point initializer
 * (float, float16, bfloat16, double) that such a node reads counts with its
 * element count: weights, biases, PRelu slopes and all four BN tensors
 * (scale, bias, running mean and variance).  An initializer read by several
 * compute nodes counts once, for the first of them in node order.
 * Initializers read only by other nodes (Pad values, Reshape shapes, an
 * Add after a MatMul, ...) are not parameters.
 *
 * MACs, for one sample (batch 1).  Dim 0 of an activation is the batch and
 * counts as 1 whatever its value, known or not ("per sample" below is the
 * product of dims 1..rank-1, or of all dims for a rank-1 tensor):
 *   Conv           per-sample outputs * (C_in/group * kh * kw ...)
 *                  = N_out*H_out*W_out * (C_in/group)*kh*kw, i.e. the
 *                  product of the weight's dims 1.. for every output
 *   ConvTranspose  per-sample inputs * (C_out/group * kh * kw ...), the
 *                  same with the roles of input and output swapped
 *   Gemm, MatMul   per-sample outputs * K = M*K*N with M = 1 for a
 *                  rank-2 [batch, K] input
 * Not counted: BatchNormalization, activations, pools, Add/Mul and every
 * other elementwise or data-movement op, and bias additions.  When a shape
 * that a count needs is not known statically the layer's macs is -1, the
 * total leaves it out and n_unknown counts it.  A tensor of known dims whose
 * element count overflows int64 is an error (OPR_ESHAPE), not "unknown".
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* 1 for the element types whose initializers count as parameters. */
static int is_float(int dtype)
{
	return dtype == OPR_DT_FLOAT || dtype == OPR_DT_FLOAT16 ||
	       dtype == OPR_DT_BFLOAT16 || dtype == OPR_DT_DOUBLE;
}

/* 1 for the ops that own parameters and (but BN and PRelu) MACs. */
static int is_compute(enum opr_op op)
{
	switch (op) {
	case OPR_OP_CONV:
	case OPR_OP_CONVTRANSPOSE:
	case OPR_OP_GEMM:
	case OPR_OP_MATMUL:
	case OPR_OP_BATCHNORM:
	case OPR_OP_PRELU:
		return 1;
	default:
		return 0;
	}
}

/* Product of dims[from..rank) into *out; -1 when unknown or overflowing. */
static int dims_prod(const struct opr_value *v, int from, int64_t *out)
{
	if (v->rank < from)
		return -1;
	return opr_numel(v->dims + from, v->rank - from, out);
}

/* Per-sample element count of activation v (see the file comment). */
static int per_sample(const struct opr_value *v, int64_t *out)
{
	if (v->rank < 0)
		return -1;
	return dims_prod(v, v->rank >= 2 ? 1 : 0, out);
}

/* 1 when every dim of v is known but their product overflows int64. */
static int overflows(const struct opr_value *v)
{
	int64_t n;
	int i;

	if (!v || v->rank < 0)
		return 0;
	for (i = 0; i < v->rank; i++)
		if (v->dims[i] < 0)
			return 0;
	return opr_numel(v->dims, v->rank, &n) != 0;
}

/* Value at input slot k of node n, or NULL when absent. */
static const struct opr_value *input(const struct opr_graph *g,
				     const struct opr_node *n, int k)
{
	if (k >= n->n_in || n->in[k] < 0 || n->in[k] >= g->n_values)
		return NULL;
	return &g->values[n->in[k]];
}

/* First output of node n, or NULL when absent. */
static const struct opr_value *output0(const struct opr_graph *g,
				       const struct opr_node *n)
{
	if (n->n_out < 1 || n->out[0] < 0 || n->out[0] >= g->n_values)
		return NULL;
	return &g->values[n->out[0]];
}

/* The reduction length K of a Gemm or MatMul, -1 when unknown. */
static int64_t gemm_k(const struct opr_graph *g, const struct opr_node *n)
{
	const struct opr_value *a = input(g, n, 0), *b = input(g, n, 1);

	if (n->op == OPR_OP_GEMM) {
		if (b && b->rank == 2)
			return b->dims[opr_node_attr_int(n, "transB", 0) ? 1 : 0];
		if (a && a->rank == 2)
			return a->dims[opr_node_attr_int(n, "transA", 0) ? 0 : 1];
		return -1;
	}
	if (b && b->rank >= 1)
		return b->dims[b->rank >= 2 ? b->rank - 2 : 0];
	if (a && a->rank >= 1)
		return a->dims[a->rank - 1];
	return -1;
}

/*
 * MACs of node i into *macs: 0 for ops that are not counted, -1 when a
 * shape is unknown.  Returns OPR_OK or OPR_ESHAPE when the count overflows.
 */
static int node_macs(const struct opr_graph *g, int i, int64_t *macs,
		     struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[i];
	const struct opr_value *w = input(g, n, 1), *y = output0(g, n);
	const struct opr_value *x = input(g, n, 0), *big;
	int64_t a = -1, b = -1;
	char buf[300];

	*macs = 0;
	switch (n->op) {
	case OPR_OP_CONV:
		if (!w || !y || per_sample(y, &a) || dims_prod(w, 1, &b))
			a = -1;
		break;
	case OPR_OP_CONVTRANSPOSE:
		if (!w || !x || per_sample(x, &a) || dims_prod(w, 1, &b))
			a = -1;
		break;
	case OPR_OP_GEMM:
	case OPR_OP_MATMUL:
		b = gemm_k(g, n);
		if (!y || per_sample(y, &a))
			a = -1;
		break;
	default:
		return OPR_OK;
	}
	big = overflows(x) ? x : overflows(w) ? w : overflows(y) ? y : NULL;
	if (big)
		return opr_errf(err, OPR_ESHAPE,
				"%s%s%s: tensor '%s' has more elements than int64 "
				"can count (the product of its dims overflows)",
				g->path ? g->path : "", g->path ? ": " : "",
				opr_node_desc(g, i, buf, sizeof(buf)), big->name);
	if (a < 0 || b < 0) {
		*macs = -1;
		return OPR_OK;
	}
	if (__builtin_mul_overflow(a, b, macs))
		return opr_errf(err, OPR_ESHAPE, "%s%s%s: MAC count overflows int64",
				g->path ? g->path : "", g->path ? ": " : "",
				opr_node_desc(g, i, buf, sizeof(buf)));
	return OPR_OK;
}

/*
 * Parameters of node i into *params, marking the initializers it counts in
 * seen[] so that a shared one counts once.  Returns OPR_OK or OPR_ESHAPE.
 */
static int node_params(const struct opr_graph *g, int i, char *seen,
		       int64_t *params, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[i];
	int64_t sum = 0, numel;
	char buf[300];
	int k;

	*params = 0;
	if (!is_compute(n->op))
		return OPR_OK;
	for (k = 0; k < n->n_in; k++) {
		int v = n->in[k];
		const struct opr_value *val;

		if (v < 0 || v >= g->n_values || seen[v])
			continue;
		val = &g->values[v];
		if (!val->is_initializer || !is_float(val->dtype))
			continue;
		seen[v] = 1;
		if (opr_numel(val->dims, val->rank, &numel) ||
		    __builtin_add_overflow(sum, numel, &sum))
			return opr_errf(err, OPR_ESHAPE,
					"%s%s%s: initializer '%s' has no countable size",
					g->path ? g->path : "", g->path ? ": " : "",
					opr_node_desc(g, i, buf, sizeof(buf)),
					val->name);
	}
	*params = sum;
	return OPR_OK;
}

int opr_model_stats(const struct opr_graph *g, struct opr_model_stats *st,
		    struct opr_err *err)
{
	char *seen;
	int i, rc = OPR_OK;

	memset(st, 0, sizeof(*st));
	seen = calloc((size_t)g->n_values + 1, 1);
	st->layers = calloc((size_t)g->n_nodes + 1, sizeof(*st->layers));
	if (!seen || !st->layers) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory counting parameters");
		goto out;
	}
	st->n_layers = g->n_nodes;
	for (i = 0; i < g->n_nodes; i++) {
		struct opr_layer_stats *l = &st->layers[i];

		l->node = i;
		if (g->nodes[i].dead)
			continue;
		rc = node_params(g, i, seen, &l->params, err);
		if (rc == OPR_OK)
			rc = node_macs(g, i, &l->macs, err);
		if (rc != OPR_OK)
			goto out;
		if (l->macs < 0)
			st->n_unknown++;
		if (__builtin_add_overflow(st->params, l->params, &st->params) ||
		    __builtin_add_overflow(st->macs, l->macs < 0 ? 0 : l->macs,
					   &st->macs)) {
			rc = opr_errf(err, OPR_ESHAPE, "%s%smodel cost overflows int64",
				      g->path ? g->path : "", g->path ? ": " : "");
			goto out;
		}
	}
out:
	free(seen);
	if (rc != OPR_OK)
		opr_stats_free(st);
	return rc;
}

void opr_stats_free(struct opr_model_stats *st)
{
	if (!st)
		return;
	free(st->layers);
	memset(st, 0, sizeof(*st));
}
