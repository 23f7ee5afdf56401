/*
 * surgery_fold.c - folding the constant of a removed channel into the
 * biases of its consumers (field-notes D.21): when input channel c of a
 * producer holds the constant k everywhere (surgery_cst.c), dropping it
 * takes k * sum(W[o, c, ...]) away from every output o; adding that to
 * bias[o] is exact for a Conv without zero padding (the borders of a
 * padded conv see zeros, not k) and for Gemm and MatMul (a MatMul becomes
 * a Gemm to get a bias).  Elsewhere (a padded conv, ConvTranspose, Gemm
 * with beta 0 or a C per row) the constant is dropped and counted.
 * Biases are kept in double, full size, in s->bias; surgery_slice.c cuts
 * them with the rest.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

/*
 * s->bias[node] with n entries, made from the node's bias (input 2; one
 * value broadcast or n values; absent: zeros) the first time.  1 when
 * there, 0 when the bias has another shape, -1 when out of memory.
 */
static int bias_of(struct surg *s, int node, int64_t n)
{
	int bv = surg_in(s, node, 2);
	const float *f;
	int64_t nb, i;
	double *b;

	if (s->bias[node])
		return 1;
	if (bv >= 0 && (surg_floats(s, bv, &f, &nb) || (nb != 1 && nb != n)))
		return 0;
	b = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
	if (!b)
		return -1;
	for (i = 0; i < n; i++)
		b[i] = bv < 0 ? 0 : f[nb == 1 ? 0 : i];
	s->bias[node] = b;
	return 1;
}

/* 1 when Conv node pads nothing (explicitly or by auto_pad). */
static int conv_unpadded(const struct surg *s, int node)
{
	const struct opr_node *n = &s->g->nodes[node];
	const struct opr_attr *ap = opr_node_attr(n, "auto_pad");
	int64_t p[2 * OPR_MAX_RANK];
	int np, i;

	if (ap && ap->s && strcmp(ap->s, "NOTSET") && strcmp(ap->s, "VALID"))
		return 0;
	if (opr_attr_ints(n, "pads", p, 2 * OPR_MAX_RANK, &np) != 1)
		return 1;
	for (i = 0; i < np; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Conv: bias[o] += k * sum W[o, c in its group, ...].  1 folded, 2 when
 * every output of c's group goes too, 0 not exact, -1 out of memory.
 */
static int fold_conv(struct surg *s, int node, int c, double k)
{
	int wv = surg_in(s, node, 1), r;
	int64_t grp = opr_node_attr_int(&s->g->nodes[node], "group", 1);
	const struct opr_value *w = &s->g->values[wv];
	int64_t nw, cin_g, per, inner = 1, j, o, i;
	const float *f;
	double sum;

	if (surg_floats(s, wv, &f, &nw) || w->rank < 3 || grp < 1)
		return 0;
	for (r = 2; r < w->rank; r++)
		inner *= w->dims[r];
	cin_g = w->dims[1];
	per = w->dims[0] / grp;
	j = c / cin_g;
	if (j >= grp)
		return 0;
	for (o = j * per; o < (j + 1) * per; o++)
		if (surg_keep1(s, surg_out(s, node, 0), (int)o))
			break;
	if (o == (j + 1) * per)
		return 2;	/* its outputs go too (depthwise): nothing to do */
	if (!conv_unpadded(s, node))
		return 0;
	if ((r = bias_of(s, node, w->dims[0])) <= 0)
		return r;
	for (o = j * per; o < (j + 1) * per; o++) {
		const float *row = f + (o * cin_g + (c - j * cin_g)) * inner;

		for (i = 0, sum = 0; i < inner; i++)
			sum += row[i];
		s->bias[node][o] += k * sum;
	}
	return 1;
}

/*
 * Gemm / MatMul: C[m] += alpha * k * B[c, m] / beta (C is the bias before
 * beta scales it).  1, 0 or -1.
 */
static int fold_gemm(struct surg *s, int node, int c, double k)
{
	const struct opr_node *n = &s->g->nodes[node];
	int wv = surg_in(s, node, 1), gemm = n->op == OPR_OP_GEMM, r;
	int tb = gemm && opr_node_attr_int(n, "transB", 0);
	double alpha = gemm ? opr_node_attr_float(n, "alpha", 1) : 1;
	double beta = gemm ? opr_node_attr_float(n, "beta", 1) : 1;
	const struct opr_value *w = &s->g->values[wv];
	int64_t nw, kk, m, i;
	const float *f;

	if (surg_floats(s, wv, &f, &nw) || w->rank != 2 || beta == 0)
		return 0;
	kk = w->dims[tb ? 1 : 0];
	m = w->dims[tb ? 0 : 1];
	if (c >= kk)
		return 0;
	if ((r = bias_of(s, node, m)) <= 0)
		return r;
	for (i = 0; i < m; i++)
		s->bias[node][i] += alpha * k * f[tb ? i * kk + c : c * m + i] / beta;
	return 1;
}

/* Counts (and with OPR_SURGERY_VERBOSE reports) a constant not folded. */
static void unfolded(struct surg *s, int node, int c, double k)
{
	char nd[320];

	s->st.unfolded++;
	if (s->st.first_unfolded < 0)
		s->st.first_unfolded = node;
	if (s->verbose)
		fprintf(stderr, "onnx-prune: surgery: input channel %d of %s holds "
			"the constant %g; not folded (not exact there)\n", c,
			opr_node_desc(s->g, node, nd, sizeof(nd)), k);
}

/* Every removed, constant, non-zero input channel of producer node. */
static int fold_node(struct surg *s, int node, struct opr_err *err)
{
	const struct opr_node *n = &s->g->nodes[node];
	int x = surg_in(s, node, 0), cn = surg_chan_n(s, x), c, r;
	double k;

	for (c = 0; c < cn; c++) {
		if (surg_keep1(s, x, c))
			continue;
		k = surg_cst(s, x, surg_chan_slot(s, x, c));
		if (isnan(k) || k == 0)
			continue;
		r = 0;
		if (isfinite(k) && n->op == OPR_OP_CONV)
			r = fold_conv(s, node, c, k);
		else if (isfinite(k) && (n->op == OPR_OP_GEMM || n->op == OPR_OP_MATMUL))
			r = fold_gemm(s, node, c, k);
		if (r < 0)
			return opr_errf(err, OPR_ENOMEM, "out of memory folding "
					"constants");
		if (r == 1)
			s->st.folded++;
		else if (r == 2)
			continue;
		else
			unfolded(s, node, c, k);
	}
	return OPR_OK;
}

int surg_fold(struct surg *s, struct opr_err *err)
{
	int i, x, rc;

	if ((rc = surg_constants(s, err)))
		return rc;
	for (i = 0; i < s->g->n_nodes; i++) {
		const struct opr_node *n = &s->g->nodes[i];

		if (n->dead || n->op <= 0 || n->op >= OPR_OP_COUNT ||
		    opr_ops[n->op].chan != OPR_CHAN_PRODUCER)
			continue;
		x = surg_in(s, i, 0);
		if (x < 0 || x >= s->n_values || !s->changed[x])
			continue;
		if ((rc = fold_node(s, i, err)))
			return rc;
	}
	return OPR_OK;
}
