/*
 * soft_prune.c - the loop the soft-pruning passes share (see
 * soft_prune.h): the training run's hook that re-selects and soft-masks,
 * the final removal through the surgery, and the report entry.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/report.h"
#include "passes/select.h"
#include "passes/soft_prune.h"
#include "passes/surgery.h"
#include "train/finetune.h"

/* The state of one opr_soft_prune() call. */
struct sp {
	struct opr_graph *g;
	const struct opr_pass_opts *o;
	const struct opr_sp_method *m;
	struct opr_deps *d;		/* the analysis of g before training */
	unsigned char *skip;		/* per group: --exclude */
	double *score;			/* per class: the last scores */
	unsigned char *remove;		/* per class: the last selection */
	unsigned char *prev;		/* per class: the one before */
	struct opr_select_result res;	/* what the last selection came to */
	struct opr_sp_masks *mk;
	int rep;			/* index of the report entry, -1: none */
	int n_sel;			/* selections made */
	double freeze_at;		/* o->freeze_at or the method's */
	int soft;			/* o->soft_mask or the method's */
	long freeze_step;		/* the first selection at or after
					   this step is held (hard masks) */
	int frozen;			/* it has been made */
	long frozen_step;		/* at this step */
	long changed, regrown;		/* their sums over the selections */
	struct opr_model_stats before;
	struct timespec t0;
};

/* The report entry, or NULL. */
static struct opr_report_pass *entry(const struct sp *s)
{
	return s->rep >= 0 ? &s->o->report->passes[s->rep] : NULL;
}

/*
 * Scores, selects and masks from run's current weights; records it.  The
 * masks are soft, or hard with BN scale and shift when final.
 */
static int reselect(struct sp *s, struct opr_ft_run *run, int final,
		    struct opr_err *err)
{
	struct opr_report_sel rs;
	int c, rc;

	if ((rc = s->m->score(s->m->ctx, s->g, s->d, s->score, err)) ||
	    (rc = opr_prune_select(s->g, s->d, s->o, s->skip, s->score,
				   s->remove, &s->res, err)) ||
	    (rc = opr_sp_masks_apply(s->mk, run, s->remove, final, err)))
		return rc;
	memset(&rs, 0, sizeof(rs));
	rs.step = opr_ft_steps(run);
	rs.epoch = opr_ft_epochs_done(run);
	rs.removed = s->res.classes_removed;
	rs.macs = s->res.macs_after;
	for (c = 0; s->n_sel > 0 && c < s->d->n_classes; c++) {
		rs.changed += !s->prev[c] != !s->remove[c];
		rs.regrown += s->prev[c] && !s->remove[c];
	}
	rs.held = final;
	memcpy(s->prev, s->remove, (size_t)s->d->n_classes);
	s->n_sel++;
	s->changed += rs.changed;
	s->regrown += rs.regrown;
	if (s->o->verbose)
		fprintf(stderr, "onnx-prune: %s: step %ld: %d channels selected, "
			"%d changed, %d grown back%s\n", s->m->name, rs.step,
			rs.removed, rs.changed, rs.regrown,
			final ? ", held to the end" : "");
	return entry(s) ? opr_report_add_sel(entry(s), &rs, err) : OPR_OK;
}

/* The hook of the training run (finetune.h). */
static int hook(void *ctx, struct opr_ft_run *run, int when,
		struct opr_err *err)
{
	struct sp *s = ctx;
	const struct opr_ft_opts *user = s->o->ft;
	long step = opr_ft_steps(run);
	int rc = OPR_OK;

	if (when == OPR_FT_START) {
		s->freeze_step = s->freeze_at >= 1 ? LONG_MAX : (long)ceil(
			s->freeze_at * (double)user->epochs *
			(double)opr_ft_steps_per_epoch(run));
		if (s->m->gamma_l1 > 0)
			rc = opr_sp_gamma_l1(run, s->g, s->d, s->skip,
					     s->m->gamma_l1, err);
	}
	if (rc == OPR_OK && !s->frozen &&
	    (when == OPR_FT_START ||
	     (when == OPR_FT_STEP && s->m->every > 0 && step % s->m->every == 0) ||
	     (when == OPR_FT_EPOCH && s->m->every <= 0))) {
		s->frozen = step >= s->freeze_step;
		s->frozen_step = step;
		rc = reselect(s, run, s->frozen, err);
		if (rc == OPR_OK && s->frozen)	/* the network changed */
			opr_ft_ema_restart(run);
	}
	if (rc == OPR_OK && when == OPR_FT_END && !s->frozen)
		rc = opr_sp_masks_apply(s->mk, run, s->remove, 1, err);
	if (rc != OPR_OK || !user->hook_fn)
		return rc;
	if (when == OPR_FT_STEP &&
	    !(user->hook_every > 0 && step % user->hook_every == 0))
		return OPR_OK;
	return user->hook_fn(user->hook_fn_ctx, run, when, err);
}

static long gcd(long a, long b)
{
	while (b) {
		long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The analysis, its buffers, the masks and the report entry. */
static int setup(struct sp *s, struct opr_err *err)
{
	struct opr_report_pass *p;
	int rc;

	if ((rc = opr_prune_check_budget(s->o, s->m->name, err)))
		return rc;
	if (!s->o->train || !s->o->ft || s->o->ft->epochs < 1)
		return opr_errf(err, OPR_EUSAGE, "pass '%s' needs training data "
				"and at least one epoch", s->m->name);
	if ((rc = opr_model_stats(s->g, &s->before, err)) ||
	    (rc = opr_deps_analyze(s->g, &s->d, err)) ||
	    (rc = opr_prune_skip_groups(s->g, s->o, s->d, &s->skip, err)))
		return rc;
	s->score = malloc(((size_t)s->d->n_classes + 1) * sizeof(double));
	s->remove = calloc((size_t)s->d->n_classes + 1, 1);
	s->prev = calloc((size_t)s->d->n_classes + 1, 1);
	if (!s->score || !s->remove || !s->prev)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	s->freeze_at = s->o->freeze_at < 0 ? s->m->freeze_at : s->o->freeze_at;
	if (!(s->freeze_at >= 0))	/* NaN */
		return opr_errf(err, OPR_EUSAGE, "%s: --freeze-at must be a "
				"number in [0, 1]", s->m->name);
	s->soft = s->o->soft_mask != OPR_SOFT_DEFAULT ? s->o->soft_mask :
		  s->m->soft;
	if (s->soft != OPR_SOFT_WEIGHTS && s->soft != OPR_SOFT_SCALE)
		return opr_errf(err, OPR_EUSAGE, "%s: soft mask %d: want "
				"weights or scale", s->m->name, s->soft);
	if ((rc = opr_sp_masks_new(s->g, s->d, s->skip, s->soft, &s->mk,
				     err)) ||
	    (rc = opr_prune_report_entry(s->g, s->o, s->m->name, s->d, NULL,
					 s->skip, &s->res, &p, err)))
		return rc;
	s->rep = p ? s->o->report->n_passes - 1 : -1;
	return OPR_OK;
}

/* OPR_OK when a and b analyse the same graph structure. */
static int same_analysis(const struct opr_deps *a, const struct opr_deps *b,
			 struct opr_err *err)
{
	int i;

	if (a->n_classes == b->n_classes && a->n_groups == b->n_groups &&
	    a->n_members == b->n_members &&
	    !memcmp(a->members, b->members,
		    (size_t)a->n_members * sizeof(*a->members))) {
		for (i = 0; i < a->n_groups; i++)
			if (a->groups[i].frozen != b->groups[i].frozen)
				break;
		if (i == a->n_groups)
			return OPR_OK;
	}
	return opr_errf(err, OPR_EINTERNAL, "the channel groups changed while "
			"training");
}

/* The report's numbers of the loop. */
static int report_numbers(struct sp *s, const struct opr_ft_result *fr,
			  struct opr_err *err)
{
	struct opr_report_pass *p = entry(s);
	int rc;

	if (!p)
		return OPR_OK;
	p->macs_goal = s->res.macs_goal;
	p->within_tol = s->res.within_tol;
	if ((rc = opr_report_set(p, "selections", s->n_sel, err)) ||
	    (rc = opr_report_set(p, "changed", (double)s->changed, err)) ||
	    (rc = opr_report_set(p, "regrown", (double)s->regrown, err)) ||
	    (rc = opr_report_set(p, "epochs", fr->epochs_done, err)) ||
	    (rc = opr_report_set(p, "steps", (double)fr->steps, err)) ||
	    (rc = opr_report_set(p, "interrupted", fr->interrupted, err)) ||
	    (rc = opr_report_set(p, "prune_every", (double)s->m->every, err)) ||
	    (rc = opr_report_set(p, "gamma_l1", s->m->gamma_l1, err)) ||
	    (rc = opr_report_set(p, "freeze_at", s->freeze_at, err)) ||
	    (rc = opr_report_set(p, "soft_mask_scale",
				 s->soft == OPR_SOFT_SCALE, err)) ||
	    (rc = opr_report_set(p, "frozen_at_step", s->frozen ?
				 (double)s->frozen_step : -1.0, err)))
		return rc;
	return s->m->param_key ?
	       opr_report_set(p, s->m->param_key, s->m->param, err) : OPR_OK;
}

/* After training: the last selection removed from g, and the report. */
static int finish(struct sp *s, const struct opr_ft_result *fr,
		  struct opr_err *err)
{
	struct opr_deps *d2 = NULL;
	int rc;

	if ((rc = opr_deps_analyze(s->g, &d2, err)) ||
	    (rc = same_analysis(s->d, d2, err)) ||
	    (rc = report_numbers(s, fr, err)) ||
	    (entry(s) && (rc = opr_report_groups(entry(s), s->g, d2, s->remove,
						 s->skip, err))))
		goto out;
	if (s->res.classes_removed > 0 &&
	    (rc = opr_prune_remove(s->g, d2, s->remove, err)))
		goto out;
	rc = opr_prune_finish(s->g, s->o, s->m->name, &s->before, &s->res,
			      entry(s), &s->t0, err);
out:
	opr_deps_free(d2);
	return rc;
}

int opr_soft_prune(struct opr_graph *g, const struct opr_pass_opts *o,
		   const struct opr_sp_method *m, struct opr_err *err)
{
	struct opr_ft_result fr;
	struct opr_ft_opts ft;
	struct sp s;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&fr, 0, sizeof(fr));
	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	s.g = g;
	s.o = o;
	s.m = m;
	s.rep = -1;
	s.res.macs_goal = -1;	/* until the first selection */
	if ((rc = setup(&s, err)))
		goto out;
	ft = *o->ft;
	ft.hook_fn = hook;
	ft.hook_fn_ctx = &s;
	ft.hook_every = m->every > 0 && o->ft->hook_every > 0 ?
			gcd(m->every, o->ft->hook_every) :
			m->every > 0 ? m->every : o->ft->hook_every;
	if ((rc = opr_finetune(g, o->train, &ft, &fr, err)))
		goto out;
	rc = finish(&s, &fr, err);
out:
	opr_sp_masks_free(s.mk);
	opr_deps_free(s.d);
	free(s.skip);
	free(s.score);
	free(s.remove);
	free(s.prev);
	opr_stats_free(&s.before);
	return rc;
}
