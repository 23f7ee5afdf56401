/*
 * finetune.c - the fine-tuning loop (finetune.h): batches, forward and
 * backward with the training engine, the losses, SGD, the schedule, BN
 * recalibration, validation and the log.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train/batch.h"
#include "train/ema.h"
#include "train/finetune.h"
#include "train/interrupt.h"
#include "train/sgd.h"
#include "train/train.h"

/* Everything a run holds; freed by ft_free(). */
struct opr_ft_run {
	const struct opr_ft_opts *o;
	const struct opr_dataset *ds;
	struct opr_train *t;
	struct opr_sgd *sgd;
	struct opr_ema *ema;	/* the weights' moving average, or NULL */
	struct opr_rt *teacher;
	struct opr_batcher *train_b, *val_b;
	int *train_idx, *val_idx;
	int n_train, n_val;
	int c, h, w, k;		/* input channels and size, logits per image */
	float *x;		/* batch * c * h * w */
	int *labels;		/* batch */
	float *dz;		/* batch * k: dL/dz with a teacher or
				   smoothed labels */
	float *tz;		/* batch * k: the teacher's logits */
	struct opr_graph *g;	/* the graph trained */
	int *sgd_of;		/* engine tensor -> SGD tensor (-1: none) */
	struct opr_trainlog *tl; /* the log while epochs run */
	long step, spe;		/* steps done, steps per epoch */
	int epochs_done;
};

void opr_ft_defaults(struct opr_ft_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->epochs = 1;
	o->batch = 128;
	o->lr = 0.01;
	o->momentum = 0.9;
	o->nesterov = 1;
	o->weight_decay = 5e-4;
	o->pad = 4;
	o->flip = 1;
	o->temperature = 4.0;
	o->alpha = 0.9;
	o->log_every = 10;
}

static double ft_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The one non-initializer input: static C, H, W into f. */
static int find_input(const struct opr_graph *g, struct opr_ft_run *f,
		      struct opr_err *err)
{
	const struct opr_value *v = NULL;
	int i, n = 0;

	for (i = 0; i < g->n_inputs; i++)
		if (!g->values[g->inputs[i]].is_initializer) {
			v = &g->values[g->inputs[i]];
			n++;
		}
	if (n != 1)
		return opr_errf(err, OPR_EUNSUPPORTED, "finetune: the model has "
				"%d inputs; training needs one image input", n);
	if (v->rank != 4 || v->dims[1] < 1 || v->dims[2] < 1 || v->dims[3] < 1)
		return opr_errf(err, OPR_EUNSUPPORTED, "finetune: input '%s' is "
				"not NCHW with static channels, height and width",
				v->name);
	f->c = (int)v->dims[1];
	f->h = (int)v->dims[2];
	f->w = (int)v->dims[3];
	return OPR_OK;
}

static int check_opts(const struct opr_ft_opts *o, struct opr_err *err)
{
	if (o->epochs < 0 || o->batch < 1)
		return opr_errf(err, OPR_EUSAGE, "finetune: want epochs >= 0 and "
				"batch >= 1");
	if (o->epochs > 0 && !(o->lr > 0 && isfinite(o->lr)))
		return opr_errf(err, OPR_EUSAGE, "finetune: lr must be > 0");
	if (!(o->val_split >= 0 && o->val_split < 1))
		return opr_errf(err, OPR_EUSAGE, "finetune: val split must be in "
				"[0, 1)");
	if (o->pad < 0 || o->bn_recal < 0 || o->limit < 0 || o->n_masks < 0 ||
	    (o->n_masks > 0 && !o->masks))
		return opr_errf(err, OPR_EUSAGE, "finetune: bad pad, bn_recal "
				"or masks");
	if (o->teacher && (!(o->temperature > 0 && isfinite(o->temperature)) ||
			   !(o->alpha >= 0 && o->alpha <= 1)))
		return opr_errf(err, OPR_EUSAGE, "finetune: distillation wants "
				"temperature > 0 and alpha in [0, 1]");
	if (!(o->label_smoothing >= 0 && o->label_smoothing < 1))
		return opr_errf(err, OPR_EUSAGE, "finetune: label smoothing "
				"must be in [0, 1)");
	if (!(o->ema >= 0 && o->ema < 1))
		return opr_errf(err, OPR_EUSAGE, "finetune: the moving average's "
				"decay must be in (0, 1)");
	if (o->epochs == 0 && o->bn_recal == 0)
		return opr_errf(err, OPR_EUSAGE, "finetune: nothing to do (no "
				"epochs and no BN recalibration)");
	return OPR_OK;
}

/* Batcher options of the run: its batch, seed, image size, mean, std. */
static void batcher_opts(const struct opr_ft_run *f,
			 struct opr_batcher_opts *bo)
{
	memset(bo, 0, sizeof(*bo));
	bo->batch = f->o->batch;
	bo->seed = f->o->seed;
	bo->c = f->c;
	bo->h = f->h;
	bo->w = f->w;
	bo->mean = f->o->mean;
	bo->std = f->o->std;
}

/* A batcher over idx[0..n-1]: augmented and shuffled for training. */
static int make_batcher(struct opr_ft_run *f, const int *idx, int n, int train,
			struct opr_batcher **out, struct opr_err *err)
{
	struct opr_batcher_opts bo;

	batcher_opts(f, &bo);
	bo.shuffle = train;
	if (train) {
		bo.aug.pad = f->o->pad;
		bo.aug.flip = f->o->flip;
	}
	return opr_batcher_new(f->ds, idx, n, &bo, out, err);
}

/* The SGD over every trainable tensor, and the masks. */
static int make_sgd(struct opr_ft_run *f, struct opr_err *err)
{
	const struct opr_ft_opts *o = f->o;
	struct opr_sgd_opts so;
	int *map, i, j, n = opr_train_n_tensors(f->t), rc;

	memset(&so, 0, sizeof(so));
	so.momentum = o->momentum;
	so.nesterov = o->nesterov;
	so.weight_decay = o->weight_decay;
	if ((rc = opr_sgd_new(&so, &f->sgd, err)))
		return rc;
	map = f->sgd_of = malloc((size_t)(n > 0 ? n : 1) * sizeof(int));
	if (!map)
		return opr_errf(err, OPR_ENOMEM, "finetune: out of memory");
	for (i = 0; i < n; i++) {
		const struct opr_train_tensor *tt = opr_train_tensor(f->t, i);

		map[i] = -1;
		if (!tt->trainable)
			continue;
		if ((rc = opr_sgd_add(f->sgd, tt->data, tt->grad,
				      (size_t)tt->numel, 0, err)))
			return rc;
		map[i] = opr_sgd_count(f->sgd) - 1;
	}
	for (j = 0; j < o->n_masks; j++) {
		if (!o->masks[j].keep)
			return opr_errf(err, OPR_EUSAGE, "finetune: mask '%s' "
					"names no trainable tensor",
					o->masks[j].name ? o->masks[j].name :
					"(null)");
		if ((rc = opr_ft_set_mask(f, o->masks[j].name, o->masks[j].keep,
					  OPR_SGD_MASK_HARD, err)))
			return rc;
	}
	return OPR_OK;
}

/* The moving average of every parameter and BN running statistic. */
static int make_ema(struct opr_ft_run *f, struct opr_err *err)
{
	int i, n = opr_train_n_tensors(f->t), rc;

	if ((rc = opr_ema_new(f->o->ema, n, &f->ema, err)))
		return rc;
	for (i = 0; i < n; i++) {
		const struct opr_train_tensor *tt = opr_train_tensor(f->t, i);

		if ((tt->trainable || tt->kind == OPR_TK_BN_MEAN ||
		     tt->kind == OPR_TK_BN_VAR) &&
		    (rc = opr_ema_add(f->ema, tt->data, (size_t)tt->numel, err)))
			return rc;
	}
	return OPR_OK;
}

/* Images of z ([n][k]) whose label is the first arg max. */
static long count_correct(const float *z, const int *labels, int n, int k)
{
	long c = 0;
	int i, j, best;

	for (i = 0; i < n; i++) {
		const float *r = z + (size_t)i * (size_t)k;

		for (best = 0, j = 1; j < k; j++)
			if (r[j] > r[best])
				best = j;
		c += best == labels[i];
	}
	return c;
}

/* Checks labels of a batch against the k logits. */
static int check_labels(const struct opr_ft_run *f, int n, struct opr_err *err)
{
	int i;

	for (i = 0; i < n; i++)
		if (f->labels[i] < 0 || f->labels[i] >= f->k)
			return opr_errf(err, OPR_EINVAL, "finetune: label %d out "
					"of the model's %d classes", f->labels[i],
					f->k);
	return OPR_OK;
}

/* BN recalibration: cumulative statistics over o->bn_recal batches. */
static int bn_recal(struct opr_ft_run *f, struct opr_ft_result *res,
		    struct opr_err *err)
{
	struct opr_batcher *b = NULL;
	struct opr_batcher_opts bo;
	int i, n, rc;
	long epoch = 0;

	batcher_opts(f, &bo);
	bo.shuffle = 1;
	bo.seed ^= 0x5bd1e995u;	/* an order of its own */
	if ((rc = opr_batcher_new(f->ds, f->train_idx, f->n_train, &bo, &b, err)))
		return rc;
	opr_train_set_bn(f->t, OPR_TRAIN_BN_CUMULATIVE);
	opr_train_bn_reset(f->t);
	opr_batcher_epoch(b, epoch);
	for (i = 0; i < f->o->bn_recal; ) {
		if ((rc = opr_batcher_next(b, f->x, f->labels, NULL, &n, err)))
			break;
		if (n == 0) {
			opr_batcher_epoch(b, ++epoch);
			continue;
		}
		if ((rc = opr_train_forward(f->t, f->x, n, err)))
			break;
		res->recal_batches = ++i;
		if (opr_interrupted())
			break;
	}
	opr_train_set_bn(f->t, OPR_TRAIN_BN_MOMENTUM);
	opr_batcher_free(b);
	return rc;
}

/* Validation loss and top-1 % in inference mode. */
static int validate(struct opr_ft_run *f, double *loss, double *acc,
		    struct opr_err *err)
{
	double sum = 0.0;
	long correct = 0, seen = 0;
	int n, rc;

	opr_batcher_epoch(f->val_b, 0);
	for (;;) {
		if ((rc = opr_batcher_next(f->val_b, f->x, f->labels, NULL, &n,
					   err)))
			return rc;
		if (n == 0)
			break;
		if ((rc = check_labels(f, n, err)) ||
		    (rc = opr_train_eval(f->t, f->x, n, NULL, err)))
			return rc;
		{
			const float *z = opr_train_output(f->t, NULL);

			sum += (double)n * opr_loss_softmax_ce(z, f->labels, n,
							       f->k, 0.0f, NULL);
			correct += count_correct(z, f->labels, n, f->k);
		}
		seen += n;
	}
	*loss = seen ? sum / (double)seen : NAN;
	*acc = seen ? 100.0 * (double)correct / (double)seen : NAN;
	return OPR_OK;
}

/* One SGD step on the batch in f->x: the loss into *loss. */
static int train_step(struct opr_ft_run *f, int n, double lr, double *loss,
		      long *correct, struct opr_err *err)
{
	const struct opr_ft_opts *o = f->o;
	float l;
	int rc;

	if ((rc = check_labels(f, n, err)))
		return rc;
	if (!f->teacher && o->label_smoothing == 0) {
		if ((rc = opr_train_step(f->t, f->x, f->labels, n, &l, err)))
			return rc;
		*loss = l;
	} else {
		const float *z;
		double a = f->teacher ? o->alpha : 0.0;
		size_t nk = (size_t)n * (size_t)f->k;

		if ((f->teacher &&
		     (rc = opr_rt_run(f->teacher, f->x, n, f->tz, err))) ||
		    (rc = opr_train_forward(f->t, f->x, n, err)))
			return rc;
		z = opr_train_output(f->t, NULL);
		memset(f->dz, 0, nk * sizeof(float));
		*loss = (1.0 - a) *
			opr_loss_smoothed_ce(z, f->labels, n, f->k,
					     (float)o->label_smoothing,
					     (float)(1.0 - a), f->dz);
		if (f->teacher)
			*loss += a * opr_loss_distill(z, f->tz, n, f->k,
						      (float)o->temperature,
						      (float)a, f->dz);
		if ((rc = opr_train_backward(f->t, f->dz, err)))
			return rc;
	}
	*correct = count_correct(opr_train_output(f->t, NULL), f->labels, n,
				 f->k);
	if ((rc = opr_sgd_step(f->sgd, lr, err)))
		return rc;
	if (f->ema)
		opr_ema_update(f->ema);
	return OPR_OK;
}

/* The run's hook at point when, if there is one. */
static int call_hook(struct opr_ft_run *f, int when, struct opr_err *err)
{
	if (!f->o->hook_fn)
		return OPR_OK;
	return f->o->hook_fn(f->o->hook_fn_ctx, f, when, err);
}

struct opr_graph *opr_ft_graph(struct opr_ft_run *run)
{
	return run->g;
}

long opr_ft_steps(const struct opr_ft_run *run)
{
	return run->step;
}

int opr_ft_epochs_done(const struct opr_ft_run *run)
{
	return run->epochs_done;
}

long opr_ft_steps_per_epoch(const struct opr_ft_run *run)
{
	return run->spe;
}

/* The SGD tensor of the trainable tensor called name, or -1. */
static int sgd_tensor(const struct opr_ft_run *run, const char *name)
{
	int i = name ? opr_train_find(run->t, name) : -1;

	return i < 0 || !run->sgd_of ? -1 : run->sgd_of[i];
}

int opr_ft_set_mask(struct opr_ft_run *run, const char *tensor,
		    const unsigned char *keep, int mode, struct opr_err *err)
{
	int t = sgd_tensor(run, tensor);

	if (t < 0)
		return opr_errf(err, OPR_EUSAGE, "finetune: mask '%s' names no "
				"trainable tensor", tensor ? tensor : "(null)");
	return opr_sgd_set_mask(run->sgd, t, keep, mode, err);
}

int opr_ft_set_l1(struct opr_ft_run *run, const char *tensor, double l1,
		  struct opr_err *err)
{
	int t = sgd_tensor(run, tensor);

	if (t < 0)
		return opr_errf(err, OPR_EUSAGE, "finetune: L1 on '%s', which "
				"is no trainable tensor", tensor ? tensor :
				"(null)");
	return opr_sgd_set_l1(run->sgd, t, l1, err);
}

void opr_ft_ema_restart(struct opr_ft_run *run)
{
	if (run->ema)
		opr_ema_restart(run->ema);
}

void opr_ft_set_test(struct opr_ft_run *run, double loss, double acc)
{
	opr_trainlog_set_test(run->tl, loss, acc);
}

/* The epochs of SGD. */
static int train_epochs(struct opr_ft_run *f, struct opr_ft_result *res,
			struct opr_err *err)
{
	const struct opr_ft_opts *o = f->o;
	struct opr_trainlog_opts lo;
	struct opr_trainlog *tl = NULL;
	struct opr_sched s;
	long spe = opr_batcher_batches(f->train_b), step = 0;
	int e, n, rc, rc2;
	double lr = 0.0, loss, vl, va;
	long correct;

	if (o->sched) {
		s = *o->sched;
	} else {
		memset(&s, 0, sizeof(s));
		s.kind = OPR_SCHED_COSINE;
		s.min = 0.0;
	}
	s.base = o->lr;
	if (s.kind == OPR_SCHED_COSINE && s.total <= 0)
		s.total = spe * o->epochs;
	if ((rc = opr_sched_check(&s, err)))
		return rc;
	memset(&lo, 0, sizeof(lo));
	lo.path = o->log_path;
	lo.every = o->log_every;
	lo.epochs = o->epochs;
	lo.steps_per_epoch = spe;
	lo.images_per_epoch = opr_batcher_images(f->train_b);
	lo.hook = o->hook;
	lo.hook_ctx = o->hook_ctx;
	if ((rc = opr_trainlog_open(&lo, &tl, err)))
		return rc;
	opr_train_set_bn(f->t, OPR_TRAIN_BN_MOMENTUM);
	f->tl = tl;
	f->spe = spe;
	if ((rc = call_hook(f, OPR_FT_START, err)))
		goto out;
	for (e = 0; e < o->epochs && !res->interrupted; e++) {
		opr_batcher_epoch(f->train_b, e);
		for (;;) {
			if ((rc = opr_batcher_next(f->train_b, f->x, f->labels,
						   NULL, &n, err)))
				goto out;
			if (n == 0)
				break;
			lr = opr_sched_lr(&s, step);
			if ((rc = train_step(f, n, lr, &loss, &correct, err)))
				goto out;
			step++;
			f->step = res->steps = step;
			if (step == 1)
				res->first_loss = loss;
			res->last_loss = loss;
			if ((rc = opr_trainlog_step(tl, lr, loss, correct, n, err)))
				goto out;
			if (o->hook_every > 0 && step % o->hook_every == 0 &&
			    (rc = call_hook(f, OPR_FT_STEP, err)))
				goto out;
			if (opr_interrupted()) {
				res->interrupted = 1;
				break;
			}
		}
		if (res->interrupted)
			break;
		opr_trainlog_epoch_stop(tl);
		vl = va = NAN;
		if (f->val_b && (rc = validate(f, &vl, &va, err)))
			goto out;
		res->val_loss = vl;
		res->val_acc = va;
		res->epochs_done = f->epochs_done = e + 1;
		if ((rc = call_hook(f, OPR_FT_EPOCH, err)) ||
		    (rc = opr_trainlog_epoch(tl, vl, va, err)))
			goto out;
	}
	if (f->ema) {
		res->ema_steps = opr_ema_updates(f->ema);
		opr_ema_store(f->ema);
		opr_sgd_apply_masks(f->sgd);
	}
	rc = call_hook(f, OPR_FT_END, err);
out:
	f->tl = NULL;
	rc2 = opr_trainlog_close(tl, res->interrupted, rc ? NULL : err);
	return rc ? rc : rc2;
}

static void ft_free(struct opr_ft_run *f)
{
	opr_batcher_free(f->train_b);
	opr_batcher_free(f->val_b);
	opr_sgd_free(f->sgd);
	opr_ema_free(f->ema);
	opr_rt_free(f->teacher);
	opr_train_free(f->t);
	free(f->train_idx);
	free(f->val_idx);
	free(f->x);
	free(f->labels);
	free(f->dz);
	free(f->tz);
	free(f->sgd_of);
}

/* Plans the teacher for the batch and checks its logits. */
static int make_teacher(struct opr_ft_run *f, struct opr_err *err)
{
	struct opr_rt_info info;
	int rc;

	if ((rc = opr_rt_new(f->o->teacher, f->o->batch, f->o->threads,
			     &f->teacher, err)) ||
	    (rc = opr_rt_output_info(f->teacher, 0, f->o->batch, &info, err)))
		return rc;
	if (info.dtype != OPR_DT_FLOAT ||
	    info.nbytes != (size_t)f->o->batch * (size_t)f->k * sizeof(float))
		return opr_errf(err, OPR_ESHAPE, "finetune: the teacher does not "
				"give %d float logits per image", f->k);
	f->tz = malloc((size_t)f->o->batch * (size_t)f->k * sizeof(float));
	if (!f->tz)
		return opr_errf(err, OPR_ENOMEM, "finetune: out of memory");
	return OPR_OK;
}

/* The logits' gradient buffer, for a teacher or smoothed labels. */
static int make_dz(struct opr_ft_run *f, struct opr_err *err)
{
	f->dz = malloc((size_t)f->o->batch * (size_t)f->k * sizeof(float));
	if (!f->dz)
		return opr_errf(err, OPR_ENOMEM, "finetune: out of memory");
	return OPR_OK;
}

int opr_finetune(struct opr_graph *g, const struct opr_dataset *ds,
		 const struct opr_ft_opts *o, struct opr_ft_result *res,
		 struct opr_err *err)
{
	struct opr_ft_result dummy;
	struct opr_ft_run f;
	int64_t per;
	double t0 = ft_now();
	int rc;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	res->first_loss = res->last_loss = NAN;
	res->val_loss = res->val_acc = NAN;
	memset(&f, 0, sizeof(f));
	f.o = o;
	f.ds = ds;
	f.g = g;
	if ((rc = check_opts(o, err)) || (rc = find_input(g, &f, err)))
		return rc;
	if ((rc = opr_val_split(o->limit > 0 && o->limit < ds->n ? o->limit :
				ds->n, o->val_split, OPR_VAL_RANDOM, o->seed,
				&f.train_idx, &f.n_train, &f.val_idx, &f.n_val,
				err)))
		goto out;
	res->n_train = f.n_train;
	res->n_val = f.n_val;
	rc = opr_train_new(g, o->batch, o->threads,
			   o->epochs > 0 ? 0u : OPR_TRAIN_NO_GRAD, &f.t, err);
	if (rc)
		goto out;
	f.x = malloc((size_t)o->batch * (size_t)f.c * (size_t)f.h *
		     (size_t)f.w * sizeof(float));
	f.labels = malloc((size_t)o->batch * sizeof(int));
	if (!f.x || !f.labels) {
		rc = opr_errf(err, OPR_ENOMEM, "finetune: out of memory for a "
			      "batch of %d", o->batch);
		goto out;
	}
	/* the logits per image are known after a forward: one blank image */
	memset(f.x, 0, (size_t)f.c * (size_t)f.h * (size_t)f.w * sizeof(float));
	if ((rc = opr_train_eval(f.t, f.x, 1, NULL, err)))
		goto out;
	opr_train_output(f.t, &per);
	f.k = (int)per;
	if (f.k < ds->n_classes) {
		rc = opr_errf(err, OPR_ESHAPE, "finetune: the model gives %d "
			      "logits per image but the data has %d classes",
			      f.k, ds->n_classes);
		goto out;
	}
	if (o->bn_recal > 0 && (rc = bn_recal(&f, res, err)))
		goto out;
	if (o->epochs == 0 || opr_interrupted()) {
		res->interrupted = opr_interrupted();
		goto out;
	}
	if ((rc = make_sgd(&f, err)) ||
	    (rc = make_batcher(&f, f.train_idx, f.n_train, 1, &f.train_b, err)) ||
	    (f.n_val > 0 &&
	     (rc = make_batcher(&f, f.val_idx, f.n_val, 0, &f.val_b, err))) ||
	    (o->teacher && (rc = make_teacher(&f, err))) ||
	    ((o->teacher || o->label_smoothing > 0) &&
	     (rc = make_dz(&f, err))) ||
	    (o->ema > 0 && (rc = make_ema(&f, err))))
		goto out;
	rc = train_epochs(&f, res, err);
out:
	res->seconds = ft_now() - t0;
	ft_free(&f);
	return rc;
}
