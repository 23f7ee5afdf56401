/*
 * unary.c - the shared body of the same-shape float maps (Relu, Clip,
 * Sigmoid, ...): prep copies the input shape, fwd runs the op's map over
 * contiguous chunks in parallel.
 */
#include "runtime/runtime.h"

int opr_rt_unary_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);

	if (!x)
		return err->code;
	return opr_rt_same_shape(rt, rn, 0, x, err);
}

struct map_job {
	rt_map_fn fn;
	const float *x;
	float *y;
	const float *ctx;
};

static void map_range(void *arg, int64_t b, int64_t e, int tid)
{
	const struct map_job *j = arg;

	(void)tid;
	j->fn(j->x + b, j->y + b, e - b, j->ctx);
}

int opr_rt_unary_fwd(struct opr_rt *rt, struct rt_node *rn, rt_map_fn fn,
		 const float *ctx, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	struct map_job j = { fn, x->data, y->data, ctx };

	(void)err;
	opr_rt_parallel_range(rt, y->numel, 32768, map_range, &j);
	return OPR_OK;
}
