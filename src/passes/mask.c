/*
 * mask.c - opr_prune_mask(): the masked equivalent of the surgery.  For
 * every member of a selected class it zeroes what feeds the channel: the
 * producer's weight row (Conv; ConvTranspose, Gemm, MatMul: the column)
 * and bias entry, BatchNormalization's scale and shift, and the entry of a
 * constant that is added (Add, Sub, Sum) or concatenated.  Every
 * activation of the class is then zero (Relu, Clip and the like keep 0;
 * padded channels are zero when Pad's constant is), so the masked graph
 * computes on the kept channels what the pruned one does.  Shapes stay,
 * except that a Gemm bias broadcast over the outputs becomes one value per
 * output so that one of them can be zeroed.
 */
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

/* A constant being zeroed: its copy and where it is read. */
struct work {
	int node, port;			/* the reader that gets the copy */
	int dtype, rank;
	int64_t dims[OPR_MAX_RANK];
	char *data;			/* copy in the arena */
	size_t nbytes;
};

/* The working copy of input port of node, made on first use.  NULL: none. */
static struct work *work_of(struct surg *s, struct work **w, int node,
			    int port)
{
	int v = surg_in(s, node, port);
	const struct opr_value *x;
	struct work *k;

	if (!surg_is_const(s, v) || v >= s->n_values)
		return NULL;
	if (w[v])
		return w[v];
	x = &s->g->values[v];
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->data = opr_arena_memdup(&s->g->arena, x->data, x->nbytes ? x->nbytes : 1);
	if (!k->data) {
		free(k);
		return NULL;
	}
	k->node = node;
	k->port = port;
	k->dtype = x->dtype;
	k->rank = x->rank;
	memcpy(k->dims, x->dims, sizeof(x->dims));
	k->nbytes = x->nbytes;
	w[v] = k;
	return k;
}

/* Zeroes index idx of axis ax of k (any dtype: zero bits are 0). */
static void zero_plane(struct work *k, int ax, int64_t idx)
{
	size_t esz = opr_dtype_size(k->dtype);
	int64_t outer = 1, inner = 1, o;
	int a;

	if (ax < 0 || ax >= k->rank || idx < 0 || idx >= k->dims[ax] || !esz)
		return;
	for (a = 0; a < ax; a++)
		outer *= k->dims[a];
	for (a = ax + 1; a < k->rank; a++)
		inner *= k->dims[a];
	for (o = 0; o < outer; o++)
		memset(k->data + (size_t)((o * k->dims[ax] + idx) * inner) * esz, 0,
		       (size_t)inner * esz);
}

/* Input port of node, axis ax, index idx := 0.  -1 when out of memory. */
static int zero_in(struct surg *s, struct work **w, int node, int port, int ax,
		   int64_t idx)
{
	struct work *k;

	if (!surg_is_const(s, surg_in(s, node, port)))
		return 0;
	if (!(k = work_of(s, w, node, port)))
		return -1;
	zero_plane(k, ax, idx);
	return 0;
}

/* Gemm's C at output c: one entry, or a broadcast value made per output. */
static int zero_gemm_c(struct surg *s, struct work **w, int node, int64_t m,
		       int64_t c)
{
	struct work *k;
	int64_t n, i;
	float *f;

	if (!surg_is_const(s, surg_in(s, node, 2)))
		return 0;
	if (!(k = work_of(s, w, node, 2)))
		return -1;
	if (k->rank >= 1 && k->dims[k->rank - 1] == m) {
		zero_plane(k, k->rank - 1, c);
		return 0;
	}
	if (opr_numel(k->dims, k->rank, &n) || n != 1 || k->dtype != OPR_DT_FLOAT)
		return 0;
	f = opr_arena_alloc(&s->g->arena, (size_t)m * sizeof(float));
	if (!f)
		return -1;
	for (i = 0; i < m; i++)
		memcpy(&f[i], k->data, sizeof(float));
	k->data = (char *)f;
	k->rank = 1;
	k->dims[0] = m;
	k->nbytes = (size_t)m * sizeof(float);
	zero_plane(k, 0, c);
	return 0;
}

/* Output channel c of producer node: its weights and bias. */
static int zero_out(struct surg *s, struct work **w, int node, int64_t c)
{
	const struct opr_node *n = &s->g->nodes[node];
	int wv = surg_in(s, node, 1), tb;
	int64_t m;

	if (!surg_is_const(s, wv) || s->g->values[wv].rank < 2)
		return 0;
	switch (n->op) {
	case OPR_OP_CONV:
		if (zero_in(s, w, node, 1, 0, c))
			return -1;
		return zero_in(s, w, node, 2, 0, c);
	case OPR_OP_CONVTRANSPOSE:
		if (zero_in(s, w, node, 1, 1, c))
			return -1;
		return zero_in(s, w, node, 2, 0, c);
	case OPR_OP_MATMUL:
		return zero_in(s, w, node, 1, 1, c);
	case OPR_OP_GEMM:
		tb = (int)opr_node_attr_int(n, "transB", 0);
		m = s->g->values[wv].dims[tb ? 0 : 1];
		if (zero_in(s, w, node, 1, tb ? 0 : 1, c))
			return -1;
		return zero_gemm_c(s, w, node, m, c);
	default:
		return 0;
	}
}

/* One member of a selected class. */
static int zero_member(struct surg *s, struct work **w,
		       const struct opr_deps_member *m)
{
	enum opr_op op;

	if (m->node < 0 || m->node >= s->n_nodes)
		return 0;
	op = s->g->nodes[m->node].op;
	if (m->role == OPR_ROLE_OUT)
		return zero_out(s, w, m->node, m->index);
	if (m->role != OPR_ROLE_PARAM)
		return 0;
	if (op == OPR_OP_BATCHNORM)	/* scale and shift: output = 0 */
		return m->port == 1 || m->port == 2 ?
		       zero_in(s, w, m->node, m->port, 0, m->index) : 0;
	if (op == OPR_OP_ADD || op == OPR_OP_SUB || op == OPR_OP_SUM ||
	    op == OPR_OP_CONCAT)
		return zero_in(s, w, m->node, m->port, m->axis, m->index);
	return 0;	/* Mul, Div, PRelu: 0 stays 0 */
}

int opr_prune_mask(struct opr_graph *g, const struct opr_deps *d,
		   const unsigned char *remove, struct opr_err *err)
{
	struct work **w = NULL;
	struct surg s;
	int c, i, v, rc;

	if (!g)
		return opr_errf(err, OPR_EINVAL, "no graph given to the surgery");
	if ((rc = surg_check(g, d, remove, err)))
		return rc;
	rc = surg_plan(&s, g, d, remove, err);
	if (rc == OPR_OK && !(w = calloc((size_t)s.n_values + 1, sizeof(*w))))
		rc = opr_errf(err, OPR_ENOMEM, "out of memory masking channels");
	for (c = 0; c < d->n_classes && rc == OPR_OK; c++) {
		if (!remove[c])
			continue;
		for (i = 0; i < d->classes[c].n && rc == OPR_OK; i++)
			if (zero_member(&s, w, &d->members[d->classes[c].first + i]))
				rc = opr_errf(err, OPR_ENOMEM, "out of memory "
					      "masking channels");
	}
	for (v = 0; v < s.n_values && rc == OPR_OK; v++)
		if (w[v])
			rc = surg_set_input(&s, w[v]->node, w[v]->port, w[v]->dtype,
					    w[v]->rank, w[v]->dims, w[v]->data,
					    w[v]->nbytes, err);
	if (rc == OPR_OK)
		rc = surg_apply(&s, err);
	if (rc == OPR_OK)
		rc = opr_graph_verify(g, err);
	for (v = 0; w && v < s.n_values; v++)
		free(w[v]);
	free(w);
	surg_free(&s);
	return rc;
}
