/*
 * surgery_plan.c - the plan of a surgery (surgery_internal.h): which slots
 * stay, which values change and their new dims, and how many references
 * every value has (a constant named more than once is cloned, not edited,
 * when its consumers need different contents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

const struct opr_deps_view *surg_view(const struct surg *s, int v)
{
	if (v < 0 || v >= s->n_values || v >= s->d->n_values ||
	    s->d->views[v].k < 1)
		return NULL;
	return &s->d->views[v];
}

int surg_slot_kept(const struct surg *s, int v, int slot)
{
	const struct opr_deps_view *a = surg_view(s, v);

	if (!a || slot < 0 || slot >= a->n)
		return 1;
	return s->kept[a->base + slot];
}

int surg_chan_n(const struct surg *s, int v)
{
	const struct opr_deps_view *a = surg_view(s, v);

	if (!a || a->free != 1 || s->g->values[v].dims[1] < 1)
		return -1;
	return (int)s->g->values[v].dims[1];
}

int surg_chan_slot(const struct surg *s, int v, int c)
{
	const struct opr_deps_view *a = &s->d->views[v];

	return c * (a->n / (int)s->g->values[v].dims[1]);
}

int surg_keep1(const struct surg *s, int v, int c)
{
	int n = surg_chan_n(s, v);

	if (n < 0 || c < 0 || c >= n)
		return 1;
	return s->kept[s->d->views[v].base + surg_chan_slot(s, v, c)];
}

int64_t surg_count1(const struct surg *s, int v, int64_t lo, int64_t hi)
{
	int64_t c, n = 0;

	for (c = lo; c < hi; c++)
		n += surg_keep1(s, v, (int)c);
	return n;
}

unsigned char *surg_keep_vec(const struct surg *s, int v, int64_t n)
{
	unsigned char *k = malloc((size_t)(n > 0 ? n : 1));
	int64_t c;

	for (c = 0; k && c < n; c++)
		k[c] = (unsigned char)surg_keep1(s, v, (int)c);
	return k;
}

int surg_in(const struct surg *s, int node, int k)
{
	const struct opr_node *n = &s->g->nodes[node];

	return k >= 0 && k < n->n_in ? n->in[k] : -1;
}

int surg_out(const struct surg *s, int node, int k)
{
	const struct opr_node *n = &s->g->nodes[node];

	return k >= 0 && k < n->n_out ? n->out[k] : -1;
}

int surg_is_const(const struct surg *s, int v)
{
	return v >= 0 && v < s->g->n_values && s->g->values[v].is_initializer &&
	       s->g->values[v].data;
}

/* References of every value: node inputs, graph inputs and outputs. */
static void count_refs(struct surg *s)
{
	const struct opr_graph *g = s->g;
	int i, k;

	for (i = 0; i < g->n_nodes; i++)
		for (k = 0; k < g->nodes[i].n_in; k++)
			if (!g->nodes[i].dead && g->nodes[i].in[k] >= 0)
				s->refs[g->nodes[i].in[k]]++;
	for (i = 0; i < g->n_inputs; i++)
		s->refs[g->inputs[i]]++;
	for (i = 0; i < g->n_outputs; i++)
		s->refs[g->outputs[i]]++;
}

/*
 * New dims of value v from its kept slots: dims[1] (k = 1) or the free dim
 * of a split view.  OPR_OK, or OPR_EINVAL when no slot stays,
 * OPR_EINTERNAL when the kept slots are not a whole number of rows.
 */
static int new_dims(struct surg *s, int v, struct opr_err *err)
{
	const struct opr_deps_view *a = surg_view(s, v);
	const struct opr_value *x = &s->g->values[v];
	int64_t *dims = s->dims[v], per;
	int i, n = 0;

	memcpy(dims, x->dims, sizeof(x->dims));
	if (!a)
		return OPR_OK;
	for (i = 0; i < a->n; i++)
		n += s->kept[a->base + i];
	if (n == a->n)
		return OPR_OK;
	s->changed[v] = 1;
	s->st.channels += a->n - n;
	if (n == 0)
		return opr_errf(err, OPR_EINVAL, "%s%sthe selection removes every "
				"channel of '%s'", s->g->path ? s->g->path : "",
				s->g->path ? ": " : "", x->name);
	per = a->n / x->dims[a->free];
	if (per < 1 || n % per)
		return opr_errf(err, OPR_EINTERNAL, "surgery: %d kept slots of "
				"'%s' are not whole rows of %lld", n, x->name,
				(long long)per);
	dims[a->free] = n / per;
	return OPR_OK;
}

int surg_plan(struct surg *s, struct opr_graph *g, const struct opr_deps *d,
	      const unsigned char *remove, struct opr_err *err)
{
	int v, c, rc;

	memset(s, 0, sizeof(*s));
	s->g = g;
	s->d = d;
	s->remove = remove;
	s->n_values = g->n_values;
	s->n_nodes = g->n_nodes;
	s->opset = opr_graph_opset(g);
	s->st.first_unfolded = -1;
	s->verbose = getenv("OPR_SURGERY_VERBOSE") &&
		     strcmp(getenv("OPR_SURGERY_VERBOSE"), "0");
	s->kept = malloc((size_t)d->n_slots + 1);
	s->changed = calloc((size_t)g->n_values + 1, 1);
	s->dims = malloc(((size_t)g->n_values + 1) * sizeof(*s->dims));
	s->refs = calloc((size_t)g->n_values + 1, sizeof(int));
	s->cst = calloc((size_t)g->n_values + 1, sizeof(*s->cst));
	s->bias = calloc((size_t)g->n_nodes + 1, sizeof(*s->bias));
	if (!s->kept || !s->changed || !s->dims || !s->refs || !s->cst ||
	    !s->bias)
		return opr_errf(err, OPR_ENOMEM, "out of memory planning the "
				"surgery");
	for (v = 0; v < d->n_slots; v++) {
		c = d->slot_class[v];
		s->kept[v] = !(c >= 0 && c < d->n_classes && remove[c]);
	}
	for (c = 0; c < d->n_classes; c++)
		s->st.classes += remove[c] != 0;
	count_refs(s);
	for (v = 0; v < g->n_values; v++)
		if ((rc = new_dims(s, v, err)))
			return rc;
	return OPR_OK;
}

void surg_free(struct surg *s)
{
	int i;

	if (s->cst)
		for (i = 0; i < s->n_values; i++)
			free(s->cst[i]);
	if (s->bias)
		for (i = 0; i < s->n_nodes; i++)
			free(s->bias[i]);
	free(s->kept);
	free(s->changed);
	free(s->dims);
	free(s->refs);
	free(s->cst);
	free(s->bias);
	free(s->e);
	free(s->clones);
	memset(s, 0, sizeof(*s));
}
