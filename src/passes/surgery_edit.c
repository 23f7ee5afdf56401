/*
 * surgery_edit.c - the queue of pending edits and applying it.
 *
 * Nothing touches the graph until surg_apply(): every error that a
 * selection or a graph can cause is found while the edits are computed.
 * Applying only allocates.  A constant input that other nodes (or the
 * graph's inputs and outputs) also name is not changed in place: the node
 * gets a clone, and a later node that needs the same contents gets the
 * same clone (Slice ends shared with the next Slice's starts stay shared).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

int surg_push(struct surg *s, const struct surg_edit *e, struct opr_err *err)
{
	struct surg_edit *p;

	if (s->n_e == s->cap_e) {
		int cap = s->cap_e ? 2 * s->cap_e : 64;

		p = realloc(s->e, (size_t)cap * sizeof(*p));
		if (!p)
			return opr_errf(err, OPR_ENOMEM, "out of memory planning "
					"the surgery");
		s->e = p;
		s->cap_e = cap;
	}
	s->e[s->n_e++] = *e;
	return OPR_OK;
}

int surg_set_input(struct surg *s, int node, int port, int dtype, int rank,
		   const int64_t *dims, void *data, size_t nbytes,
		   struct opr_err *err)
{
	struct surg_edit e;

	memset(&e, 0, sizeof(e));
	e.kind = SURG_SET_INPUT;
	e.node = node;
	e.port = port;
	e.dtype = dtype;
	e.rank = rank;
	memcpy(e.dims, dims, (size_t)rank * sizeof(int64_t));
	e.data = data;
	e.nbytes = nbytes;
	return surg_push(s, &e, err);
}

int surg_set_ints_input(struct surg *s, int node, int port, int dtype,
			const int64_t *vals, int n, struct opr_err *err)
{
	size_t esz = dtype == OPR_DT_INT32 ? 4 : 8;
	char *buf = opr_arena_alloc(&s->g->arena, (size_t)n * esz + 1);
	int64_t dims[1] = { n };
	int i;

	if (!buf)
		return opr_errf(err, OPR_ENOMEM, "out of memory planning the "
				"surgery");
	for (i = 0; i < n; i++) {
		int32_t v32 = (int32_t)vals[i];

		if (esz == 4)
			memcpy(buf + 4 * i, &v32, 4);
		else
			memcpy(buf + 8 * i, &vals[i], 8);
	}
	return surg_set_input(s, node, port, esz == 4 ? OPR_DT_INT32 :
			      OPR_DT_INT64, 1, dims, buf, (size_t)n * esz, err);
}

int surg_set_attr_ints(struct surg *s, int node, const char *attr,
		       const int64_t *vals, int n, struct opr_err *err)
{
	struct surg_edit e;

	memset(&e, 0, sizeof(e));
	e.kind = SURG_SET_INTS;
	e.node = node;
	e.attr = attr;
	e.n = n;
	e.data = opr_arena_memdup(&s->g->arena, vals,
				  (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
	if (!e.data)
		return opr_errf(err, OPR_ENOMEM, "out of memory planning the "
				"surgery");
	return surg_push(s, &e, err);
}

/* A fresh value name "<base>_pruned[_k]".  -1 when out of memory. */
static int new_value(struct opr_graph *g, const char *base)
{
	char name[512];
	int k, v;

	for (k = 1; k < 1000000; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "%s_pruned", base);
		else
			snprintf(name, sizeof(name), "%s_pruned_%d", base, k);
		if (opr_graph_find_value(g, name) >= 0)
			continue;
		v = opr_graph_add_value(g, name);
		return v;
	}
	return -1;
}

/* 1 when value v holds exactly e's tensor. */
static int same_tensor(const struct opr_value *x, const struct surg_edit *e)
{
	return x->dtype == e->dtype && x->rank == e->rank &&
	       !memcmp(x->dims, e->dims, (size_t)e->rank * sizeof(int64_t)) &&
	       x->nbytes == e->nbytes && x->data &&
	       (!e->nbytes || !memcmp(x->data, e->data, e->nbytes));
}

/* Sets value v to e's tensor (an initializer). */
static void fill_value(struct opr_value *x, const struct surg_edit *e)
{
	int i;

	x->dtype = e->dtype;
	x->rank = e->rank;
	for (i = 0; i < OPR_MAX_RANK; i++) {
		x->dims[i] = i < e->rank ? e->dims[i] : -1;
		x->dim_param[i] = NULL;
	}
	x->data = e->data;
	x->nbytes = e->nbytes;
	x->is_initializer = 1;
	x->producer = -1;
	x->external = NULL;
}

/* Gives node room for input port (new inputs -1). */
static int grow_inputs(struct opr_graph *g, int node, int port)
{
	struct opr_node *n = &g->nodes[node];
	int *in, k;

	if (port < n->n_in)
		return 0;
	in = opr_arena_alloc(&g->arena, (size_t)(port + 2) * sizeof(int));
	if (!in)
		return -1;
	for (k = 0; k <= port; k++)
		in[k] = k < n->n_in ? n->in[k] : -1;
	n->in = in;
	n->n_in = port + 1;
	return 0;
}

/* Remembers clone v of orig.  -1 when out of memory. */
static int add_clone(struct surg *s, int orig, int v)
{
	struct surg_clone *c;

	if (s->n_clones == s->cap_clones) {
		int cap = s->cap_clones ? 2 * s->cap_clones : 16;

		c = realloc(s->clones, (size_t)cap * sizeof(*c));
		if (!c)
			return -1;
		s->clones = c;
		s->cap_clones = cap;
	}
	s->clones[s->n_clones].orig = orig;
	s->clones[s->n_clones++].v = v;
	return 0;
}

static int apply_input(struct surg *s, const struct surg_edit *e,
		       struct opr_err *err)
{
	struct opr_graph *g = s->g;
	int v, c, nv;
	char base[400];

	if (grow_inputs(g, e->node, e->port))
		goto nomem;
	v = g->nodes[e->node].in[e->port];
	if (v >= 0 && same_tensor(&g->values[v], e))
		return OPR_OK;
	/* a consumer before this one made the same clone: share it */
	for (c = 0; v >= 0 && c < s->n_clones; c++)
		if (s->clones[c].orig == v && same_tensor(&g->values[s->clones[c].v], e))
			break;
	if (v < 0)
		c = s->n_clones;	/* a new tensor (an added bias) is never shared */
	if (c == s->n_clones && v >= 0 && v < s->n_values && s->refs[v] == 1) {
		fill_value(&g->values[v], e);	/* its only reader: in place */
		return OPR_OK;
	}
	if (c < s->n_clones) {
		nv = s->clones[c].v;
	} else {
		if (v >= 0)
			snprintf(base, sizeof(base), "%s", g->values[v].name);
		else
			snprintf(base, sizeof(base), "%s_%d",
				 g->nodes[e->node].name[0] ? g->nodes[e->node].name :
				 "surgery", e->port);
		nv = new_value(g, base);
		if (nv < 0 || add_clone(s, v, nv))
			goto nomem;
		fill_value(&g->values[nv], e);
		if (opr_fold_add_init(g, nv, err))
			return OPR_ENOMEM;
	}
	if (v >= 0 && v < s->n_values)
		s->refs[v]--;
	g->nodes[e->node].in[e->port] = nv;
	return OPR_OK;
nomem:
	return opr_errf(err, OPR_ENOMEM, "out of memory editing the graph");
}

/* Attribute attr of node, added (zeroed, of type) when missing. */
static struct opr_attr *attr_for(struct opr_graph *g, int node,
				 const char *attr, int type)
{
	struct opr_attr *a = opr_node_attr(&g->nodes[node], attr);

	if (!a)
		return opr_node_add_attr(g, node, attr, type);
	a->type = type;
	return a;
}

static void del_attr(struct opr_graph *g, int node, const char *attr)
{
	struct opr_node *n = &g->nodes[node];
	int i;

	for (i = 0; i < n->n_attrs; i++) {
		if (strcmp(n->attrs[i].name, attr))
			continue;
		memmove(&n->attrs[i], &n->attrs[i + 1],
			(size_t)(n->n_attrs - i - 1) * sizeof(*n->attrs));
		n->n_attrs--;
		return;
	}
}

int surg_apply(struct surg *s, struct opr_err *err)
{
	struct opr_graph *g = s->g;
	struct opr_attr *a;
	int i, rc;

	for (i = 0; i < s->n_e; i++) {
		const struct surg_edit *e = &s->e[i];

		switch (e->kind) {
		case SURG_SET_INPUT:
			if ((rc = apply_input(s, e, err)))
				return rc;
			break;
		case SURG_SET_INTS:
		case SURG_SET_INT:
			a = attr_for(g, e->node, e->attr, e->kind == SURG_SET_INT ?
				     OPR_AT_INT : OPR_AT_INTS);
			if (!a)
				return opr_errf(err, OPR_ENOMEM, "out of memory "
						"editing the graph");
			a->i = e->i;
			a->ints = e->kind == SURG_SET_INTS ? e->data : NULL;
			a->n = e->kind == SURG_SET_INTS ? e->n : 0;
			a->raw = NULL;
			a->raw_len = 0;
			break;
		case SURG_DEL_ATTR:
			del_attr(g, e->node, e->attr);
			break;
		case SURG_TO_GEMM:
			g->nodes[e->node].op = OPR_OP_GEMM;
			g->nodes[e->node].op_type = opr_graph_strdup(g, "Gemm");
			if (!g->nodes[e->node].op_type)
				return opr_errf(err, OPR_ENOMEM, "out of memory "
						"editing the graph");
			break;
		}
	}
	/* clones whose original is still read: consumers that disagreed */
	for (i = 0; i < s->n_clones; i++)
		s->st.cloned += s->clones[i].orig >= 0 &&
				s->clones[i].orig < s->n_values &&
				s->refs[s->clones[i].orig] > 0;
	return OPR_OK;
}
