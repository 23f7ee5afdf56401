/*
 * tutil.c - helpers of the training engine's ops: inputs and outputs of a
 * node, error messages naming it, constant inputs and attributes, the
 * scratch and accumulator blocks, and the ways a job is spread over the
 * runtime's thread pool.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

struct tr_val *tr_in(struct opr_train *t, const struct tr_node *tn, int k)
{
	if (k >= tn->n->n_in || tn->n->in[k] < 0)
		return NULL;
	return &t->vals[tn->n->in[k]];
}

struct tr_val *tr_out(struct opr_train *t, const struct tr_node *tn, int k)
{
	if (k >= tn->n->n_out || tn->n->out[k] < 0)
		return NULL;
	return &t->vals[tn->n->out[k]];
}

int tr_errf(const struct opr_train *t, const struct tr_node *tn,
	    struct opr_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = opr_node_verrf(err, code, t->g, tn->idx, fmt, ap);
	va_end(ap);
	return rc;
}

struct tr_val *tr_need_in(struct opr_train *t, const struct tr_node *tn, int k,
			  struct opr_err *err)
{
	struct tr_val *v = tr_in(t, tn, k);

	if (!v) {
		tr_errf(t, tn, err, OPR_ESHAPE, "input %d is missing", k);
		return NULL;
	}
	if (v->dtype != OPR_DT_FLOAT) {
		tr_errf(t, tn, err, OPR_EUNSUPPORTED, "input %d is %s, not float",
			k, opr_dtype_name(v->dtype));
		return NULL;
	}
	return v;
}

int tr_set_out(struct opr_train *t, const struct tr_node *tn, int k, int rank,
	       const int64_t *dims, struct opr_err *err)
{
	struct tr_val *v = tr_out(t, tn, k);
	int64_t numel = 1;
	int i;

	if (!v)
		return OPR_OK;
	if (rank < 0 || rank > OPR_MAX_RANK)
		return tr_errf(t, tn, err, OPR_ESHAPE, "output rank %d", rank);
	for (i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "output dim %d is "
				       "%lld", i, (long long)dims[i]);
		if (dims[i] && numel > (INT64_MAX >> 3) / dims[i])
			return tr_errf(t, tn, err, OPR_ESHAPE, "output too large");
		numel *= dims[i];
		v->dims[i] = dims[i];
	}
	v->rank = rank;
	v->dtype = OPR_DT_FLOAT;
	v->numel = numel;
	if (t->planning) {
		if (numel > v->cap)
			v->cap = numel;
	} else if (numel > v->cap) {
		return tr_errf(t, tn, err, OPR_EINTERNAL, "output %d needs %lld "
			       "floats, %lld were planned", k, (long long)numel,
			       (long long)v->cap);
	}
	return OPR_OK;
}

int tr_const_ints(struct opr_train *t, const struct tr_node *tn, int k,
		  int64_t *out, int max, int *cnt, struct opr_err *err)
{
	struct tr_val *v = tr_in(t, tn, k);
	int64_t i;

	if (!v)
		return 0;
	if (!v->cdata || (v->dtype != OPR_DT_INT64 && v->dtype != OPR_DT_INT32))
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "input %d must be a "
			       "constant int64 tensor", k);
	if (v->numel > max)
		return tr_errf(t, tn, err, OPR_ESHAPE, "input %d has %lld values, "
			       "at most %d", k, (long long)v->numel, max);
	for (i = 0; i < v->numel; i++)
		out[i] = v->dtype == OPR_DT_INT64 ? ((const int64_t *)v->cdata)[i] :
			 ((const int32_t *)v->cdata)[i];
	*cnt = (int)v->numel;
	return 1;
}

int tr_const_float(struct opr_train *t, const struct tr_node *tn, int k,
		   float *out, struct opr_err *err)
{
	struct tr_val *v = tr_in(t, tn, k);

	if (!v)
		return 0;
	if (!v->cdata || v->numel != 1 ||
	    (v->dtype != OPR_DT_FLOAT && v->dtype != OPR_DT_DOUBLE))
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "input %d must be a "
			       "constant float scalar", k);
	*out = v->dtype == OPR_DT_FLOAT ? *(const float *)v->cdata :
	       (float)*(const double *)v->cdata;
	return 1;
}

int tr_attr_ints(struct opr_train *t, const struct tr_node *tn,
		 const char *name, int64_t *out, int max, int *cnt,
		 struct opr_err *err)
{
	int n, rc = opr_attr_ints(tn->n, name, out, max, &n);

	if (rc < 0)
		return tr_errf(t, tn, err, OPR_ESHAPE, "attribute %s: want at "
			       "most %d ints", name, max);
	if (rc)		/* *cnt stays as it was when absent */
		*cnt = n;
	return rc;
}

int tr_axis(struct opr_train *t, const struct tr_node *tn, int64_t a, int rank,
	    int *out, struct opr_err *err)
{
	if (opr_norm_axis(a, rank, out))
		return tr_errf(t, tn, err, OPR_ESHAPE, "axis %lld out of range for "
			       "rank %d", (long long)a, rank);
	return OPR_OK;
}

int64_t tr_prod(const int64_t *dims, int lo, int hi)
{
	return opr_rt_prod(dims, lo, hi);
}

float *tr_scratch(struct opr_train *t, int tid)
{
	return t->scratch + (size_t)tid * t->scratch_stride;
}

float *tr_accum(struct opr_train *t, int k)
{
	return t->accum + (size_t)k * t->accum_stride;
}

void tr_run(struct opr_train *t, int64_t ntasks, rt_task_fn fn, void *arg)
{
	opr_rt_pool_run(&t->pool, ntasks, fn, arg);
}

void tr_range(struct opr_train *t, int64_t total, int64_t grain,
	      rt_range_fn fn, void *arg)
{
	opr_rt_pool_range(&t->pool, total, grain, fn, arg);
}

int tr_tasks(const struct opr_train *t, int64_t n)
{
	return n < t->ntask ? (int)(n > 0 ? n : 1) : t->ntask;
}

int64_t tr_split(int64_t n, int k, int tasks)
{
	return n * k / tasks;
}

void tr_put(float *dst, const float *src, int64_t n, float s, int acc)
{
	tk_scale(src, dst, n, s, acc);
}
