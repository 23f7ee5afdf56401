/*
 * op_conv_wino.c - Winograd F(4x4, 3x3) for the training engine's 3x3
 * stride-1 convs, with the runtime's plan and tasks (runtime/wino.h: a
 * task is a run of tile rows, packed and transformed into
 * V[36][tiles][cp], multiplied by U[36][cp][mp], and transformed back
 * into the NCHW planes); the weight transform is the engine's own
 * (tk_wino_u, many filters at once).
 *
 * The forward uses it as the runtime does.  The input gradient of a
 * stride-1 3x3 conv is itself one: dX = conv(dY, W~) with W~[c][m] =
 * rot180(W[m][c]) and pads 2 - pt, 2 - pl, so the backward uses it too,
 * adding into dX through the output transform's residual (which reads
 * each element before it writes it).  The weights change every step, so
 * U is made at every call, into the shared scratch, spread over the
 * threads by output channel.
 */
#include "train/op_conv.h"
#include "train/tkern.h"

size_t tr_wino_ufloats(const struct rt_wino_plan *w)
{
	return (size_t)(36 * w->cp * w->mp + w->mp);
}

/* What the weight transform's tasks share. */
struct u_job {
	struct opr_train *t;
	const struct rt_wino_plan *w;
	const float *W;
	int64_t m, c;
	int flip;
	float *u;
};

/*
 * U for input channels [b0, b1) of the transformed conv, all its output
 * channels at once (tkern.h), the filters gathered in the thread's
 * scratch (free between the jobs of a conv; the Winograd plan gives it
 * 36 cp + 36 mp floats at least, more than the 9 + 36 nout used here).
 */
static void u_range(void *arg, int64_t b0, int64_t b1, int tid)
{
	const struct u_job *j = arg;
	const struct rt_wino_plan *w = j->w;
	int64_t a, b, k, xi, nin = j->flip ? j->m : j->c, nout = j->flip ? j->c : j->m;
	float *gt = tr_scratch(j->t, tid);
	double *tmp = (double *)(void *)(gt + (9 * nout + TR_ALIGN - 1) /
					 TR_ALIGN * TR_ALIGN);

	for (b = b0; b < b1; b++) {
		if (b >= nin) {		/* padded input channels */
			for (xi = 0; xi < 36; xi++)
				for (a = 0; a < nout; a++)
					j->u[xi * w->cp * w->mp + b * w->mp + a] = 0;
			continue;
		}
		for (a = 0; a < nout; a++) {
			const float *f = j->flip ? j->W + (b * j->c + a) * 9 :
					 j->W + (a * j->c + b) * 9;

			for (k = 0; k < 9; k++)
				gt[k * nout + a] = f[j->flip ? 8 - k : k];
		}
		tk_wino_u(gt, nout, j->u + b * w->mp, w->cp * w->mp, tmp);
	}
}

/* Zeroes the padded output channels [nout, mp) of U. */
static void u_pad(const struct rt_wino_plan *w, int64_t nout, float *u)
{
	int64_t xi, b, a;

	for (xi = 0; xi < 36; xi++)
		for (b = 0; b < w->cp; b++)
			for (a = nout; a < w->mp; a++)
				u[xi * w->cp * w->mp + b * w->mp + a] = 0;
}

void tr_wino_weights(struct opr_train *t, const struct rt_wino_plan *w,
		     const float *W, int64_t m, int64_t c, int flip,
		     const float *bias, float *u)
{
	struct u_job j = { t, w, W, m, c, flip, u };
	int64_t nout = flip ? c : m, a;

	u_pad(w, nout, u);
	for (a = 0; a < w->mp; a++)
		u[36 * w->cp * w->mp + a] = bias && a < nout ? bias[a] : 0.0f;
	tr_range(t, w->cp, 1, u_range, &j);
}

/* What the tasks of one run share. */
struct wino_job {
	struct opr_train *t;
	const struct rt_wino_conv *c;
};

static void wino_task(void *arg, int64_t k, int tid)
{
	const struct wino_job *j = arg;

	opr_rt_wino_task(j->c, k, tr_scratch(j->t, tid));
}

void tr_wino_run(struct opr_train *t, const struct rt_wino_conv *c)
{
	struct wino_job j = { t, c };

	tr_run(t, c->w->ntask, wino_task, &j);
}
