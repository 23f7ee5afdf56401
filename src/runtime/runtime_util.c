/*
 * runtime_util.c - small helpers every runtime op uses: input and output
 * lookup, error messages naming the node, output shapes, reading constant
 * inputs and attributes, and element loads for the few non-float paths.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"

struct rt_val *opr_rt_in(struct opr_rt *rt, const struct rt_node *rn, int k)
{
	if (k < 0 || k >= rn->n->n_in || rn->n->in[k] < 0)
		return NULL;
	return &rt->vals[rn->n->in[k]];
}

struct rt_val *opr_rt_out(struct opr_rt *rt, const struct rt_node *rn, int k)
{
	if (k == 0 && rn->fuse.on)
		return &rt->vals[rn->fuse.out];
	if (k < 0 || k >= rn->n->n_out || rn->n->out[k] < 0)
		return NULL;
	return &rt->vals[rn->n->out[k]];
}

int opr_rt_errf(const struct opr_rt *rt, const struct rt_node *rn,
	    struct opr_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = opr_node_verrf(err, code, rt->g, rn->idx, fmt, ap);
	va_end(ap);
	return rc;
}

struct rt_val *opr_rt_need_in(struct opr_rt *rt, const struct rt_node *rn, int k,
			  int dtype, struct opr_err *err)
{
	struct rt_val *v = opr_rt_in(rt, rn, k);

	if (!v) {
		opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d is missing", k);
		return NULL;
	}
	if (dtype > 0 && v->dtype != dtype) {
		opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "input %d is %s, the "
			"runtime handles %s here", k, opr_dtype_name(v->dtype),
			opr_dtype_name(dtype));
		return NULL;
	}
	return v;
}

int opr_rt_set_out(struct opr_rt *rt, const struct rt_node *rn, struct rt_val *v,
	       int dtype, int rank, const int64_t *dims, struct opr_err *err)
{
	size_t es = opr_dtype_size(dtype);
	int64_t numel = 1;
	int j;

	if (!v)
		return OPR_OK;
	if (rank < 0 || rank > OPR_MAX_RANK)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output rank %d", rank);
	if (!es)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "output type %s",
			       opr_dtype_name(dtype));
	for (j = 0; j < rank; j++) {
		if (dims[j] < 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output dim %d is "
				       "%lld", j, (long long)dims[j]);
		if (dims[j] && numel > INT64_MAX / 16 / dims[j])
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output too large");
		numel *= dims[j];
		v->dims[j] = dims[j];
	}
	v->dtype = dtype;
	v->rank = rank;
	v->numel = numel;
	v->nbytes = (size_t)numel * es;
	if (rt->planning) {
		if (v->nbytes > v->cap)
			v->cap = v->nbytes;
	} else if (v->alias < 0 && v->nbytes > v->cap) {
		return opr_rt_errf(rt, rn, err, OPR_EINTERNAL, "output needs %zu bytes "
			       "at batch %d, %zu were planned", v->nbytes,
			       rt->cur_n, v->cap);
	}
	return OPR_OK;
}

int opr_rt_same_shape(struct opr_rt *rt, const struct rt_node *rn, int k,
		  const struct rt_val *src, struct opr_err *err)
{
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, k), src->dtype, src->rank,
			  src->dims, err);
}

int opr_rt_is_known(const struct rt_val *v)
{
	return v && (v->kind == RT_CONST || v->kind == RT_STATIC);
}

int opr_rt_const_ints(struct opr_rt *rt, const struct rt_node *rn, int k,
		  int64_t *out, int max, int *cnt, struct opr_err *err)
{
	struct rt_val *v = opr_rt_in(rt, rn, k);
	int64_t i;

	*cnt = 0;
	if (!v)
		return 0;
	if (!opr_rt_is_known(v))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "input %d must be a "
			       "constant (an initializer or computable from "
			       "initializers and shapes)", k);
	if (v->dtype != OPR_DT_INT64 && v->dtype != OPR_DT_INT32)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d is %s, want "
			       "int64", k, opr_dtype_name(v->dtype));
	if (v->rank > 1 || v->numel > max)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d: rank %d with "
			       "%lld elements", k, v->rank, (long long)v->numel);
	for (i = 0; i < v->numel; i++)
		out[i] = opr_rt_load_i(v->data, v->dtype, i);
	*cnt = (int)v->numel;
	return 1;
}

int opr_rt_const_floats(struct opr_rt *rt, const struct rt_node *rn, int k,
		    double *out, int max, int *cnt, struct opr_err *err)
{
	struct rt_val *v = opr_rt_in(rt, rn, k);
	int64_t i;

	*cnt = 0;
	if (!v)
		return 0;
	if (!opr_rt_is_known(v))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "input %d must be a "
			       "constant", k);
	if (v->dtype != OPR_DT_FLOAT && v->dtype != OPR_DT_DOUBLE)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d is %s, want "
			       "float", k, opr_dtype_name(v->dtype));
	if (v->rank > 1 || v->numel > max)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d: rank %d with "
			       "%lld elements", k, v->rank, (long long)v->numel);
	for (i = 0; i < v->numel; i++)
		out[i] = opr_rt_load_f(v->data, v->dtype, i);
	*cnt = (int)v->numel;
	return 1;
}

int opr_rt_attr_ints(struct opr_rt *rt, const struct rt_node *rn,
		 const char *name, int64_t *out, int max, int *cnt,
		 struct opr_err *err)
{
	int rc = opr_attr_ints(rn->n, name, out, max, cnt);

	if (rc < 0)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "attribute '%s' is not "
			       "a list of at most %d ints", name, max);
	return rc;
}

const char *opr_rt_attr_str(const struct rt_node *rn, const char *name,
			const char *dflt)
{
	const struct opr_attr *a = opr_node_attr(rn->n, name);

	return a && a->type == OPR_AT_STRING && a->s ? a->s : dflt;
}

int opr_rt_axis(struct opr_rt *rt, const struct rt_node *rn, int64_t a, int rank,
	    int *out, struct opr_err *err)
{
	if (opr_norm_axis(a, rank, out))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "axis %lld out of range "
			       "for rank %d", (long long)a, rank);
	return OPR_OK;
}

int64_t opr_rt_prod(const int64_t *dims, int lo, int hi)
{
	int64_t p = 1;
	int i;

	for (i = lo; i < hi; i++)
		p *= dims[i];
	return p;
}

void *opr_rt_scratch(struct opr_rt *rt, int tid)
{
	return rt->scratch + (size_t)tid * rt->scratch_stride;
}

double opr_rt_load_f(const void *p, int dtype, int64_t i)
{
	switch (dtype) {
	case OPR_DT_FLOAT: return ((const float *)p)[i];
	case OPR_DT_DOUBLE: return ((const double *)p)[i];
	default: return (double)opr_rt_load_i(p, dtype, i);
	}
}

int64_t opr_rt_load_i(const void *p, int dtype, int64_t i)
{
	switch (dtype) {
	case OPR_DT_FLOAT: return (int64_t)((const float *)p)[i];
	case OPR_DT_DOUBLE: return (int64_t)((const double *)p)[i];
	case OPR_DT_UINT8: return ((const uint8_t *)p)[i];
	case OPR_DT_BOOL: return ((const uint8_t *)p)[i] != 0;
	case OPR_DT_INT8: return ((const int8_t *)p)[i];
	case OPR_DT_UINT16: return ((const uint16_t *)p)[i];
	case OPR_DT_INT16: return ((const int16_t *)p)[i];
	case OPR_DT_INT32: return ((const int32_t *)p)[i];
	case OPR_DT_INT64: return ((const int64_t *)p)[i];
	case OPR_DT_UINT32: return ((const uint32_t *)p)[i];
	case OPR_DT_UINT64: return (int64_t)((const uint64_t *)p)[i];
	default: return 0;
	}
}
