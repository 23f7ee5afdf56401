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
 *
 * Which (initializer, axis, index) planes a member zeroes is decided in
 * one place, opr_mask_member_planes(), which the soft-pruning passes
 * (soft_prune_mask.c) use too: they zero the same planes in place, as
 * soft masks of the training run, instead of in copies.
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

void opr_mask_zero_plane(void *data, int rank, const int64_t *dims,
			 size_t esz, int ax, int64_t idx)
{
	int64_t outer = 1, inner = 1, o;
	char *p = data;
	int a;

	if (ax < 0 || ax >= rank || idx < 0 || idx >= dims[ax] || !esz)
		return;
	for (a = 0; a < ax; a++)
		outer *= dims[a];
	for (a = ax + 1; a < rank; a++)
		inner *= dims[a];
	for (o = 0; o < outer; o++)
		memset(p + (size_t)((o * dims[ax] + idx) * inner) * esz, 0,
		       (size_t)inner * esz);
}

/* Input port of node when it is an initializer with data, else -1. */
static int const_in(const struct opr_graph *g, int node, int port)
{
	const struct opr_node *n = &g->nodes[node];
	int v = port >= 0 && port < n->n_in ? n->in[port] : -1;

	return v >= 0 && g->values[v].is_initializer && g->values[v].data ?
	       v : -1;
}

/* Appends plane (port of node, axis, idx) to out when the port is const. */
static int add_plane(const struct opr_graph *g, int node, int port, int axis,
		     int64_t idx, struct opr_mask_plane *out, int n)
{
	int v = const_in(g, node, port);

	if (v < 0)
		return n;
	out[n].node = node;
	out[n].port = port;
	out[n].value = v;
	out[n].axis = axis;
	out[n].index = idx;
	out[n].n = 0;
	return n + 1;
}

/* Gemm's C at output c of m: one entry, or a value broadcast over m. */
static int gemm_c_plane(const struct opr_graph *g, int node, int64_t m,
			int64_t c, struct opr_mask_plane *out, int n)
{
	int v = const_in(g, node, 2);
	const struct opr_value *x;
	int64_t numel;

	if (v < 0)
		return n;
	x = &g->values[v];
	if (x->rank >= 1 && x->dims[x->rank - 1] == m)
		return add_plane(g, node, 2, x->rank - 1, c, out, n);
	if (opr_numel(x->dims, x->rank, &numel) || numel != 1 ||
	    x->dtype != OPR_DT_FLOAT)
		return n;
	n = add_plane(g, node, 2, -1, c, out, n);
	out[n - 1].n = m;
	return n;
}

/* Output channel c of producer node: its weights and bias. */
static int out_planes(const struct opr_graph *g, int node, int64_t c,
		      struct opr_mask_plane *out)
{
	const struct opr_node *n = &g->nodes[node];
	int wv = const_in(g, node, 1), tb, k;

	if (wv < 0 || g->values[wv].rank < 2)
		return 0;
	switch (n->op) {
	case OPR_OP_CONV:
		k = add_plane(g, node, 1, 0, c, out, 0);
		return add_plane(g, node, 2, 0, c, out, k);
	case OPR_OP_CONVTRANSPOSE:
		k = add_plane(g, node, 1, 1, c, out, 0);
		return add_plane(g, node, 2, 0, c, out, k);
	case OPR_OP_MATMUL:
		return add_plane(g, node, 1, 1, c, out, 0);
	case OPR_OP_GEMM:
		tb = (int)opr_node_attr_int(n, "transB", 0);
		k = add_plane(g, node, 1, tb ? 0 : 1, c, out, 0);
		return gemm_c_plane(g, node, g->values[wv].dims[tb ? 0 : 1], c,
				    out, k);
	default:
		return 0;
	}
}

int opr_mask_member_planes(const struct opr_graph *g,
			   const struct opr_deps_member *m,
			   struct opr_mask_plane *out)
{
	enum opr_op op;

	if (m->node < 0 || m->node >= g->n_nodes)
		return 0;
	op = g->nodes[m->node].op;
	if (m->role == OPR_ROLE_OUT)
		return out_planes(g, m->node, m->index, out);
	if (m->role != OPR_ROLE_PARAM)
		return 0;
	if (op == OPR_OP_BATCHNORM)	/* scale and shift: output = 0 */
		return m->port == 1 || m->port == 2 ?
		       add_plane(g, m->node, m->port, 0, m->index, out, 0) : 0;
	if (op == OPR_OP_ADD || op == OPR_OP_SUB || op == OPR_OP_SUM ||
	    op == OPR_OP_CONCAT)
		return add_plane(g, m->node, m->port, m->axis, m->index, out, 0);
	return 0;	/* Mul, Div, PRelu: 0 stays 0 */
}

/* Makes the one-element float k one value per channel, n channels. */
static int expand(struct surg *s, struct work *k, int64_t n)
{
	float *f;
	int64_t i;

	f = opr_arena_alloc(&s->g->arena, (size_t)n * sizeof(float));
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		memcpy(&f[i], k->data, sizeof(float));
	k->data = (char *)f;
	k->rank = 1;
	k->dims[0] = n;
	k->nbytes = (size_t)n * sizeof(float);
	return 0;
}

/* One member of a selected class: its planes zeroed in the copies. */
static int zero_member(struct surg *s, struct work **w,
		       const struct opr_deps_member *m)
{
	struct opr_mask_plane pl[OPR_MASK_MAX_PLANES];
	struct work *k;
	int i, n, ax;

	n = m->node < s->n_nodes ? opr_mask_member_planes(s->g, m, pl) : 0;
	for (i = 0; i < n; i++) {
		if (!(k = work_of(s, w, pl[i].node, pl[i].port)))
			return -1;
		ax = pl[i].axis;
		if (ax < 0 && !(k->rank >= 1 && k->dims[k->rank - 1] == pl[i].n) &&
		    expand(s, k, pl[i].n))
			return -1;
		if (ax < 0)
			ax = k->rank - 1;
		opr_mask_zero_plane(k->data, k->rank, k->dims,
				    opr_dtype_size(k->dtype), ax, pl[i].index);
	}
	return 0;
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
