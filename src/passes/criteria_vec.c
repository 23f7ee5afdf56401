/*
 * criteria_vec.c - where a producer keeps the weights of one channel
 * (opr_crit_member_vec()), their norms, and the FPGM distance sums of a
 * layer (opr_crit_fpgm_node()).  See criteria.h.
 *
 * Layouts, for output channel c (OUT) and input channel c (IN):
 *   Conv W[co, ci/g, k..]       OUT: the row W[c];  IN: W[o, c % (ci/g), :]
 *                               for the co/g rows o of c's group
 *   ConvTranspose W[ci, co, k..] (group 1)  OUT: W[:, c, :];  IN: W[c]
 *   Gemm B[K, M], MatMul B[K, M]  OUT: column c;  IN: row c
 *   Gemm transB = 1, B[M, K]    OUT: row c;  IN: column c
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"

/* How one role of a producer's channels sits in its weight. */
struct layout {
	const float *w;		/* weight data */
	int64_t n;		/* channels of that role */
	int64_t a;		/* element step from channel c to c + 1 ... */
	int64_t nseg, seglen, stride;	/* ... and the segments of one */
	int64_t grp_in;		/* Conv IN: input channels per group, else 0 */
	int64_t grp_rows;	/* Conv IN: rows per group */
	int64_t kk;		/* Conv IN: kernel elements */
};

static const char *const crit_names[OPR_CRIT_COUNT] = {
	[OPR_CRIT_L1] = "l1", [OPR_CRIT_L2] = "l2",
	[OPR_CRIT_BN_SCALE] = "bn_scale", [OPR_CRIT_FPGM] = "fpgm",
	[OPR_CRIT_RANDOM] = "random",
};

const char *opr_crit_name(int c)
{
	return c >= 0 && c < OPR_CRIT_COUNT ? crit_names[c] : NULL;
}

/* The float32 weight of node (input 1), checked; NULL with err set. */
static const struct opr_value *weight(const struct opr_graph *g, int node,
				      struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *w;
	char buf[300];
	int64_t numel;

	w = n->n_in > 1 && n->in[1] >= 0 ? &g->values[n->in[1]] : NULL;
	if (!w || !w->is_initializer || w->dtype != OPR_DT_FLOAT || !w->data ||
	    w->rank < 2 || opr_numel(w->dims, w->rank, &numel) ||
	    (size_t)numel * sizeof(float) != w->nbytes) {
		opr_errf(err, OPR_EUNSUPPORTED, "%s: the criteria need a float32 "
			 "constant weight", opr_node_desc(g, node, buf, sizeof(buf)));
		return NULL;
	}
	return w;
}

/* Conv weight [co, ci/g, k..]. */
static void conv_layout(const struct opr_node *n, const struct opr_value *w,
			int role, struct layout *l)
{
	int64_t grp = opr_node_attr_int(n, "group", 1), kk = 1, rs;
	int i;

	for (i = 2; i < w->rank; i++)
		kk *= w->dims[i];
	rs = w->dims[1] * kk;
	if (role == OPR_ROLE_OUT) {
		l->n = w->dims[0];
		l->a = rs;
		l->nseg = 1;
		l->seglen = l->stride = rs;
		return;
	}
	l->n = w->dims[1] * (grp > 0 ? grp : 1);
	l->grp_in = w->dims[1];
	l->grp_rows = w->dims[0] / (grp > 0 ? grp : 1);
	l->kk = kk;
	l->nseg = l->grp_rows;
	l->seglen = kk;
	l->stride = rs;
}

/* The layout of role (OUT or IN) of producer node; OPR_OK or an error. */
static int get_layout(const struct opr_graph *g, int node, int role,
		      struct layout *l, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *w;
	int64_t d0, d1, kk = 1;
	char buf[300];
	int i, out = role == OPR_ROLE_OUT, tb;

	memset(l, 0, sizeof(*l));
	if (role != OPR_ROLE_OUT && role != OPR_ROLE_IN)
		return opr_errf(err, OPR_EINVAL, "%s: no weight for role %s",
				opr_node_desc(g, node, buf, sizeof(buf)),
				opr_deps_role_name(role));
	if (n->op != OPR_OP_CONV && n->op != OPR_OP_CONVTRANSPOSE &&
	    n->op != OPR_OP_GEMM && n->op != OPR_OP_MATMUL)
		return opr_errf(err, OPR_EINVAL, "%s: not a producer",
				opr_node_desc(g, node, buf, sizeof(buf)));
	if (!(w = weight(g, node, err)))
		return err ? err->code : OPR_EUNSUPPORTED;
	l->w = w->data;
	if (n->op == OPR_OP_CONV) {
		conv_layout(n, w, role, l);
		return OPR_OK;
	}
	d0 = w->dims[0];
	d1 = w->dims[1];
	if (n->op == OPR_OP_CONVTRANSPOSE) {
		for (i = 2; i < w->rank; i++)
			kk *= w->dims[i];
		l->n = out ? d1 : d0;
		l->a = out ? kk : d1 * kk;
		l->nseg = out ? d0 : 1;
		l->seglen = out ? kk : d1 * kk;
		l->stride = d1 * kk;
		return OPR_OK;
	}
	if (w->rank != 2)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: weight of rank %d",
				opr_node_desc(g, node, buf, sizeof(buf)), w->rank);
	tb = n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transB", 0);
	/* B[K, M]: OUT c is column c, IN c row c; transB swaps them. */
	if (out != tb) {	/* a column of the stored matrix */
		l->n = d1;
		l->a = 1;
		l->nseg = d0;
		l->seglen = 1;
		l->stride = d1;
	} else {		/* a row */
		l->n = d0;
		l->a = d1;
		l->nseg = 1;
		l->seglen = l->stride = d1;
	}
	return OPR_OK;
}

/* The entries of channel c of layout l into *v. */
static void layout_vec(const struct layout *l, int64_t c,
		       struct opr_crit_vec *v)
{
	v->w = l->w;
	v->nseg = l->nseg;
	v->seglen = l->seglen;
	v->stride = l->stride;
	if (l->grp_in > 0)	/* Conv IN: the rows of c's group */
		v->off = (c / l->grp_in) * l->grp_rows * l->stride +
			 (c % l->grp_in) * l->kk;
	else
		v->off = c * l->a;
}

int opr_crit_member_vec(const struct opr_graph *g,
			const struct opr_deps_member *m,
			struct opr_crit_vec *v, struct opr_err *err)
{
	struct layout l;
	char buf[300];
	int rc;

	if (m->node < 0 || m->node >= g->n_nodes)
		return opr_errf(err, OPR_EINVAL, "member without a node");
	if ((rc = get_layout(g, m->node, m->role, &l, err)))
		return rc;
	if (m->index < 0 || m->index >= l.n)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: channel %d outside "
				"its weight's %lld", opr_node_desc(g, m->node, buf,
				sizeof(buf)), m->index, (long long)l.n);
	layout_vec(&l, m->index, v);
	return OPR_OK;
}

double opr_crit_vec_norm(const struct opr_crit_vec *v, double p)
{
	double sum = 0, a;
	int64_t s, j;

	for (s = 0; s < v->nseg; s++) {
		const float *x = v->w + v->off + s * v->stride;

		for (j = 0; j < v->seglen; j++) {
			a = fabs((double)x[j]);
			sum += p == 1 ? a : p == 2 ? a * a : pow(a, p);
		}
	}
	return p == 1 ? sum : p == 2 ? sqrt(sum) : pow(sum, 1.0 / p);
}

int opr_crit_node_norms(const struct opr_graph *g, int node, int role,
			double p, double **norms, int64_t *n, struct opr_err *err)
{
	struct opr_crit_vec v;
	struct layout l;
	int64_t i;
	int rc;

	*norms = NULL;
	*n = 0;
	if ((rc = get_layout(g, node, role, &l, err)))
		return rc;
	if (!(*norms = malloc(((size_t)l.n + 1) * sizeof(double))))
		return opr_errf(err, OPR_ENOMEM, "out of memory in the norms");
	for (i = 0; i < l.n; i++) {
		layout_vec(&l, i, &v);
		(*norms)[i] = opr_crit_vec_norm(&v, p);
	}
	*n = l.n;
	return OPR_OK;
}

/* Copies the entries of v into out (v's element count floats). */
static void gather(const struct opr_crit_vec *v, float *out)
{
	int64_t s;

	for (s = 0; s < v->nseg; s++)
		memcpy(out + s * v->seglen, v->w + v->off + s * v->stride,
		       (size_t)v->seglen * sizeof(float));
}

/* ||a - b||_2 over len floats. */
static double dist(const float *a, const float *b, int64_t len)
{
	double sum = 0;
	float part = 0;
	int64_t j;

	for (j = 0; j < len; j++) {
		float e = a[j] - b[j];

		part += e * e;
		if ((j & 255) == 255) {	/* keep float partial sums short */
			sum += part;
			part = 0;
		}
	}
	return sqrt(sum + part);
}

int opr_crit_fpgm_node(const struct opr_graph *g, int node, int role,
		       double **dist_out, int64_t *n_out, struct opr_err *err)
{
	struct opr_crit_vec v;
	struct layout l;
	double *out;
	float *rows;
	int64_t len, i, j;
	int rc;

	*dist_out = NULL;
	*n_out = 0;
	if ((rc = get_layout(g, node, role, &l, err)))
		return rc;
	len = l.nseg * l.seglen;
	rows = malloc((size_t)(l.n * len + 1) * sizeof(float));
	out = malloc((size_t)(l.n + 1) * sizeof(double));
	if (!rows || !out) {
		free(rows);
		free(out);
		return opr_errf(err, OPR_ENOMEM, "out of memory in fpgm");
	}
	for (i = 0; i < l.n; i++) {
		layout_vec(&l, i, &v);
		gather(&v, rows + i * len);
		out[i] = 0;
	}
	for (i = 0; i < l.n; i++)
		for (j = i + 1; j < l.n; j++) {
			double e = dist(rows + i * len, rows + j * len, len);

			out[i] += e;
			out[j] += e;
		}
	free(rows);
	*dist_out = out;
	*n_out = l.n;
	return OPR_OK;
}
