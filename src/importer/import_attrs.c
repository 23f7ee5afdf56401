/*
 * import_attrs.c - AttributeProto to struct opr_attr.
 *
 * Scalars, lists and dense tensors are parsed; kinds the IR does not model
 * (sparse tensors, type protos, lists of tensors) are kept packed so the
 * exporter writes them back unchanged.  Subgraphs (If, Loop, Scan) are
 * refused: their bodies may read outer values that the IR cannot see, so
 * no pass could edit the outer graph safely.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer/import_internal.h"

/* Guesses the kind of an attribute written before `type` existed (IR v1). */
static int guess_type(const Onnx__AttributeProto *a)
{
	if (a->has_type)
		return a->type;
	if (a->n_floats)
		return OPR_AT_FLOATS;
	if (a->n_ints)
		return OPR_AT_INTS;
	if (a->n_strings)
		return OPR_AT_STRINGS;
	if (a->t)
		return OPR_AT_TENSOR;
	if (a->g)
		return OPR_AT_GRAPH;
	if (a->has_s)
		return OPR_AT_STRING;
	if (a->has_i)
		return OPR_AT_INT;
	if (a->has_f)
		return OPR_AT_FLOAT;
	return OPR_AT_UNDEFINED;
}

/* Keeps the packed bytes of an attribute the IR does not model. */
static int keep_packed(struct import_ctx *c, const Onnx__AttributeProto *a,
		       struct opr_attr *out)
{
	size_t n = onnx__attribute_proto__get_packed_size(a);
	Onnx__AttributeProto *chk;

	out->raw = opr_arena_alloc(&c->g->arena, n ? n : 1);
	if (!out->raw)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
	out->raw_len = onnx__attribute_proto__pack(a, out->raw);
	/* protobuf-c keeps unknown fields and reads some it then writes in a
	 * form it refuses (an over-long tag 0 becomes 0x00): the exporter
	 * unpacks these bytes, so they must unpack. */
	chk = onnx__attribute_proto__unpack(NULL, out->raw_len, out->raw);
	if (!chk)
		return opr_errf(c->err, OPR_EPARSE,
				"%s: attribute '%s' holds malformed fields that do "
				"not re-encode", c->src, out->name);
	onnx__attribute_proto__free_unpacked(chk, NULL);
	return OPR_OK;
}

static int copy_strings(struct import_ctx *c, const Onnx__AttributeProto *a,
			struct opr_attr *out)
{
	struct opr_arena *ar = &c->g->arena;
	size_t i;

	out->strings = opr_arena_alloc(ar, (a->n_strings + 1) * sizeof(char *));
	out->string_lens = opr_arena_alloc(ar, (a->n_strings + 1) * sizeof(size_t));
	if (!out->strings || !out->string_lens)
		return OPR_ENOMEM;
	for (i = 0; i < a->n_strings; i++) {
		char *s = opr_arena_alloc(ar, a->strings[i].len + 1);

		if (!s)
			return OPR_ENOMEM;
		if (a->strings[i].len)
			memcpy(s, a->strings[i].data, a->strings[i].len);
		out->strings[i] = s;
		out->string_lens[i] = a->strings[i].len;
	}
	out->n = (int)a->n_strings;
	return OPR_OK;
}

/* Fills out from a by kind.  Returns OPR_ENOMEM bare; the caller words it. */
static int copy_value(struct import_ctx *c, const Onnx__AttributeProto *a,
		      struct opr_attr *out)
{
	struct opr_arena *ar = &c->g->arena;

	switch (out->type) {
	case OPR_AT_FLOAT:
		out->f = a->f;
		return OPR_OK;
	case OPR_AT_INT:
		out->i = a->i;
		return OPR_OK;
	case OPR_AT_STRING:
		out->s = opr_arena_alloc(ar, a->s.len + 1);
		if (!out->s)
			return OPR_ENOMEM;
		if (a->s.len)
			memcpy(out->s, a->s.data, a->s.len);
		out->s_len = a->s.len;
		return OPR_OK;
	case OPR_AT_FLOATS:
		out->n = (int)a->n_floats;
		out->floats = opr_arena_memdup(ar, a->floats, a->n_floats * sizeof(float));
		return out->floats ? OPR_OK : OPR_ENOMEM;
	case OPR_AT_INTS:
		out->n = (int)a->n_ints;
		out->ints = opr_arena_memdup(ar, a->ints, a->n_ints * sizeof(int64_t));
		return out->ints ? OPR_OK : OPR_ENOMEM;
	case OPR_AT_STRINGS:
		return copy_strings(c, a, out);
	case OPR_AT_TENSOR:
		out->t = opr_arena_alloc(ar, sizeof(*out->t));
		if (!out->t)
			return OPR_ENOMEM;
		if (!a->t)
			return OPR_EINVAL;
		return import_tensor(c, a->t, "attribute tensor", out->t, NULL);
	default:
		return keep_packed(c, a, out);
	}
}

int import_attrs(struct import_ctx *c, const Onnx__NodeProto *np, int i)
{
	struct opr_node *n = &c->g->nodes[i];
	char buf[300];
	size_t k, j;
	int rc;

	if (np->n_attribute > 4096)
		return opr_errf(c->err, OPR_EINVAL, "%s: %s has %zu attributes",
				c->src, opr_node_desc(c->g, i, buf, sizeof(buf)),
				np->n_attribute);
	n->attrs = opr_arena_alloc(&c->g->arena,
				   (np->n_attribute + 1) * sizeof(*n->attrs));
	if (!n->attrs)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
	for (k = 0; k < np->n_attribute; k++) {
		const Onnx__AttributeProto *a = np->attribute[k];
		struct opr_attr *out = &n->attrs[k];

		out->name = opr_graph_strdup(c->g, a->name ? a->name : "");
		out->type = guess_type(a);
		out->doc_string = opr_graph_strdup(c->g, a->doc_string);
		out->ref_attr_name = opr_graph_strdup(c->g, a->ref_attr_name);
		if (!out->name || !*out->name)
			return opr_errf(c->err, OPR_EINVAL,
					"%s: %s has an attribute without a name", c->src,
					opr_node_desc(c->g, i, buf, sizeof(buf)));
		for (j = 0; j < k; j++)
			if (strcmp(n->attrs[j].name, out->name) == 0)
				return opr_errf(c->err, OPR_EINVAL,
						"%s: %s has attribute '%s' twice", c->src,
						opr_node_desc(c->g, i, buf, sizeof(buf)),
						out->name);
		if (out->type == OPR_AT_GRAPH || out->type == OPR_AT_GRAPHS)
			return opr_errf(c->err, OPR_EUNSUPPORTED,
					"%s: %s has subgraph attribute '%s'; control flow "
					"(If, Loop, Scan) is not supported", c->src,
					opr_node_desc(c->g, i, buf, sizeof(buf)), out->name);
		n->n_attrs = (int)k + 1;
		rc = copy_value(c, a, out);
		if (rc == OPR_ENOMEM)
			return opr_errf(c->err, rc, "%s: out of memory", c->src);
		if (rc == OPR_EINVAL)
			return opr_errf(c->err, rc, "%s: %s: attribute '%s' has no tensor",
					c->src, opr_node_desc(c->g, i, buf, sizeof(buf)),
					out->name);
		if (rc) {
			/* Prefix the tensor error with the node. */
			char inner[OPR_ERR_MSG];

			snprintf(inner, sizeof(inner), "%s", c->err->msg);
			return opr_errf(c->err, rc, "%s (in %s)", inner,
					opr_node_desc(c->g, i, buf, sizeof(buf)));
		}
	}
	return OPR_OK;
}
