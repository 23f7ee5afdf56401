/*
 * prune_train.c - the data, evaluation and training stages of the prune
 * pipeline (pipeline.h): the preprocessing and the data sets, the scores
 * on the test split, the recipe of the passes that train, fc3sigma's
 * fixed masks, and the fine-tuning after the passes.
 *
 * The test split is that of --test-data, else of --data.  The training
 * split of --data is opened once, only when something trains: a pass
 * flagged OPR_PASS_TRAINS or OPR_PASS_DATA, or --finetune-epochs.  The
 * recipe (cli_ft_opts()) is the same for both; the passes train --epochs
 * epochs without BN recalibration, fine-tuning --finetune-epochs epochs
 * after --bn-recal batches.  Ctrl-C during training stops it after the
 * current step and the pipeline goes on with the model so far.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/pipeline.h"
#include "passes/fc3sigma.h"
#include "train/interrupt.h"

void cli_pipe_init(struct cli_pipe *p, const struct cli_args *a)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->in_bytes = p->out_bytes = p->data_bytes = -1;
	p->nonzero_before = p->nonzero_after = -1;
	p->orig.acc = p->pruned.acc = p->final.acc = NAN;
	p->orig.loss = p->pruned.loss = p->final.loss = NAN;
	p->drop = NAN;
	p->threads = cli_threads(a);
}

/* Frees p->masks and their keep buffers. */
static void free_masks(struct cli_pipe *p)
{
	int i;

	for (i = 0; i < p->n_masks; i++)
		free((void *)p->masks[i].keep);
	free(p->masks);
	p->masks = NULL;
	p->n_masks = 0;
	p->pass_ft.masks = NULL;
	p->pass_ft.n_masks = 0;
}

void cli_pipe_free(struct cli_pipe *p)
{
	int i;

	if (p->hooked)
		opr_interrupt_restore();
	free_masks(p);
	for (i = 0; i < p->n_fc; i++)
		opr_fc3sigma_free(p->fc[i]);
	free(p->fc);
	cli_ft_hooks_free(&p->pass_hooks);
	cli_ft_hooks_free(&p->ft_hooks);
	opr_dataset_free(p->train);
	opr_dataset_free(p->test);
	opr_graph_free(p->teacher);
	opr_report_clear(&p->rep);
	opr_stats_free(&p->before);
	opr_stats_free(&p->after);
	memset(p, 0, sizeof(*p));
}

/* 1 when a pass of a trains with --data (OPR_PASS_TRAINS / _DATA). */
static int passes_train(const struct cli_args *a)
{
	int i;

	for (i = 0; i < a->n_passes; i++)
		if (a->passes[i]->flags & (OPR_PASS_TRAINS | OPR_PASS_DATA))
			return 1;
	return 0;
}

/* The training split, the teacher, the passes' recipe and Ctrl-C. */
static int open_training(struct cli_pipe *p, const struct cli_eval_sum *in,
			 struct opr_err *err)
{
	const struct cli_args *a = p->a;
	int rc;

	if ((rc = cli_open_data(a->data, OPR_SPLIT_TRAIN, a->in, in->c, in->h,
				in->w, &p->train, err)))
		return rc;
	if (a->distill &&
	    (rc = opr_import_file(a->teacher ? a->teacher : a->in, &p->teacher,
				  err)))
		return rc;
	cli_ft_opts(a, &p->pre, p->threads, p->teacher, &p->pass_hooks,
		    &p->pass_ft);
	p->pass_ft.epochs = a->epochs > 0 ? a->epochs : 0;
	p->pass_ft.bn_recal = 0;
	if ((rc = opr_interrupt_install(err)))
		return rc;
	p->hooked = 1;
	return OPR_OK;
}

int cli_pipe_open(struct cli_pipe *p, const struct opr_graph *g,
		  struct opr_err *err)
{
	const struct cli_args *a = p->a;
	struct cli_eval_sum in;
	int rc;

	p->test_spec = a->test_data ? a->test_data : a->data;
	if (!p->test_spec)
		return OPR_OK;
	memset(&in, 0, sizeof(in));
	if ((rc = cli_eval_input(g, &in, err)) ||
	    (rc = opr_pre_resolve(g, a->mean, a->std, in.c, &p->pre, err)))
		return rc;
	cli_warn_defaults(a->in, &p->pre);
	if ((rc = cli_open_data(p->test_spec, OPR_SPLIT_TEST, a->in, in.c,
				in.h, in.w, &p->test, err)))
		return rc;
	if (a->data && (a->finetune_epochs >= 0 || passes_train(a)))
		return open_training(p, &in, err);
	return OPR_OK;
}

int cli_pipe_score(struct cli_pipe *p, const struct opr_graph *g,
		   const char *what, struct cli_score *s, struct opr_err *err)
{
	struct cli_eval_sum e;
	int rc;

	if (!p->test)
		return OPR_OK;
	memset(&e, 0, sizeof(e));
	/* after fine-tuning, its last epoch scored these very weights */
	if (s == &p->final && p->finetuned &&
	    cli_ft_last_is_final(&p->ft_hooks, &p->ft))
		e = p->ft_hooks.last;
	else if ((rc = cli_eval_graph(g, p->a->in, p->test, &p->pre,
				      p->a->batch, p->threads, 0, &e, err)))
		return rc;
	s->n = e.n;
	s->top1 = e.top1;
	s->acc = e.n ? 100.0 * (double)e.top1 / (double)e.n : NAN;
	s->loss = e.loss;
	printf("%-8s top-1 %.2f %% (%ld/%ld)  loss %.4f  on %s\n", what, s->acc,
	       s->top1, s->n, s->loss, p->test_spec);
	fflush(stdout);
	return OPR_OK;
}

/*
 * The keep bytes of weight v of g for fc3sigma mask m: m's own when the
 * weight still has its size, else (a later pass removed rows or columns)
 * 1 wherever the weight is non-zero now.  Into keep (numel bytes).
 */
static void mask_keep(const struct opr_graph *g, int v,
		      const struct opr_fc_mask *m, int64_t numel,
		      unsigned char *keep)
{
	const float *w = g->values[v].data;
	int64_t i;

	if (numel == m->n) {
		memcpy(keep, m->keep, (size_t)numel);
		return;
	}
	for (i = 0; i < numel; i++)
		keep[i] = w[i] != 0.0f;
}

/* Adds (or ANDs into the entry of the same weight) mask m of g. */
static int add_mask(struct cli_pipe *p, const struct opr_graph *g,
		    const struct opr_fc_mask *m, struct opr_err *err)
{
	int v = opr_graph_find_value(g, m->name), i;
	struct opr_ft_mask *e;
	unsigned char *keep;
	int64_t numel, k;

	if (v < 0 || !g->values[v].is_initializer || !g->values[v].data ||
	    g->values[v].dtype != OPR_DT_FLOAT ||
	    opr_numel(g->values[v].dims, g->values[v].rank, &numel) ||
	    (size_t)numel * sizeof(float) != g->values[v].nbytes)
		return OPR_OK;	/* gone (the surgery removed it) */
	if (!(keep = malloc((size_t)numel + 1)))
		return opr_errf(err, OPR_ENOMEM, "out of memory for the masks");
	mask_keep(g, v, m, numel, keep);
	for (i = 0; i < p->n_masks; i++)
		if (strcmp(p->masks[i].name, g->values[v].name) == 0)
			break;
	if (i < p->n_masks) {
		for (k = 0; k < numel; k++)
			((unsigned char *)p->masks[i].keep)[k] &= keep[k];
		free(keep);
		return OPR_OK;
	}
	e = realloc(p->masks, ((size_t)p->n_masks + 1) * sizeof(*e));
	if (!e) {
		free(keep);
		return opr_errf(err, OPR_ENOMEM, "out of memory for the masks");
	}
	p->masks = e;
	e[p->n_masks].name = g->values[v].name;
	e[p->n_masks++].keep = keep;
	return OPR_OK;
}

int cli_pipe_add_fc(struct cli_pipe *p, struct opr_fc3sigma_result *r,
		    const struct opr_graph *g, struct opr_err *err)
{
	struct opr_fc3sigma_result **fc;
	int i, k, rc = OPR_OK;

	if (r) {
		fc = realloc(p->fc, ((size_t)p->n_fc + 1) * sizeof(*fc));
		if (!fc) {
			opr_fc3sigma_free(r);
			return opr_errf(err, OPR_ENOMEM, "out of memory");
		}
		p->fc = fc;
		p->fc[p->n_fc++] = r;
	}
	free_masks(p);
	for (i = 0; rc == OPR_OK && i < p->n_fc; i++)
		for (k = 0; rc == OPR_OK && k < p->fc[i]->n_masks; k++)
			rc = add_mask(p, g, &p->fc[i]->masks[k], err);
	p->pass_ft.masks = p->masks;
	p->pass_ft.n_masks = p->n_masks;
	return rc;
}

int cli_pipe_finetune(struct cli_pipe *p, struct opr_graph *g,
		      struct opr_err *err)
{
	const struct cli_args *a = p->a;
	struct opr_ft_opts o;
	int rc;

	cli_ft_opts(a, &p->pre, p->threads, p->teacher, &p->ft_hooks, &o);
	o.epochs = a->finetune_epochs;
	o.masks = p->masks;
	o.n_masks = p->n_masks;
	p->ft_hooks.test = p->test;
	p->ft_hooks.eval_batch = a->batch;	/* as cli_pipe_score() */
	if ((rc = opr_finetune(g, p->train, &o, &p->ft, err)))
		return rc;
	p->finetuned = 1;
	printf("fine-tuned %ld steps, %d epoch%s on %d images", p->ft.steps,
	       p->ft.epochs_done, p->ft.epochs_done == 1 ? "" : "s",
	       p->ft.n_train);
	if (p->ft.recal_batches)
		printf(", BN recalibrated on %d batches", p->ft.recal_batches);
	if (p->n_masks)
		printf(", %d fixed mask%s", p->n_masks, p->n_masks == 1 ? "" : "s");
	printf(", %.1f s%s\n", p->ft.seconds,
	       p->ft.interrupted ? " (interrupted)" : "");
	fflush(stdout);
	return OPR_OK;
}
