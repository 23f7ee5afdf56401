/*
 * import_constants.c - Constant nodes become initializers.
 *
 * Exporters often store weights and shape amounts as Constant nodes; passes
 * only look at initializers, so each Constant with a dense value (value,
 * value_float(s), value_int(s)) is turned into an initializer of the same
 * name and the node is dropped.  So is a Constant holding a sparse_value:
 * it is densified (import_sparse.c) and remembered as sparse, so that the
 * exporter can write it back in that form.  Constants holding strings
 * stay as nodes (opaque to passes).
 */
#include <stdlib.h>
#include <string.h>

#include "importer/import_internal.h"

/* Builds the tensor a Constant node holds; returns 0 when it is not dense. */
static int constant_tensor(struct import_ctx *c, const struct opr_node *n,
			   struct opr_tensor *t)
{
	const struct opr_attr *a;

	memset(t, 0, sizeof(*t));
	if (n->n_attrs != 1)
		return 0;
	a = &n->attrs[0];
	if (strcmp(a->name, "value") == 0 && a->type == OPR_AT_TENSOR && a->t) {
		*t = *a->t;
		return 1;
	}
	if (strcmp(a->name, "value_float") == 0 && a->type == OPR_AT_FLOAT) {
		t->dtype = OPR_DT_FLOAT;
		t->data = opr_arena_memdup(&c->g->arena, &a->f, sizeof(float));
		t->nbytes = sizeof(float);
	} else if (strcmp(a->name, "value_int") == 0 && a->type == OPR_AT_INT) {
		t->dtype = OPR_DT_INT64;
		t->data = opr_arena_memdup(&c->g->arena, &a->i, sizeof(int64_t));
		t->nbytes = sizeof(int64_t);
	} else if (strcmp(a->name, "value_floats") == 0 && a->type == OPR_AT_FLOATS) {
		t->dtype = OPR_DT_FLOAT;
		t->rank = 1;
		t->dims[0] = a->n;
		t->nbytes = (size_t)a->n * sizeof(float);
		t->data = opr_arena_memdup(&c->g->arena, a->floats, t->nbytes);
	} else if (strcmp(a->name, "value_ints") == 0 && a->type == OPR_AT_INTS) {
		t->dtype = OPR_DT_INT64;
		t->rank = 1;
		t->dims[0] = a->n;
		t->nbytes = (size_t)a->n * sizeof(int64_t);
		t->data = opr_arena_memdup(&c->g->arena, a->ints, t->nbytes);
	} else {
		return 0;
	}
	return t->data ? 1 : -1;
}

/*
 * The dense tensor of a Constant whose only attribute is sparse_value (kept
 * packed by import_attrs.c) into *t; *is 1 when n is such a Constant.
 */
static int sparse_constant(struct import_ctx *c, const struct opr_node *n,
			   struct opr_tensor *t, int *is)
{
	const struct opr_attr *a = n->n_attrs == 1 ? &n->attrs[0] : NULL;
	Onnx__AttributeProto *ap;
	const char *name;
	int rc;

	*is = a && a->type == OPR_AT_SPARSE_TENSOR &&
	      strcmp(a->name, "sparse_value") == 0;
	if (!*is)
		return OPR_OK;
	ap = a->raw ? onnx__attribute_proto__unpack(NULL, a->raw_len, a->raw) : NULL;
	if (!ap || !ap->sparse_tensor)
		rc = opr_errf(c->err, OPR_EINVAL, "%s: Constant '%s': sparse_value "
			      "holds no sparse tensor", c->src,
			      c->g->values[n->out[0]].name);
	else
		rc = import_sparse(c, ap->sparse_tensor,
				   c->g->values[n->out[0]].name, t, &name);
	if (ap)
		onnx__attribute_proto__free_unpacked(ap, NULL);
	return rc;
}

int import_constants(struct import_ctx *c)
{
	struct opr_graph *g = c->g;
	struct opr_tensor t;
	int i, n_const = 0, r, v, rc, sparse;
	int *inits;

	for (i = 0; i < g->n_nodes; i++)
		n_const += g->nodes[i].op == OPR_OP_CONSTANT;
	if (n_const == 0)
		return OPR_OK;
	inits = realloc(g->inits, (size_t)(g->n_inits + n_const + 1) * sizeof(int));
	if (!inits)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
	g->inits = inits;
	for (i = 0; i < g->n_nodes; i++) {
		struct opr_node *n = &g->nodes[i];

		if (n->op != OPR_OP_CONSTANT || n->n_out != 1 || n->out[0] < 0)
			continue;
		if ((rc = sparse_constant(c, n, &t, &sparse)))
			return rc;
		r = sparse ? 1 : constant_tensor(c, n, &t);
		if (r < 0)
			return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
		if (r == 0)
			continue;
		v = n->out[0];
		g->values[v].dtype = t.dtype;
		g->values[v].rank = t.rank;
		memcpy(g->values[v].dims, t.dims, sizeof(t.dims));
		memset(g->values[v].dim_param, 0, sizeof(g->values[v].dim_param));
		g->values[v].data = t.data;
		g->values[v].nbytes = t.nbytes;
		g->values[v].is_initializer = 1;
		g->values[v].is_sparse = sparse ? OPR_SPARSE_CONSTANT : 0;
		g->values[v].producer = -1;
		g->inits[g->n_inits++] = v;
		n->out[0] = -1;
		n->dead = 1;
	}
	return opr_graph_compact(g, c->err);
}
