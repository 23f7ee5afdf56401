/*
 * averagepool.c - AveragePool over 1-D or 2-D windows with strides, pads,
 * dilations, auto_pad and ceil_mode.  The divisor counts the window taps
 * inside the input, or with count_include_pad those inside the padded
 * input (taps past the end padding that ceil_mode adds never count).
 */
#include "runtime/runtime.h"

static int avgpool_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	return opr_rt_pool_prep(rt, rn, 0, err);
}

struct avgpool_job {
	const struct opr_window *gm;
	const float *x;
	float *y;
	int incl;
};

/* Taps of one axis: [lo, hi) bounds that count, in and in+pads. */
static void avgpool_planes(void *arg, int64_t p0, int64_t p1, int tid)
{
	const struct avgpool_job *j = arg;
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
				int64_t cnt = 0;
				float s = 0;

				for (i = 0; i < g->k[0]; i++) {
					int64_t ih = hs + i * g->d[0];
					int hin = ih >= 0 && ih < H;
					int hpad = ih >= -g->pb[0] && ih < H + g->pe[0];

					for (k = 0; k < g->k[1]; k++) {
						int64_t iw = ws + k * g->d[1];
						int win = iw >= 0 && iw < W;
						int wpad = iw >= -g->pb[1] &&
							   iw < W + g->pe[1];

						if (hin && win) {
							s += x[ih * W + iw];
							cnt++;
						} else if (j->incl && hpad && wpad) {
							cnt++;
						}
					}
				}
				y[oh * OW + ow] = cnt ? s / (float)cnt : 0;
			}
	}
}

static int avgpool_fwd(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0);
	struct avgpool_job j;

	(void)err;
	j.gm = rn->param;
	j.x = x->data;
	j.y = opr_rt_out(rt, rn, 0)->data;
	j.incl = opr_node_attr_int(rn->n, "count_include_pad", 0) != 0;
	opr_rt_parallel_range(rt, x->dims[0] * x->dims[1], 1, avgpool_planes, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_averagepool = {
	.param_size = sizeof(struct opr_window),
	.prep = avgpool_prep, .fwd = avgpool_fwd
};
