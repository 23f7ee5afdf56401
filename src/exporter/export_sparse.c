/*
 * export_sparse.c - initializers written sparse: in
 * GraphProto.sparse_initializer (`--sparse-initializers`) or as the
 * sparse_value of a Constant node (`--sparse-constants`), and values that
 * were imported in one of those forms.
 *
 * Tensor: a SparseTensorProto whose values are a [NNZ] tensor (named as
 * the initializer in the sparse_initializer form), whose indices are a
 * [NNZ] INT64 tensor of linearised (row-major) positions in ascending
 * order, and whose dims are the dense shape: format (b) of onnx.proto,
 * the smaller one (the [NNZ, rank] form costs rank int64s per value).
 * Both tensors go in raw_data, inline even with --external-data.
 *
 * The two forms.  ONNX Runtime densifies both at load time.  onnx's shape
 * inference types a sparse_initializer entry as sparse_tensor(float),
 * which Gemm, Conv and MatMul do not take, so onnx.checker with
 * full_check refuses such a model (the plain check passes); a Constant's
 * output is a dense tensor, so the Constant form passes full_check too.
 * It needs opset 11; below that the sparse_initializer form is used.
 *
 * When: a tensor is written sparse only when that makes it smaller: NNZ *
 * (element size + 8) + 64 < dense bytes (64: about what the index tensor,
 * the dims and a Constant node cost in protobuf fields).  For a large
 * float32 tensor that means more than two thirds of the elements are zero
 * (an int64 index costs twice the value), for double more than half, for
 * float16 and bfloat16 more than four fifths.  Only floating-point tensors
 * of rank >= 1 qualify (shape and index tensors stay dense, where every
 * consumer can read them), never a graph input (its initializer is a
 * default an input may replace), and only at IR version 6 or later, which
 * introduced sparse tensors.
 *
 * The output is deterministic: indices ascend, sparse initializers follow
 * the order of g->inits like the dense ones, and Constant nodes come first
 * among the nodes, in g->inits order.
 */
#include <string.h>

#include "exporter/export.h"

#define INDEX_BYTES 8		/* one int64 index per value */
#define SPARSE_OVERHEAD 64	/* bytes the sparse form's own fields (index
				   tensor, dims, a Constant node) cost, about */

/* 1 for the element types that may be written sparse. */
static int sparse_dtype(int dtype)
{
	return dtype == OPR_DT_FLOAT || dtype == OPR_DT_DOUBLE ||
	       dtype == OPR_DT_FLOAT16 || dtype == OPR_DT_BFLOAT16;
}

/* 1 when element i (of esz bytes) of p has a byte that is not zero. */
static int nonzero(const unsigned char *p, size_t esz, size_t i)
{
	size_t b;

	for (b = 0; b < esz; b++)
		if (p[i * esz + b])
			return 1;
	return 0;
}

/* Number of elements of v that are not all-zero bytes. */
static size_t count_nnz(const struct opr_value *v, size_t esz)
{
	size_t n = v->nbytes / esz, i, nnz = 0;
	const unsigned char *p = v->data;

	for (i = 0; i < n; i++)
		nnz += (size_t)nonzero(p, esz, i);
	return nnz;
}

/* 1 when g imports a default-domain opset of at least version. */
static int opset_at_least(const struct opr_graph *g, int64_t version)
{
	int i;

	for (i = 0; i < g->n_opsets; i++)
		if ((!g->opsets[i].domain || !*g->opsets[i].domain ||
		     strcmp(g->opsets[i].domain, "ai.onnx") == 0) &&
		    g->opsets[i].version >= version)
			return 1;
	return 0;
}

int opr_exp_sparse_form(const struct opr_graph *g, int v, int want)
{
	const struct opr_value *val;
	int form, i;
	size_t esz;

	if (v < 0 || v >= g->n_values || g->ir_version < 6)
		return OPR_SPARSE_NONE;
	val = &g->values[v];
	form = want ? want : val->is_sparse;
	if (form != OPR_SPARSE_INITIALIZER && form != OPR_SPARSE_CONSTANT)
		return OPR_SPARSE_NONE;
	if (!val->is_initializer || !val->data || !sparse_dtype(val->dtype) ||
	    val->rank < 1 ||
	    opr_exp_size_ok(val->dtype, val->rank, val->dims, val->nbytes))
		return OPR_SPARSE_NONE;
	for (i = 0; i < g->n_inputs; i++)
		if (g->inputs[i] == v)
			return OPR_SPARSE_NONE;
	esz = opr_dtype_size(val->dtype);
	/* nnz * (esz + 8) + overhead < nbytes, in double: no overflow */
	if (!((double)count_nnz(val, esz) * (double)(esz + INDEX_BYTES) +
	      SPARSE_OVERHEAD < (double)val->nbytes))
		return OPR_SPARSE_NONE;
	if (form == OPR_SPARSE_CONSTANT && !opset_at_least(g, 11))
		return OPR_SPARSE_INITIALIZER;	/* sparse_value came in 11 */
	return form;
}

/* A [n] tensor of dtype named name (may be NULL) over nbytes of data. */
static Onnx__TensorProto *vector(struct opr_exp *x, const char *name,
				 int dtype, size_t n, const void *data,
				 size_t nbytes)
{
	int64_t *dims = opr_exp_alloc(x, sizeof(*dims));

	if (!dims)
		return NULL;
	dims[0] = (int64_t)n;
	return opr_exp_tensor(x, name, dtype, 1, dims, data, nbytes);
}

Onnx__SparseTensorProto *opr_exp_sparse(struct opr_exp *x,
					const struct opr_value *v)
{
	size_t esz = opr_dtype_size(v->dtype), n = v->nbytes / esz, nnz, i, k;
	const unsigned char *p = v->data;
	Onnx__SparseTensorProto *sp = opr_exp_alloc(x, sizeof(*sp));
	unsigned char *vals;
	int64_t *idx;

	if (!sp)
		return NULL;
	onnx__sparse_tensor_proto__init(sp);
	nnz = count_nnz(v, esz);
	vals = opr_exp_alloc(x, nnz * esz);
	idx = opr_exp_alloc(x, nnz * INDEX_BYTES);
	if (!vals || !idx)
		return NULL;
	for (i = 0, k = 0; i < n; i++) {
		if (!nonzero(p, esz, i))
			continue;
		memcpy(vals + k * esz, p + i * esz, esz);
		idx[k++] = (int64_t)i;	/* little-endian host: raw int64 */
	}
	sp->values = vector(x, v->name, v->dtype, nnz, vals, nnz * esz);
	sp->indices = vector(x, NULL, OPR_DT_INT64, nnz, idx, nnz * INDEX_BYTES);
	if (!sp->values || !sp->indices)
		return NULL;
	sp->values->doc_string = v->doc_string;
	sp->n_dims = (size_t)v->rank;
	sp->dims = (int64_t *)v->dims;
	return sp;
}

Onnx__NodeProto *opr_exp_sparse_constant(struct opr_exp *x,
					 const struct opr_value *v)
{
	Onnx__NodeProto *p = opr_exp_alloc(x, sizeof(*p));
	Onnx__AttributeProto *a = opr_exp_alloc(x, sizeof(*a));
	Onnx__AttributeProto **attrs = opr_exp_alloc(x, sizeof(*attrs));
	char **out = opr_exp_alloc(x, sizeof(*out));

	if (!p || !a || !attrs || !out)
		return NULL;
	onnx__node_proto__init(p);
	onnx__attribute_proto__init(a);
	a->name = "sparse_value";
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
	a->sparse_tensor = opr_exp_sparse(x, v);
	if (!a->sparse_tensor)
		return NULL;
	a->sparse_tensor->values->name = NULL;	/* the output names it */
	attrs[0] = a;
	out[0] = v->name;
	p->op_type = "Constant";
	p->n_output = 1;
	p->output = out;
	p->n_attribute = 1;
	p->attribute = attrs;
	return p;
}
