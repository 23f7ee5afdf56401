/*
 * export_model.c - the IR as an Onnx__ModelProto: model fields, graph
 * inputs and outputs, initializers, nodes and value_info, then packing;
 * opr_export_mem() lives here.
 *
 * Output is deterministic: everything is written in IR order (inputs,
 * outputs and initializers in model order, nodes topologically, value_info
 * in the order the nodes produce the values) and protobuf-c packs fields in
 * field-number order, so the same graph always gives the same bytes.
 *
 * Choices: nodes marked dead are skipped (opr_graph_compact() would remove
 * them); an absent graph name is written as "main_graph" because ONNX
 * requires one; empty node names and domains are left out (ONNX reads an
 * absent field as ""); initializers go sparse as export_sparse.c decides.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/export.h"

/* Per-value flags used while choosing value_info entries. */
enum {
	F_INPUT = 1,		/* a graph input */
	F_OUTPUT = 2,		/* a graph output */
	F_INIT = 4,		/* an initializer */
	F_DONE = 8		/* already has a value_info entry */
};

static void *arena_alloc_cb(void *data, size_t size)
{
	return opr_arena_alloc(data, size ? size : 1);
}

static void arena_free_cb(void *data, void *ptr)
{
	(void)data;	/* the arena frees everything in opr_exp_fini() */
	(void)ptr;
}

void opr_exp_init(struct opr_exp *x, const struct opr_graph *g,
		  const struct opr_export_opts *opts)
{
	memset(x, 0, sizeof(*x));
	x->alloc.alloc = arena_alloc_cb;
	x->alloc.free = arena_free_cb;
	x->alloc.allocator_data = &x->arena;
	x->g = g;
	x->no_value_info = opts ? opts->no_value_info : 0;
	x->sparse = opts ? opts->sparse_initializers : 0;
}

void opr_exp_fini(struct opr_exp *x)
{
	opr_arena_free(&x->arena);
}

void *opr_exp_alloc(struct opr_exp *x, size_t n)
{
	return opr_arena_alloc(&x->arena, n ? n : 1);
}

/* A decimal string in x's arena, for external_data offsets and lengths. */
static char *i64_str(struct opr_exp *x, int64_t v)
{
	char *s = opr_exp_alloc(x, 24);

	if (s)
		snprintf(s, 24, "%" PRId64, v);
	return s;
}

/* A StringStringEntryProto of key and value (not copied). */
static Onnx__StringStringEntryProto *kv(struct opr_exp *x, const char *key,
					const char *value)
{
	Onnx__StringStringEntryProto *e = opr_exp_alloc(x, sizeof(*e));

	if (!e)
		return NULL;
	onnx__string_string_entry_proto__init(e);
	e->key = (char *)key;
	e->value = (char *)value;
	return e;
}

/* The ValueInfoProto of value v: name, type, doc_string. */
static Onnx__ValueInfoProto *value_info(struct opr_exp *x,
					const struct opr_value *v)
{
	Onnx__ValueInfoProto *vi = opr_exp_alloc(x, sizeof(*vi));

	if (!vi)
		return NULL;
	onnx__value_info_proto__init(vi);
	vi->name = v->name;
	vi->doc_string = v->doc_string;
	if (v->dtype != OPR_DT_UNDEFINED || v->rank >= 0) {
		vi->type = opr_exp_type(x, v);
		if (!vi->type)
			return NULL;
	}
	return vi;
}

/* Checks value id is in range and its rank is one the IR allows. */
static int check_value(const struct opr_graph *g, int id, const char *role,
		       struct opr_err *err)
{
	if (id < 0 || id >= g->n_values)
		return opr_errf(err, OPR_EINTERNAL, "%s refers to value %d of %d",
				role, id, g->n_values);
	if (g->values[id].rank < -1 || g->values[id].rank > OPR_MAX_RANK)
		return opr_errf(err, OPR_EINTERNAL, "%s '%s' has rank %d",
				role, g->values[id].name, g->values[id].rank);
	return OPR_OK;
}

/* ValueInfoProtos for the n value ids (graph inputs or outputs). */
static int io_list(struct opr_exp *x, const int *ids, int n, const char *role,
		   Onnx__ValueInfoProto ***out, size_t *n_out,
		   struct opr_err *err)
{
	Onnx__ValueInfoProto **list;
	int i, rc;

	if (n <= 0)
		return OPR_OK;
	list = opr_exp_alloc(x, (size_t)n * sizeof(*list));
	if (!list)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting the %ss", role);
	for (i = 0; i < n; i++) {
		rc = check_value(x->g, ids[i], role, err);
		if (rc)
			return rc;
		list[i] = value_info(x, &x->g->values[ids[i]]);
		if (!list[i])
			return opr_errf(err, OPR_ENOMEM, "out of memory exporting the %ss", role);
	}
	*out = list;
	*n_out = (size_t)n;
	return OPR_OK;
}

/* Replaces t's raw_data by external_data entries for placement p. */
static int externalise(struct opr_exp *x, Onnx__TensorProto *t,
		       const struct opr_exp_place *p)
{
	Onnx__StringStringEntryProto **e = opr_exp_alloc(x, 3 * sizeof(*e));
	char *off = i64_str(x, p->offset), *len = i64_str(x, p->length);

	if (!e || !off || !len)
		return OPR_ENOMEM;
	e[0] = kv(x, "location", x->ext->location);
	e[1] = kv(x, "offset", off);
	e[2] = kv(x, "length", len);
	if (!e[0] || !e[1] || !e[2])
		return OPR_ENOMEM;
	t->has_raw_data = 0;
	t->raw_data.len = 0;
	t->raw_data.data = NULL;
	t->n_external_data = 3;
	t->external_data = e;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	return OPR_OK;
}

/* The TensorProto of initializer number i (g->inits[i]) into *out. */
static int initializer(struct opr_exp *x, int i, Onnx__TensorProto **out,
		       struct opr_err *err)
{
	const struct opr_value *v;
	Onnx__TensorProto *t;
	int rc = check_value(x->g, x->g->inits[i], "initializer", err);

	if (rc)
		return rc;
	v = &x->g->values[x->g->inits[i]];
	if (opr_dtype_size(v->dtype) == 0)
		return opr_errf(err, OPR_EUNSUPPORTED,
				"initializer '%s' has element type %s, which the exporter cannot write",
				v->name, opr_dtype_name(v->dtype));
	if (v->nbytes && !v->data)
		return opr_errf(err, OPR_EINTERNAL, "initializer '%s' has no data",
				v->name);
	if (opr_exp_size_ok(v->dtype, v->rank, v->dims, v->nbytes))
		return opr_errf(err, OPR_EINVAL,
				"initializer '%s' holds %zu bytes, which does not fit its %s shape of rank %d",
				v->name, v->nbytes, opr_dtype_name(v->dtype), v->rank);
	t = opr_exp_tensor(x, v->name, v->dtype, v->rank, v->dims, v->data,
			   v->nbytes);
	if (!t)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting '%s'", v->name);
	t->doc_string = v->doc_string;
	if (x->ext && x->ext->place[i].offset >= 0 &&
	    externalise(x, t, &x->ext->place[i]))
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting '%s'", v->name);
	*out = t;
	return OPR_OK;
}

/*
 * The initializers in g->inits order: dense ones in gp->initializer, those
 * opr_exp_sparse_form() puts in sparse_initializer there (Constant-form
 * ones are nodes, see nodes()).
 */
static int initializers(struct opr_exp *x, Onnx__GraphProto *gp,
			struct opr_err *err)
{
	size_t n = x->g->n_inits > 0 ? (size_t)x->g->n_inits : 0;
	int i, v, form, rc;

	if (n == 0)
		return OPR_OK;
	gp->initializer = opr_exp_alloc(x, n * sizeof(*gp->initializer));
	gp->sparse_initializer = opr_exp_alloc(x, n *
					       sizeof(*gp->sparse_initializer));
	if (!gp->initializer || !gp->sparse_initializer)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting initializers");
	for (i = 0; i < x->g->n_inits; i++) {
		v = x->g->inits[i];
		form = opr_exp_sparse_form(x->g, v, x->sparse);
		if (form == OPR_SPARSE_CONSTANT)
			continue;
		if (form == OPR_SPARSE_INITIALIZER) {
			gp->sparse_initializer[gp->n_sparse_initializer] =
				opr_exp_sparse(x, &x->g->values[v]);
			if (!gp->sparse_initializer[gp->n_sparse_initializer++])
				return opr_errf(err, OPR_ENOMEM, "out of memory "
						"exporting '%s'", x->g->values[v].name);
			continue;
		}
		rc = initializer(x, i, &gp->initializer[gp->n_initializer], err);
		if (rc)
			return rc;
		gp->n_initializer++;
	}
	return OPR_OK;
}

/* Value names for n ids into *out; -1 (omitted optional) becomes "". */
static int names(struct opr_exp *x, int node, const int *ids, int n,
		 const char *role, char ***out, struct opr_err *err)
{
	char **list = opr_exp_alloc(x, (size_t)(n > 0 ? n : 1) * sizeof(*list));
	char desc[160];
	int k;

	if (!list)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting nodes");
	for (k = 0; k < n; k++) {
		if (ids[k] == -1)
			list[k] = "";
		else if (ids[k] < 0 || ids[k] >= x->g->n_values)
			return opr_errf(err, OPR_EINTERNAL,
					"%s: %s %d refers to value %d of %d",
					opr_node_desc(x->g, node, desc, sizeof(desc)),
					role, k, ids[k], x->g->n_values);
		else
			list[k] = x->g->values[ids[k]].name;
	}
	*out = list;
	return OPR_OK;
}

/* The NodeProto of node i into *out. */
static int node(struct opr_exp *x, int i, Onnx__NodeProto **out,
		struct opr_err *err)
{
	const struct opr_node *n = &x->g->nodes[i];
	Onnx__NodeProto *p = opr_exp_alloc(x, sizeof(*p));
	int k, rc;

	if (!p)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting nodes");
	onnx__node_proto__init(p);
	p->op_type = n->op_type;
	p->name = n->name && *n->name ? n->name : NULL;
	p->domain = n->domain && *n->domain ? n->domain : NULL;
	p->doc_string = n->doc_string;
	rc = names(x, i, n->in, n->n_in, "input", &p->input, err);
	if (!rc)
		rc = names(x, i, n->out, n->n_out, "output", &p->output, err);
	if (rc)
		return rc;
	p->n_input = (size_t)n->n_in;
	p->n_output = (size_t)n->n_out;
	if (n->n_attrs > 0) {
		p->attribute = opr_exp_alloc(x, (size_t)n->n_attrs *
						sizeof(*p->attribute));
		if (!p->attribute)
			return opr_errf(err, OPR_ENOMEM, "out of memory exporting nodes");
		for (k = 0; k < n->n_attrs; k++) {
			rc = opr_exp_attr(x, i, &n->attrs[k], &p->attribute[k], err);
			if (rc)
				return rc;
		}
		p->n_attribute = (size_t)n->n_attrs;
	}
	*out = p;
	return OPR_OK;
}

/*
 * The nodes: first a Constant for each initializer written in the Constant
 * sparse form (g->inits order, after initializers() checked them), then
 * the graph's live nodes in order.
 */
static int nodes(struct opr_exp *x, Onnx__GraphProto *gp, struct opr_err *err)
{
	size_t n = (size_t)(x->g->n_nodes > 0 ? x->g->n_nodes : 0) +
		   (size_t)(x->g->n_inits > 0 ? x->g->n_inits : 0);
	int i, v, rc;

	if (n == 0)
		return OPR_OK;
	gp->node = opr_exp_alloc(x, n * sizeof(*gp->node));
	if (!gp->node)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting nodes");
	for (i = 0; i < x->g->n_inits; i++) {
		v = x->g->inits[i];
		if (opr_exp_sparse_form(x->g, v, x->sparse) != OPR_SPARSE_CONSTANT)
			continue;
		gp->node[gp->n_node] = opr_exp_sparse_constant(x, &x->g->values[v]);
		if (!gp->node[gp->n_node++])
			return opr_errf(err, OPR_ENOMEM, "out of memory exporting '%s'",
					x->g->values[v].name);
	}
	for (i = 0; i < x->g->n_nodes; i++) {
		if (x->g->nodes[i].dead)
			continue;
		rc = node(x, i, &gp->node[gp->n_node], err);
		if (rc)
			return rc;
		gp->n_node++;
	}
	return OPR_OK;
}

/* Flags of every value: graph input, output, initializer. */
static unsigned char *value_flags(struct opr_exp *x)
{
	const struct opr_graph *g = x->g;
	unsigned char *f = opr_exp_alloc(x, (size_t)g->n_values);
	int i;

	if (!f)
		return NULL;
	for (i = 0; i < g->n_inputs; i++)
		f[g->inputs[i]] |= F_INPUT;
	for (i = 0; i < g->n_outputs; i++)
		f[g->outputs[i]] |= F_OUTPUT;
	for (i = 0; i < g->n_inits; i++)
		f[g->inits[i]] |= F_INIT;
	return f;
}

/*
 * value_info: each activation (not a graph input, output or initializer)
 * in the order live nodes produce it, when its dtype and rank are known or
 * the model carried value_info for it; with no_value_info only the latter.
 * Runs after io_list()/initializers()/nodes() have checked every index.
 */
static int value_infos(struct opr_exp *x, Onnx__GraphProto *gp,
		       struct opr_err *err)
{
	const struct opr_graph *g = x->g;
	unsigned char *f = value_flags(x);
	int i, k, v, cap = 0;

	if (!f)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting value_info");
	for (i = 0; i < g->n_nodes; i++)
		cap += g->nodes[i].dead ? 0 : g->nodes[i].n_out;
	gp->value_info = opr_exp_alloc(x, (size_t)cap * sizeof(*gp->value_info));
	if (!gp->value_info)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting value_info");
	for (i = 0; i < g->n_nodes; i++) {
		for (k = 0; !g->nodes[i].dead && k < g->nodes[i].n_out; k++) {
			const struct opr_value *val;

			v = g->nodes[i].out[k];
			if (v < 0 || f[v])
				continue;
			val = &g->values[v];
			if (!val->keep_value_info && (x->no_value_info ||
			    val->dtype == OPR_DT_UNDEFINED || val->rank < 0))
				continue;
			f[v] |= F_DONE;
			gp->value_info[gp->n_value_info] = value_info(x, val);
			if (!gp->value_info[gp->n_value_info++])
				return opr_errf(err, OPR_ENOMEM, "out of memory exporting value_info");
		}
	}
	return OPR_OK;
}

/* ModelProto fields outside the graph. */
static int model_fields(struct opr_exp *x, Onnx__ModelProto *m)
{
	const struct opr_graph *g = x->g;
	int i;

	m->has_ir_version = 1;
	m->ir_version = g->ir_version;
	m->producer_name = g->producer_name;
	m->producer_version = g->producer_version;
	m->domain = g->model_domain;
	m->has_model_version = g->has_model_version ? 1 : 0;
	m->model_version = g->model_version;
	m->doc_string = g->doc_string;
	if (g->n_opsets > 0) {
		m->opset_import = opr_exp_alloc(x, (size_t)g->n_opsets *
						   sizeof(*m->opset_import));
		if (!m->opset_import)
			return OPR_ENOMEM;
		for (i = 0; i < g->n_opsets; i++) {
			Onnx__OperatorSetIdProto *o = opr_exp_alloc(x, sizeof(*o));

			if (!o)
				return OPR_ENOMEM;
			onnx__operator_set_id_proto__init(o);
			o->domain = g->opsets[i].domain ? g->opsets[i].domain : "";
			o->has_version = 1;
			o->version = g->opsets[i].version;
			m->opset_import[i] = o;
		}
		m->n_opset_import = (size_t)g->n_opsets;
	}
	if (g->n_meta > 0) {
		m->metadata_props = opr_exp_alloc(x, (size_t)g->n_meta *
						     sizeof(*m->metadata_props));
		if (!m->metadata_props)
			return OPR_ENOMEM;
		for (i = 0; i < g->n_meta; i++) {
			m->metadata_props[i] = kv(x, g->meta[i].key, g->meta[i].value);
			if (!m->metadata_props[i])
				return OPR_ENOMEM;
		}
		m->n_metadata_props = (size_t)g->n_meta;
	}
	return OPR_OK;
}

int opr_exp_model(struct opr_exp *x, Onnx__ModelProto **out,
		  struct opr_err *err)
{
	const struct opr_graph *g = x->g;
	Onnx__ModelProto *m = opr_exp_alloc(x, sizeof(*m));
	Onnx__GraphProto *gp = opr_exp_alloc(x, sizeof(*gp));
	int rc;

	if (!m || !gp)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting the model");
	onnx__model_proto__init(m);
	onnx__graph_proto__init(gp);
	m->graph = gp;
	if (model_fields(x, m))
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting the model");
	gp->name = g->graph_name && *g->graph_name ? g->graph_name : "main_graph";
	gp->doc_string = g->graph_doc_string;
	rc = io_list(x, g->inputs, g->n_inputs, "graph input", &gp->input,
		     &gp->n_input, err);
	if (!rc)
		rc = io_list(x, g->outputs, g->n_outputs, "graph output",
			     &gp->output, &gp->n_output, err);
	if (!rc)
		rc = initializers(x, gp, err);
	if (!rc)
		rc = nodes(x, gp, err);
	if (!rc)
		rc = value_infos(x, gp, err);
	if (rc)
		return rc;
	*out = m;
	return OPR_OK;
}

int opr_exp_pack(const Onnx__ModelProto *m, const char *what, void **buf,
		 size_t *len, struct opr_err *err)
{
	size_t size = onnx__model_proto__get_packed_size(m), n;
	uint8_t *p;

	if (size > OPR_EXP_MAX_PROTO)
		return opr_errf(err, OPR_EUNSUPPORTED,
				"%s: the model is %zu bytes, over protobuf's 2 GiB limit; write it with external data",
				what, size);
	p = malloc(size ? size : 1);
	if (!p)
		return opr_errf(err, OPR_ENOMEM, "%s: out of memory for %zu bytes",
				what, size);
	n = onnx__model_proto__pack(m, p);
	if (n != size) {
		free(p);
		return opr_errf(err, OPR_EINTERNAL, "%s: packed %zu bytes, expected %zu",
				what, n, size);
	}
	*buf = p;
	*len = size;
	return OPR_OK;
}

int opr_export_mem(const struct opr_graph *g, void **buf, size_t *len,
		   struct opr_err *err)
{
	Onnx__ModelProto *m;
	struct opr_exp x;
	int rc;

	if (!g || !buf || !len)
		return opr_errf(err, OPR_EUSAGE, "opr_export_mem: NULL argument");
	*buf = NULL;
	*len = 0;
	opr_exp_init(&x, g, NULL);
	rc = opr_exp_model(&x, &m, err);
	if (rc == OPR_OK)
		rc = opr_exp_pack(m, "export", buf, len, err);
	opr_exp_fini(&x);
	return rc;
}
