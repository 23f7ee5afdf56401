/*
 * cast.c - Cast: converts between float, double, the integer types and
 * bool.  Floats convert to integers by truncation (saturating, NaN -> 0);
 * anything to bool is "!= 0".  float16, bfloat16 and strings are refused.
 */
#include <math.h>
#include <string.h>

#include "runtime/runtime.h"

static int castable(int dt)
{
	return dt != OPR_DT_STRING && dt != OPR_DT_FLOAT16 &&
	       dt != OPR_DT_BFLOAT16 && dt != OPR_DT_COMPLEX64 &&
	       dt != OPR_DT_COMPLEX128 && opr_dtype_size(dt) > 0;
}

static int is_float(int dt)
{
	return dt == OPR_DT_FLOAT || dt == OPR_DT_DOUBLE;
}

static int cast_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int to = (int)opr_node_attr_int(rn->n, "to", 0);

	if (!x)
		return err->code;
	if (!castable(x->dtype) || to <= 0 || to >= OPR_DT_COUNT || !castable(to))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "cast from %s to "
			       "%s", opr_dtype_name(x->dtype), opr_dtype_name(to));
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), to, x->rank, x->dims, err);
}

/* A double to int64, truncated and saturated. */
static int64_t f2i(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9.2233720368547758e18)
		return INT64_MAX;
	if (v <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)v;
}

static void store(void *p, int dt, int64_t i, double f, int64_t n)
{
	switch (dt) {
	case OPR_DT_FLOAT: ((float *)p)[i] = (float)f; break;
	case OPR_DT_DOUBLE: ((double *)p)[i] = f; break;
	case OPR_DT_BOOL: ((uint8_t *)p)[i] = n != 0; break;
	case OPR_DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)n; break;
	case OPR_DT_INT8: ((int8_t *)p)[i] = (int8_t)n; break;
	case OPR_DT_UINT16: ((uint16_t *)p)[i] = (uint16_t)n; break;
	case OPR_DT_INT16: ((int16_t *)p)[i] = (int16_t)n; break;
	case OPR_DT_INT32: ((int32_t *)p)[i] = (int32_t)n; break;
	case OPR_DT_UINT32: ((uint32_t *)p)[i] = (uint32_t)n; break;
	case OPR_DT_INT64: ((int64_t *)p)[i] = n; break;
	case OPR_DT_UINT64: ((uint64_t *)p)[i] = (uint64_t)n; break;
	default: break;
	}
}

static int cast_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t i;

	(void)err;
	if (x->dtype == y->dtype) {
		if (y->nbytes)
			memcpy(y->data, x->data, y->nbytes);
		return OPR_OK;
	}
	for (i = 0; i < x->numel; i++) {
		if (is_float(x->dtype)) {
			double f = opr_rt_load_f(x->data, x->dtype, i);

			store(y->data, y->dtype, i, f,
			      y->dtype == OPR_DT_BOOL ? f != 0 : f2i(f));
		} else {
			int64_t v = opr_rt_load_i(x->data, x->dtype, i);

			store(y->data, y->dtype, i, (double)v, v);
		}
	}
	return OPR_OK;
}

const struct rt_op opr_rt_op_cast = { .prep = cast_prep, .fwd = cast_fwd };
