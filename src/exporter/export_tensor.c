/*
 * export_tensor.c - the leaves of an export: TensorProto, TypeProto and
 * AttributeProto built from the IR's tensors, values and attributes.
 *
 * Everything is allocated from the export's arena (export.h); strings and
 * weight bytes point into the graph and are never copied.
 */
#include <string.h>

#include "exporter/export.h"

/* Zero-length bytes for empty strings and tensors: protobuf-c memcpy()s. */
static uint8_t empty_bytes[1];

int opr_exp_size_ok(int dtype, int rank, const int64_t *dims, size_t nbytes)
{
	size_t esize = opr_dtype_size(dtype);
	int64_t numel;

	if (esize == 0 || rank < 0 || rank > OPR_MAX_RANK)
		return -1;
	if (opr_numel(dims, rank, &numel))
		return -1;
	if ((uint64_t)numel > SIZE_MAX / esize)
		return -1;
	return (size_t)numel * esize == nbytes ? 0 : -1;
}

Onnx__TensorProto *opr_exp_tensor(struct opr_exp *x, const char *name,
				  int dtype, int rank, const int64_t *dims,
				  const void *data, size_t nbytes)
{
	Onnx__TensorProto *t = opr_exp_alloc(x, sizeof(*t));

	if (!t)
		return NULL;
	onnx__tensor_proto__init(t);
	t->name = (char *)name;
	t->n_dims = (size_t)rank;
	t->dims = rank > 0 ? (int64_t *)dims : NULL;
	t->has_data_type = 1;
	t->data_type = dtype;
	t->has_raw_data = 1;
	t->raw_data.len = nbytes;
	t->raw_data.data = nbytes ? (uint8_t *)data : empty_bytes;
	return t;
}

/* One dimension of a shape: a known size, a symbol, or nothing. */
static Onnx__TensorShapeProto__Dimension *dimension(struct opr_exp *x,
						   int64_t dim,
						   const char *param)
{
	Onnx__TensorShapeProto__Dimension *d = opr_exp_alloc(x, sizeof(*d));

	if (!d)
		return NULL;
	onnx__tensor_shape_proto__dimension__init(d);
	if (dim >= 0) {
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = dim;
	} else if (param) {
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
		d->dim_param = (char *)param;
	}
	return d;
}

/* The shape of v (rank >= 0); a scalar gives a shape without dims. */
static Onnx__TensorShapeProto *shape(struct opr_exp *x,
				     const struct opr_value *v)
{
	Onnx__TensorShapeProto *s = opr_exp_alloc(x, sizeof(*s));
	int i;

	if (!s)
		return NULL;
	onnx__tensor_shape_proto__init(s);
	if (v->rank == 0)
		return s;
	s->dim = opr_exp_alloc(x, (size_t)v->rank * sizeof(*s->dim));
	if (!s->dim)
		return NULL;
	s->n_dim = (size_t)v->rank;
	for (i = 0; i < v->rank; i++) {
		s->dim[i] = dimension(x, v->dims[i], v->dim_param[i]);
		if (!s->dim[i])
			return NULL;
	}
	return s;
}

Onnx__TypeProto *opr_exp_type(struct opr_exp *x, const struct opr_value *v)
{
	Onnx__TypeProto *tp = opr_exp_alloc(x, sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = opr_exp_alloc(x, sizeof(*tt));

	if (!tp || !tt)
		return NULL;
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	if (v->dtype != OPR_DT_UNDEFINED) {
		tt->has_elem_type = 1;
		tt->elem_type = v->dtype;
	}
	if (v->rank >= 0 && v->rank <= OPR_MAX_RANK) {
		tt->shape = shape(x, v);
		if (!tt->shape)
			return NULL;
	}
	return tp;
}

/* STRINGS: an array of ProtobufCBinaryData over the attribute's strings. */
static int strings(struct opr_exp *x, const struct opr_attr *a,
		   Onnx__AttributeProto *p)
{
	int k;

	if (a->n == 0)
		return OPR_OK;
	p->strings = opr_exp_alloc(x, (size_t)a->n * sizeof(*p->strings));
	if (!p->strings)
		return OPR_ENOMEM;
	for (k = 0; k < a->n; k++) {
		if (!a->strings[k]) {
			p->strings[k].data = empty_bytes;
			continue;
		}
		p->strings[k].data = (uint8_t *)a->strings[k];
		p->strings[k].len = a->string_lens ? a->string_lens[k]
						   : strlen(a->strings[k]);
	}
	p->n_strings = (size_t)a->n;
	return OPR_OK;
}

/*
 * Fills the value of p from a, by kind.  Returns OPR_OK, OPR_ENOMEM, or -1
 * when a's fields are inconsistent (the caller words the message).
 */
static int attr_value(struct opr_exp *x, const struct opr_attr *a,
		      Onnx__AttributeProto *p)
{
	const struct opr_tensor *t = a->t;

	if (a->n < 0)
		return -1;
	switch (a->type) {
	case OPR_AT_FLOAT:
		p->has_f = 1;
		p->f = a->f;
		return OPR_OK;
	case OPR_AT_INT:
		p->has_i = 1;
		p->i = a->i;
		return OPR_OK;
	case OPR_AT_STRING:
		p->has_s = 1;
		p->s.len = a->s ? a->s_len : 0;
		p->s.data = a->s && a->s_len ? (uint8_t *)a->s : empty_bytes;
		return OPR_OK;
	case OPR_AT_FLOATS:
		if (a->n > 0 && !a->floats)
			return -1;
		p->n_floats = (size_t)a->n;
		p->floats = a->floats;
		return OPR_OK;
	case OPR_AT_INTS:
		if (a->n > 0 && !a->ints)
			return -1;
		p->n_ints = (size_t)a->n;
		p->ints = a->ints;
		return OPR_OK;
	case OPR_AT_STRINGS:
		if (a->n > 0 && !a->strings)
			return -1;
		return strings(x, a, p);
	case OPR_AT_TENSOR:
		if (!t || (t->nbytes && !t->data) ||
		    opr_exp_size_ok(t->dtype, t->rank, t->dims, t->nbytes))
			return -1;
		p->t = opr_exp_tensor(x, NULL, t->dtype, t->rank, t->dims,
				      t->data, t->nbytes);
		return p->t ? OPR_OK : OPR_ENOMEM;
	default:
		return -1;
	}
}

int opr_exp_attr(struct opr_exp *x, int node, const struct opr_attr *a,
		 Onnx__AttributeProto **out, struct opr_err *err)
{
	Onnx__AttributeProto *p;
	char desc[160];
	int rc;

	opr_node_desc(x->g, node, desc, sizeof(desc));
	if (a->raw) {
		/* Kept verbatim by the importer; the arena owns the result. */
		p = onnx__attribute_proto__unpack(&x->alloc, a->raw_len, a->raw);
		if (!p)
			return opr_errf(err, OPR_EINTERNAL,
					"%s: kept attribute '%s' (%zu bytes) does not unpack",
					desc, a->name, a->raw_len);
		*out = p;
		return OPR_OK;
	}
	p = opr_exp_alloc(x, sizeof(*p));
	if (!p)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting %s", desc);
	onnx__attribute_proto__init(p);
	p->name = a->name;
	p->doc_string = a->doc_string;
	p->ref_attr_name = a->ref_attr_name;
	p->has_type = 1;
	p->type = (Onnx__AttributeProto__AttributeType)a->type;
	rc = attr_value(x, a, p);
	if (rc == OPR_ENOMEM)
		return opr_errf(err, OPR_ENOMEM, "out of memory exporting %s", desc);
	if (rc != OPR_OK)
		return opr_errf(err, OPR_EINTERNAL,
				"%s: attribute '%s' of type %d cannot be written (no kept bytes or inconsistent fields)",
				desc, a->name ? a->name : "?", a->type);
	*out = p;
	return OPR_OK;
}
