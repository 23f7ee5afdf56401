/*
 * import_graph.c - GraphProto to IR: inputs, initializers, nodes, value_info
 * and outputs, with every name resolved and every count checked.
 *
 * Nodes are read in two sweeps, outputs first, so that a model whose nodes
 * are not topologically sorted still resolves; the caller sorts afterwards
 * and reports a cycle if there is one.
 */
#include <stdlib.h>
#include <string.h>

#include "importer/import_internal.h"

static int oom(struct import_ctx *c)
{
	return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
}

/* Adds a value called name, or fails naming what declared it twice. */
static int add_named(struct import_ctx *c, const char *name, const char *what,
		     int *out)
{
	if (!name || !*name)
		return opr_errf(c->err, OPR_EINVAL, "%s: a graph %s has no name",
				c->src, what);
	if (opr_graph_find_value(c->g, name) >= 0)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: %s '%s' is declared twice", c->src, what, name);
	*out = opr_graph_add_value(c->g, name);
	return *out < 0 ? oom(c) : OPR_OK;
}

static int import_inputs(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	size_t i;
	int v, rc;

	c->g->inputs = calloc(gp->n_input + 1, sizeof(int));
	if (!c->g->inputs)
		return oom(c);
	for (i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];

		if ((rc = add_named(c, vi->name, "input", &v)))
			return rc;
		c->g->values[v].doc_string = opr_graph_strdup(c->g, vi->doc_string);
		if ((rc = import_value_type(c, vi->type, v, 1)))
			return rc;
		c->g->inputs[c->g->n_inputs++] = v;
	}
	return OPR_OK;
}

/* Stores tensor t as the data of value v. */
static void set_initializer(struct opr_graph *g, int v, const struct opr_tensor *t,
			    struct opr_external *ext)
{
	struct opr_value *val = &g->values[v];

	val->dtype = t->dtype;
	val->rank = t->rank;
	memcpy(val->dims, t->dims, sizeof(val->dims));
	memset(val->dim_param, 0, sizeof(val->dim_param));
	val->data = t->data;
	val->nbytes = t->nbytes;
	val->is_initializer = 1;
	val->external = ext;
	g->inits[g->n_inits++] = v;
}

/*
 * The value an initializer called name (what: "initializer" or "sparse
 * initializer") is stored in: a new one, or the graph input of that name
 * (old models list initializers among the inputs too).
 */
static int init_value(struct import_ctx *c, const char *name, const char *what,
		      int *v)
{
	*v = opr_graph_find_value(c->g, name ? name : "");
	if (*v >= 0 && c->g->values[*v].is_initializer)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: initializer '%s' is declared twice", c->src, name);
	if (*v < 0)
		return add_named(c, name, what, v);
	return OPR_OK;
}

/* Sparse initializers come after the dense ones, densified (is_sparse). */
static int import_sparse_initializers(struct import_ctx *c,
				      const Onnx__GraphProto *gp)
{
	const char *name;
	struct opr_tensor t;
	size_t i;
	int v, rc;

	for (i = 0; i < gp->n_sparse_initializer; i++) {
		rc = import_sparse(c, gp->sparse_initializer[i], NULL, &t, &name);
		if (rc || (rc = init_value(c, name, "sparse initializer", &v)))
			return rc;
		set_initializer(c->g, v, &t, NULL);
		c->g->values[v].is_sparse = OPR_SPARSE_INITIALIZER;
		c->g->values[v].doc_string = opr_graph_strdup(c->g,
				gp->sparse_initializer[i]->values->doc_string);
	}
	return OPR_OK;
}

static int import_initializers(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	struct opr_external *ext;
	struct opr_tensor t;
	size_t i;
	int v, rc;

	c->g->inits = calloc(gp->n_initializer + gp->n_sparse_initializer + 1,
			     sizeof(int));
	if (!c->g->inits)
		return oom(c);
	for (i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];

		if ((rc = init_value(c, tp->name, "initializer", &v)) ||
		    (rc = import_tensor(c, tp, "initializer", &t, &ext)))
			return rc;
		set_initializer(c->g, v, &t, ext);
		c->g->values[v].doc_string = opr_graph_strdup(c->g, tp->doc_string);
	}
	return import_sparse_initializers(c, gp);
}

/* First sweep: creates each node and the values it produces. */
static int import_node_outputs(struct import_ctx *c, const Onnx__NodeProto *np,
			       int *out_node)
{
	char buf[300];
	size_t k;
	int i, v;

	if (np->n_input > OPR_MAX_INPUTS || np->n_output > OPR_MAX_INPUTS)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: node '%s' (%s) has %zu inputs and %zu outputs",
				c->src, np->name ? np->name : "",
				np->op_type ? np->op_type : "", np->n_input, np->n_output);
	if (!np->op_type || !*np->op_type)
		return opr_errf(c->err, OPR_EINVAL, "%s: node '%s' has no op_type",
				c->src, np->name ? np->name : "");
	i = opr_graph_add_node(c->g, np->op_type, np->domain, (int)np->n_input,
			       (int)np->n_output);
	if (i < 0)
		return oom(c);
	c->g->nodes[i].name = opr_graph_strdup(c->g, np->name ? np->name : "");
	c->g->nodes[i].doc_string = opr_graph_strdup(c->g, np->doc_string);
	for (k = 0; k < np->n_output; k++) {
		const char *name = np->output[k];

		if (!name || !*name)
			continue;
		v = opr_graph_find_value(c->g, name);
		if (v >= 0)
			return opr_errf(c->err, OPR_EINVAL,
					"%s: %s: output '%s' is already produced %s",
					c->src, opr_node_desc(c->g, i, buf, sizeof(buf)),
					name, c->g->values[v].producer >= 0 ?
					"by another node" : "by an input or initializer");
		v = opr_graph_add_value(c->g, name);
		if (v < 0)
			return oom(c);
		c->g->values[v].producer = i;
		c->g->nodes[i].out[k] = v;
	}
	*out_node = i;
	return OPR_OK;
}

/* Second sweep: resolves input names and checks arity. */
static int import_node_inputs(struct import_ctx *c, const Onnx__NodeProto *np,
			      int i)
{
	struct opr_node *n = &c->g->nodes[i];
	const struct opr_op_def *def = &opr_ops[n->op];
	char buf[300];
	size_t k;

	for (k = 0; k < np->n_input; k++) {
		const char *name = np->input[k];

		if (!name || !*name)
			continue;
		n->in[k] = opr_graph_find_value(c->g, name);
		if (n->in[k] < 0)
			return opr_errf(c->err, OPR_EINVAL,
					"%s: %s: input '%s' names no value (no graph input, "
					"initializer or node output has that name)", c->src,
					opr_node_desc(c->g, i, buf, sizeof(buf)), name);
	}
	if (n->op != OPR_OP_UNKNOWN &&
	    (n->n_in < def->min_in || n->n_in > def->max_in ||
	     n->n_out < def->min_out || n->n_out > def->max_out))
		return opr_errf(c->err, OPR_EINVAL,
				"%s: %s has %d inputs and %d outputs; %s takes %d to %d "
				"inputs and %d to %d outputs", c->src,
				opr_node_desc(c->g, i, buf, sizeof(buf)), n->n_in,
				n->n_out, def->name, def->min_in, def->max_in,
				def->min_out, def->max_out);
	/* Output 0 of every op in the table is required; infer and fold
	 * index values[out[0]] without checking. */
	if (n->op != OPR_OP_UNKNOWN && n->n_out > 0 && n->out[0] < 0)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: %s: output 0 has no name, but %s requires it",
				c->src, opr_node_desc(c->g, i, buf, sizeof(buf)),
				def->name);
	return import_attrs(c, np, i);
}

static int import_nodes(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	size_t k;
	int first = c->g->n_nodes, i, rc;

	for (k = 0; k < gp->n_node; k++)
		if ((rc = import_node_outputs(c, gp->node[k], &i)))
			return rc;
	for (k = 0; k < gp->n_node; k++)
		if ((rc = import_node_inputs(c, gp->node[k], first + (int)k)))
			return rc;
	return OPR_OK;
}

static int import_value_info(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	size_t k;
	int v, rc;

	for (k = 0; k < gp->n_value_info; k++) {
		const Onnx__ValueInfoProto *vi = gp->value_info[k];

		v = opr_graph_find_value(c->g, vi->name ? vi->name : "");
		if (v < 0 || c->g->values[v].is_initializer)
			continue;	/* stale entry: nothing carries that name */
		if ((rc = import_value_type(c, vi->type, v, 0)))
			return rc;
		c->g->values[v].keep_value_info = 1;
		c->g->values[v].doc_string = opr_graph_strdup(c->g, vi->doc_string);
	}
	return OPR_OK;
}

static int import_outputs(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	size_t k;
	int v, rc;

	if (gp->n_output == 0)
		return opr_errf(c->err, OPR_EINVAL, "%s: the graph has no outputs",
				c->src);
	c->g->outputs = calloc(gp->n_output + 1, sizeof(int));
	if (!c->g->outputs)
		return oom(c);
	for (k = 0; k < gp->n_output; k++) {
		const Onnx__ValueInfoProto *vi = gp->output[k];

		v = opr_graph_find_value(c->g, vi->name ? vi->name : "");
		if (v < 0)
			return opr_errf(c->err, OPR_EINVAL,
					"%s: graph output '%s' is produced by no node",
					c->src, vi->name ? vi->name : "");
		if (!c->g->values[v].is_initializer &&
		    (rc = import_value_type(c, vi->type, v, 1)))
			return rc;
		c->g->values[v].doc_string = opr_graph_strdup(c->g, vi->doc_string);
		c->g->outputs[c->g->n_outputs++] = v;
	}
	return OPR_OK;
}

int import_graph(struct import_ctx *c, const Onnx__GraphProto *gp)
{
	int rc;

	c->g->graph_name = opr_graph_strdup(c->g, gp->name);
	c->g->graph_doc_string = opr_graph_strdup(c->g, gp->doc_string);
	if ((rc = import_inputs(c, gp)) || (rc = import_initializers(c, gp)) ||
	    (rc = import_nodes(c, gp)) || (rc = import_value_info(c, gp)) ||
	    (rc = import_outputs(c, gp)))
		return rc;
	return OPR_OK;
}
