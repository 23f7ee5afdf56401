/*
 * fwd_train.c - the engine's passes: the training-mode and inference-mode
 * forward (each planned node's fwd in graph order, after the batch is set
 * up and the input copied in), the backward (the seed, then each
 * participating node's bwd in reverse order), the step (forward, softmax
 * cross-entropy straight into the seed, backward), the
 * BatchNormalization statistics switches, and the OPR_TRAIN_PROFILE
 * summary (time per op type and direction, printed by opr_train_free).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "train/tr_internal.h"

/* Sets the batch up (no allocation) and copies the input in. */
static int begin(struct opr_train *t, const float *x, int n,
		 struct opr_err *err)
{
	struct tr_val *in = &t->vals[t->in];
	int rc;

	t->can_bwd = 0;
	if (n < 1 || n > t->batch || !x)
		return opr_errf(err, OPR_EUSAGE, "training: batch of %d images, "
				"planned for 1..%d", n, t->batch);
	if (n != t->cur_n && (rc = tr_setup(t, n, err)))
		return rc;
	if (in->data)
		memcpy(in->data, x, (size_t)in->numel * sizeof(float));
	return OPR_OK;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_forward(struct opr_train *t)
{
	int i;

	for (i = 0; i < t->g->n_nodes; i++) {
		double t0;

		if (!t->nodes[i].op || t->nodes[i].fused)
			continue;
		t0 = t->prof ? now_s() : 0;
		t->nodes[i].op->fwd(t, &t->nodes[i]);
		if (t->prof)
			t->prof[i] += now_s() - t0;
	}
	t->prof_fwd++;
}

int opr_train_forward(struct opr_train *t, const float *x, int n,
		      struct opr_err *err)
{
	int rc = begin(t, x, n, err);

	if (rc)
		return rc;
	t->training = 1;
	t->bn_frozen = t->bn_mode == OPR_TRAIN_BN_FROZEN;
	run_forward(t);
	if (t->bn_mode == OPR_TRAIN_BN_CUMULATIVE)
		t->bn_count++;
	t->can_bwd = !(t->flags & OPR_TRAIN_NO_GRAD);
	return OPR_OK;
}

int opr_train_eval(struct opr_train *t, const float *x, int n, float *out,
		   struct opr_err *err)
{
	struct tr_val *y = &t->vals[t->out];
	int rc = begin(t, x, n, err);

	if (rc)
		return rc;
	t->training = 0;
	t->bn_frozen = 1;
	run_forward(t);
	if (out)
		memcpy(out, y->data, (size_t)y->numel * sizeof(float));
	return OPR_OK;
}

/* The backward pass after the seed is in place. */
static void run_backward(struct opr_train *t)
{
	int i;

	for (i = t->g->n_nodes - 1; i >= 0; i--) {
		double t0;

		if (!t->nodes[i].op || !t->nodes[i].bwd)
			continue;
		t0 = t->prof ? now_s() : 0;
		t->nodes[i].op->bwd(t, &t->nodes[i]);
		if (t->prof)
			t->prof[t->g->n_nodes + i] += now_s() - t0;
	}
	t->prof_bwd++;
}

static int check_bwd(const struct opr_train *t, struct opr_err *err)
{
	if (t->flags & OPR_TRAIN_NO_GRAD)
		return opr_errf(err, OPR_EUSAGE, "training: backward on an "
				"engine made with OPR_TRAIN_NO_GRAD");
	if (!t->can_bwd)
		return opr_errf(err, OPR_EUSAGE, "training: backward without a "
				"training forward before it");
	return OPR_OK;
}

int opr_train_backward(struct opr_train *t, const float *dy,
		       struct opr_err *err)
{
	struct tr_val *y = &t->vals[t->out];
	int rc = check_bwd(t, err);

	if (rc)
		return rc;
	if (y->grad)
		memcpy(y->grad, dy, (size_t)y->numel * sizeof(float));
	run_backward(t);
	return OPR_OK;
}

int opr_train_step(struct opr_train *t, const float *x, const int *labels,
		   int n, float *loss, struct opr_err *err)
{
	struct tr_val *y;
	int64_t k;
	int rc, i;

	if ((rc = opr_train_forward(t, x, n, err)) || (rc = check_bwd(t, err)))
		return rc;
	y = &t->vals[t->out];
	k = y->numel / n;
	if (k < 1 || k > INT32_MAX)
		return opr_errf(err, OPR_EINVAL, "training: output 0 has %lld "
				"values per image", (long long)k);
	for (i = 0; i < n; i++)
		if (labels[i] < 0 || labels[i] >= k)
			return opr_errf(err, OPR_EINVAL, "training: label %d of "
					"image %d is not in [0, %lld)", labels[i],
					i, (long long)k);
	if (y->grad)
		memset(y->grad, 0, (size_t)y->numel * sizeof(float));
	*loss = (float)opr_loss_softmax_ce(y->data, labels, n, (int)k, 1.0f,
					   y->grad);
	run_backward(t);
	return OPR_OK;
}

const float *opr_train_output(const struct opr_train *t, int64_t *per_image)
{
	const struct tr_val *y = &t->vals[t->out];

	if (per_image)
		*per_image = t->cur_n ? y->numel / t->cur_n : 0;
	return y->data;
}

const float *opr_train_input_grad(const struct opr_train *t)
{
	return (t->flags & OPR_TRAIN_INPUT_GRAD) ? t->vals[t->in].grad : NULL;
}

void opr_train_set_bn(struct opr_train *t, int mode)
{
	t->bn_mode = mode;
}

void opr_train_bn_reset(struct opr_train *t)
{
	t->bn_count = 0;
}

void tr_print_profile(const struct opr_train *t)
{
	double f[OPR_OP_COUNT] = { 0 }, b[OPR_OP_COUNT] = { 0 }, tf = 0, tb = 0;
	int N = t->g->n_nodes, i, k;

	if (!t->prof || !t->prof_fwd)
		return;
	for (i = 0; i < N; i++) {
		k = t->g->nodes[i].op;
		f[k] += t->prof[i];
		b[k] += t->prof[N + i];
		tf += t->prof[i];
		tb += t->prof[N + i];
	}
	fprintf(stderr, "training profile: forward %.3f ms over %ld passes, "
		"backward %.3f ms over %ld\n", tf * 1e3 / t->prof_fwd, t->prof_fwd,
		t->prof_bwd ? tb * 1e3 / t->prof_bwd : 0.0, t->prof_bwd);
	for (k = 0; k < OPR_OP_COUNT; k++)
		if (f[k] > 0 || b[k] > 0)
			fprintf(stderr, "  %-22s fwd %8.3f ms  bwd %8.3f ms\n",
				opr_ops[k].name ? opr_ops[k].name : "?",
				f[k] * 1e3 / t->prof_fwd,
				t->prof_bwd ? b[k] * 1e3 / t->prof_bwd : 0.0);
}
