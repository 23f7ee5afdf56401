/*
 * maxpool.c - MaxPool over 1-D or 2-D windows with strides, pads,
 * dilations, auto_pad and ceil_mode; padded positions never win.  The
 * optional Indices output holds the flat input index of each maximum
 * (row-major, or column-major within the plane when storage_order = 1).
 */
#include <math.h>

#include "runtime/runtime.h"

static int maxpool_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	return opr_rt_pool_prep(rt, rn, 1, err);
}

struct maxpool_job {
	const struct opr_window *gm;
	const float *x;
	float *y;
	int64_t *ind;
	int col_major;
};

static void maxpool_planes(void *arg, int64_t p0, int64_t p1, int tid)
{
	const struct maxpool_job *j = arg;
	const struct opr_window *g = j->gm;
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t p, oh, ow, i, k;

	(void)tid;
	for (p = p0; p < p1; p++) {
		const float *x = j->x + p * H * W;
		float *y = j->y + p * OH * OW;

		for (oh = 0; oh < OH; oh++)
			for (ow = 0; ow < OW; ow++) {
				int64_t hs = oh * g->s[0] - g->pb[0];
				int64_t ws = ow * g->s[1] - g->pb[1];
				int64_t best = -1;
				float m = -INFINITY;

				for (i = 0; i < g->k[0]; i++) {
					int64_t ih = hs + i * g->d[0];

					if (ih < 0 || ih >= H)
						continue;
					for (k = 0; k < g->k[1]; k++) {
						int64_t iw = ws + k * g->d[1];

						if (iw < 0 || iw >= W)
							continue;
						if (best < 0 || x[ih * W + iw] > m) {
							m = x[ih * W + iw];
							best = j->col_major ?
							       iw * H + ih : ih * W + iw;
						}
					}
				}
				y[oh * OW + ow] = m;
				if (j->ind)
					j->ind[p * OH * OW + oh * OW + ow] =
						p * H * W + (best < 0 ? 0 : best);
			}
	}
}

static int maxpool_fwd(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *ind = opr_rt_out(rt, rn, 1);
	struct maxpool_job j;

	(void)err;
	j.gm = rn->param;
	j.x = x->data;
	j.y = opr_rt_out(rt, rn, 0)->data;
	j.ind = ind ? ind->data : NULL;
	j.col_major = opr_node_attr_int(rn->n, "storage_order", 0) == 1;
	opr_rt_parallel_range(rt, x->dims[0] * x->dims[1], 1, maxpool_planes, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_maxpool = {
	.param_size = sizeof(struct opr_window),
	.prep = maxpool_prep, .fwd = maxpool_fwd
};
