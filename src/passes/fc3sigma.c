/*
 * fc3sigma.c - the one-shot fc3sigma (see fc3sigma.h): finding the fully
 * connected layers, thresholding their weights, and the masks and counts
 * of the graph the structural step (fc3sigma_struct.c) leaves.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/fc3sigma_internal.h"

static const char *const variant_names[OPR_FC_VARIANT_COUNT] = {
	[OPR_FC_BAND] = "band",
	[OPR_FC_SENSITIVITY] = "sensitivity",
};

const char *opr_fc_variant_name(int v)
{
	return v >= 0 && v < OPR_FC_VARIANT_COUNT ? variant_names[v] : NULL;
}

int opr_fc_variant_parse(const char *s, int *v)
{
	int i;

	for (i = 0; s && i < OPR_FC_VARIANT_COUNT; i++)
		if (strcmp(s, variant_names[i]) == 0) {
			*v = i;
			return 0;
		}
	return -1;
}

int fc_excluded(const struct opr_fc3sigma_opts *o, const char *name)
{
	int i;

	for (i = 0; name && i < o->n_exclude; i++)
		if (o->exclude[i] && strcmp(o->exclude[i], name) == 0)
			return 1;
	return 0;
}

int64_t opr_fc_threshold(float *w, int64_t n, int variant, double k,
			 unsigned char *keep, double *mu, double *sigma,
			 double *lo, double *hi)
{
	double sum = 0, ss = 0, m, s, a, b;
	int64_t i, zeroed = 0;
	int in;

	for (i = 0; i < n; i++)
		sum += w[i];
	m = n > 0 ? sum / (double)n : 0;
	for (i = 0; i < n; i++)
		ss += ((double)w[i] - m) * ((double)w[i] - m);
	if (variant == OPR_FC_SENSITIVITY) {
		s = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
		a = -k * s;
		b = k * s;
	} else {
		s = n > 0 ? sqrt(ss / (double)n) : 0;
		a = m - k * s;
		b = m + k * s;
	}
	for (i = 0; i < n; i++) {
		if (variant == OPR_FC_SENSITIVITY)
			in = fabs((double)w[i]) <= b;
		else
			in = fabs((double)w[i] - m) < k * s;
		if (in) {
			w[i] = 0.0f;
			zeroed++;
		}
		if (keep)
			keep[i] = (unsigned char)!in;
	}
	if (mu)
		*mu = m;
	if (sigma)
		*sigma = s;
	if (lo)
		*lo = a;
	if (hi)
		*hi = b;
	return zeroed;
}

int64_t fc_nonzero(const struct opr_value *v)
{
	size_t esz = opr_dtype_size(v->dtype), i, b;
	const unsigned char *p = v->data;
	int64_t nz = 0;

	if (!p || esz == 0)
		return 0;
	for (i = 0; i < v->nbytes / esz; i++)
		for (b = 0; b < esz; b++)
			if (p[i * esz + b]) {
				nz++;
				break;
			}
	return nz;
}

/* The ops whose float initializers stats.c counts as parameters. */
static int is_compute(enum opr_op op)
{
	return op == OPR_OP_CONV || op == OPR_OP_CONVTRANSPOSE ||
	       op == OPR_OP_GEMM || op == OPR_OP_MATMUL ||
	       op == OPR_OP_BATCHNORM || op == OPR_OP_PRELU;
}

int64_t fc_nonzero_params(const struct opr_graph *g)
{
	unsigned char *seen = calloc((size_t)g->n_values + 1, 1);
	int64_t nz = 0;
	int i, k, v;

	if (!seen)
		return -1;
	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];

		if (n->dead || !is_compute(n->op))
			continue;
		for (k = 0; k < n->n_in; k++) {
			v = n->in[k];
			if (v < 0 || seen[v] || !g->values[v].is_initializer)
				continue;
			seen[v] = 1;
			if (g->values[v].dtype == OPR_DT_FLOAT ||
			    g->values[v].dtype == OPR_DT_DOUBLE ||
			    g->values[v].dtype == OPR_DT_FLOAT16 ||
			    g->values[v].dtype == OPR_DT_BFLOAT16)
				nz += fc_nonzero(&g->values[v]);
		}
	}
	free(seen);
	return nz;
}

/* Elements of initializer v (0 when v < 0 or not a tensor with data). */
static int64_t numel_of(const struct opr_graph *g, int v)
{
	int64_t n;

	if (v < 0 || !g->values[v].is_initializer ||
	    opr_numel(g->values[v].dims, g->values[v].rank, &n))
		return 0;
	return n;
}

/*
 * 1 when node i is a fully connected layer (fc3sigma.h); *trans says
 * whether its weight is [out, in].
 */
static int is_fc(const struct opr_graph *g, int i, int *trans)
{
	const struct opr_node *n = &g->nodes[i];
	const struct opr_value *w;
	int64_t numel;

	if (n->dead || (n->op != OPR_OP_GEMM && n->op != OPR_OP_MATMUL) ||
	    n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0 ||
	    g->values[n->in[0]].is_initializer)
		return 0;
	w = &g->values[n->in[1]];
	if (!w->is_initializer || w->dtype != OPR_DT_FLOAT || w->rank != 2 ||
	    !w->data || opr_numel(w->dims, 2, &numel) ||
	    (uint64_t)numel * sizeof(float) != w->nbytes)
		return 0;
	*trans = n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transB", 0);
	return 1;
}

static int oom(struct opr_err *err)
{
	return opr_errf(err, OPR_ENOMEM, "fc3sigma: out of memory");
}

/* Fills one layer record for node i (weight [out, in] when trans). */
static int add_layer(struct fc_run *run, int i, int trans)
{
	const struct opr_graph *g = run->g;
	const struct opr_node *n = &g->nodes[i];
	const struct opr_value *w = &g->values[n->in[1]];
	struct opr_fc_layer *l = &run->r->layers[run->r->n_layers];
	int L = run->r->n_layers;

	l->node = strdup(n->name ? n->name : "");
	l->op = strdup(n->op_type);
	l->weight = strdup(w->name);
	if (!l->node || !l->op || !l->weight)
		return -1;
	l->out_before = w->dims[trans ? 0 : 1];
	l->in_before = w->dims[trans ? 1 : 0];
	l->weights = w->dims[0] * w->dims[1];
	l->params_before = l->weights +
		(n->n_in > 2 ? numel_of(g, n->in[2]) : 0);
	run->node[L] = i;
	run->trans[L] = trans;
	run->drop_out[L] = calloc((size_t)l->out_before + 1, 1);
	run->drop_in[L] = calloc((size_t)l->in_before + 1, 1);
	if (!run->drop_out[L] || !run->drop_in[L])
		return -1;
	run->r->n_layers++;
	return 0;
}

/* 1 when an excluded node reads value v (a weight it shares). */
static int read_by_excluded(const struct opr_graph *g,
			    const struct opr_fc3sigma_opts *o, int v)
{
	int i, k;

	for (i = 0; o->n_exclude && i < g->n_nodes; i++)
		for (k = 0; k < g->nodes[i].n_in; k++)
			if (g->nodes[i].in[k] == v && !g->nodes[i].dead &&
			    fc_excluded(o, g->nodes[i].name))
				return 1;
	return 0;
}

/* Lists the layers of g that o does not exclude (nor their weights). */
static int find_layers(struct fc_run *run, struct opr_err *err)
{
	const struct opr_graph *g = run->g;
	size_t n = (size_t)g->n_nodes + 1;
	int i, trans;

	run->r->layers = calloc(n, sizeof(*run->r->layers));
	run->r->masks = calloc(n, sizeof(*run->r->masks));
	run->node = calloc(n, sizeof(int));
	run->trans = calloc(n, sizeof(int));
	run->mask = calloc(n, sizeof(int));
	run->drop_out = calloc(n, sizeof(*run->drop_out));
	run->drop_in = calloc(n, sizeof(*run->drop_in));
	if (!run->r->layers || !run->r->masks || !run->node || !run->trans ||
	    !run->mask || !run->drop_out || !run->drop_in)
		return oom(err);
	for (i = 0; i < g->n_nodes; i++)
		if (is_fc(g, i, &trans) && !fc_excluded(run->o, g->nodes[i].name) &&
		    !read_by_excluded(g, run->o, g->nodes[i].in[1]) &&
		    add_layer(run, i, trans))
			return oom(err);
	return OPR_OK;
}

/* Thresholds every distinct weight once; a shared one keeps its mask. */
static int threshold_all(struct fc_run *run, struct opr_err *err)
{
	struct opr_fc3sigma_result *r = run->r;
	int L, j;

	for (L = 0; L < r->n_layers; L++) {
		struct opr_fc_layer *l = &r->layers[L];
		struct opr_value *w = &run->g->values[run->g->nodes[run->node[L]].in[1]];
		struct opr_fc_mask *m;

		for (j = 0; j < L; j++)
			if (strcmp(r->layers[j].weight, l->weight) == 0)
				break;
		r->fc_weights_before += l->weights;
		if (j < L) {	/* the same tensor: thresholded already */
			l->shared = 1;
			l->mu = r->layers[j].mu;
			l->sigma = r->layers[j].sigma;
			l->lo = r->layers[j].lo;
			l->hi = r->layers[j].hi;
			run->mask[L] = run->mask[j];
			continue;
		}
		m = &r->masks[r->n_masks];
		m->name = strdup(l->weight);
		m->n = l->weights;
		m->keep = malloc((size_t)m->n + 1);
		if (!m->name || !m->keep)
			return oom(err);
		run->mask[L] = r->n_masks++;
		l->zeroed = opr_fc_threshold(w->data, l->weights, r->variant, r->k,
					     m->keep, &l->mu, &l->sigma, &l->lo,
					     &l->hi);
		r->fc_zeroed += l->zeroed;
	}
	return OPR_OK;
}

/*
 * Cuts mask m of layer L down to the rows and columns the structural step
 * kept, and checks it against the weight the graph now holds.
 */
static int slice_mask(struct fc_run *run, int L, struct opr_err *err)
{
	const struct opr_fc_layer *l = &run->r->layers[L];
	struct opr_fc_mask *m = &run->r->masks[run->mask[L]];
	int t = run->trans[L];
	const unsigned char *dr = t ? run->drop_out[L] : run->drop_in[L];
	const unsigned char *dc = t ? run->drop_in[L] : run->drop_out[L];
	int64_t rows = t ? l->out_before : l->in_before;
	int64_t cols = t ? l->in_before : l->out_before, i, j, n = 0;
	int v = opr_graph_find_value(run->g, m->name);

	for (i = 0; i < rows; i++)
		for (j = 0; !dr[i] && j < cols; j++)
			if (!dc[j])
				m->keep[n++] = m->keep[i * cols + j];
	m->n = n;
	m->value = v;
	m->kept = 0;
	for (i = 0; i < n; i++)
		m->kept += m->keep[i];
	if (v < 0 || !run->g->values[v].is_initializer ||
	    numel_of(run->g, v) != n)
		return opr_errf(err, OPR_EINTERNAL, "fc3sigma: weight '%s' of "
				"node '%s' does not have the %lld elements the "
				"removed rows and columns leave", m->name, l->node,
				(long long)n);
	for (i = 0; i < n; i++)
		if (!m->keep[i] && ((const float *)run->g->values[v].data)[i] != 0)
			return opr_errf(err, OPR_EINTERNAL, "fc3sigma: weight '%s': "
					"a pruned entry is not zero after the "
					"surgery", m->name);
	return OPR_OK;
}

/* The node that now reads weight v at input 1, preferring one named name. */
static int node_of(const struct opr_graph *g, int v, const char *name)
{
	int i, found = -1;

	for (i = 0; v >= 0 && i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];

		if (n->dead || n->n_in < 2 || n->in[1] != v)
			continue;
		if (found < 0 || strcmp(n->name ? n->name : "", name) == 0)
			found = i;
	}
	return found;
}

/* Masks and per-layer counts of the graph as the structural step left it. */
static int finish(struct fc_run *run, struct opr_err *err)
{
	struct opr_fc3sigma_result *r = run->r;
	const struct opr_graph *g = run->g;
	int L, i, v, rc;

	for (L = 0; L < r->n_layers; L++) {
		struct opr_fc_layer *l = &r->layers[L];
		const struct opr_node *n;

		if (!l->shared && (rc = slice_mask(run, L, err)))
			return rc;
		for (i = 0; i < l->out_before; i++)
			l->rows_removed += run->drop_out[L][i];
		for (i = 0; i < l->in_before; i++)
			l->cols_removed += run->drop_in[L][i];
		v = opr_graph_find_value(g, l->weight);
		i = node_of(g, v, l->node);
		if (i < 0)
			return opr_errf(err, OPR_EINTERNAL, "fc3sigma: node '%s' "
					"no longer reads weight '%s'", l->node,
					l->weight);
		n = &g->nodes[i];
		l->out_after = g->values[v].dims[run->trans[L] ? 0 : 1];
		l->in_after = g->values[v].dims[run->trans[L] ? 1 : 0];
		if (l->out_after != l->out_before - l->rows_removed ||
		    l->in_after != l->in_before - l->cols_removed)
			return opr_errf(err, OPR_EINTERNAL, "fc3sigma: node '%s' "
					"has %lld x %lld features after the "
					"surgery, want %lld x %lld", l->node,
					(long long)l->out_after, (long long)l->in_after,
					(long long)(l->out_before - l->rows_removed),
					(long long)(l->in_before - l->cols_removed));
		l->params_after = numel_of(g, v) +
			(n->n_in > 2 ? numel_of(g, n->in[2]) : 0);
		l->nonzero_after = fc_nonzero(&g->values[v]) +
			(n->n_in > 2 && n->in[2] >= 0 ?
			 fc_nonzero(&g->values[n->in[2]]) : 0);
		if (!l->shared) {
			r->fc_weights_after += numel_of(g, v);
			r->fc_nonzero_after += fc_nonzero(&g->values[v]);
		}
	}
	return OPR_OK;
}

/* Frees the per-call arrays of run (not the result). */
static void run_free(struct fc_run *run)
{
	int L;

	for (L = 0; run->r && L < run->r->n_layers; L++) {
		free(run->drop_out[L]);
		free(run->drop_in[L]);
	}
	free(run->node);
	free(run->trans);
	free(run->mask);
	free(run->drop_out);
	free(run->drop_in);
}

/* Model-wide params and MACs into *params, *macs. */
static int model_counts(const struct opr_graph *g, int64_t *params,
			int64_t *macs, struct opr_err *err)
{
	struct opr_model_stats st;
	int rc = opr_model_stats(g, &st, err);

	if (rc == OPR_OK) {
		*params = st.params;
		*macs = st.macs;
	}
	opr_stats_free(&st);
	return rc;
}

int opr_fc3sigma(struct opr_graph *g, const struct opr_fc3sigma_opts *o,
		 struct opr_fc3sigma_result **out, struct opr_err *err)
{
	struct fc_run run = { g, o, NULL, NULL, NULL, NULL, NULL, NULL };
	int rc;

	*out = NULL;
	if (!(o->k > 0) || !isfinite(o->k))
		return opr_errf(err, OPR_EUSAGE, "fc3sigma: k %g: want a number "
				"> 0", o->k);
	if (!opr_fc_variant_name(o->variant))
		return opr_errf(err, OPR_EUSAGE, "fc3sigma: unknown variant %d",
				o->variant);
	run.r = calloc(1, sizeof(*run.r));
	if (!run.r)
		return oom(err);
	run.r->k = o->k;
	run.r->variant = o->variant;
	if ((rc = model_counts(g, &run.r->params_before, &run.r->macs_before,
			       err)) ||
	    (rc = find_layers(&run, err)) || (rc = threshold_all(&run, err)) ||
	    (o->structural && (rc = fc_structural(&run, err))) ||
	    (rc = finish(&run, err)) ||
	    (rc = model_counts(g, &run.r->params_after, &run.r->macs_after,
			       err)))
		goto out;
	run.r->nonzero_params_after = fc_nonzero_params(g);
	if (run.r->nonzero_params_after < 0)
		rc = oom(err);
out:
	run_free(&run);
	if (rc != OPR_OK) {
		opr_fc3sigma_free(run.r);
		return rc;
	}
	*out = run.r;
	return OPR_OK;
}

void opr_fc3sigma_free(struct opr_fc3sigma_result *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; r->layers && i < r->n_layers; i++) {
		free(r->layers[i].node);
		free(r->layers[i].op);
		free(r->layers[i].weight);
	}
	for (i = 0; r->masks && i < r->n_masks; i++) {
		free(r->masks[i].name);
		free(r->masks[i].keep);
	}
	free(r->layers);
	free(r->masks);
	free(r);
}

int opr_fc3sigma_apply_masks(struct opr_graph *g,
			     const struct opr_fc3sigma_result *r,
			     struct opr_err *err)
{
	int i, v;
	int64_t j;

	for (i = 0; i < r->n_masks; i++) {
		const struct opr_fc_mask *m = &r->masks[i];
		float *w;

		v = opr_graph_find_value(g, m->name);
		if (v < 0 || g->values[v].dtype != OPR_DT_FLOAT ||
		    !g->values[v].data || numel_of(g, v) != m->n)
			return opr_errf(err, OPR_EINVAL, "fc3sigma mask: weight '%s' "
					"is gone or no longer has %lld float "
					"elements", m->name, (long long)m->n);
		w = g->values[v].data;
		for (j = 0; j < m->n; j++)
			if (!m->keep[j])
				w[j] = 0.0f;
	}
	return OPR_OK;
}
