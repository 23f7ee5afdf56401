/*
 * fc3sigma_struct.c - the structural step of fc3sigma (fc3sigma.h): which
 * channel classes the zeroed weights made dead, and their removal through
 * the surgery (surgery.h).
 *
 * A class is dead when every consumer reads it with all-zero weights
 * (every IN member's weight slice is zero: the channel is unused), or when
 * every producer of it is a Gemm/MatMul whose weight row for it is all
 * zero (the channel is the constant bias; the surgery folds it into the
 * consumers' biases).  Weight slices come from opr_crit_member_vec(); a
 * member whose slice cannot be read (not float32, an op it does not know)
 * counts as not zero.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/fc3sigma_internal.h"
#include "passes/report.h"
#include "passes/surgery.h"

/* How a class is dead. */
enum { LIVE = 0, UNUSED, CONSTANT };

/* 1 when the weight slice of member m is all zero (see above). */
static int member_zero(const struct opr_graph *g,
		       const struct opr_deps_member *m)
{
	struct opr_crit_vec v;
	struct opr_err e;

	if (opr_crit_member_vec(g, m, &v, &e) != OPR_OK)
		return 0;
	return opr_crit_vec_norm(&v, 1) == 0;
}

/* LIVE, UNUSED or CONSTANT for class c of d. */
static int class_state(const struct opr_graph *g, const struct opr_deps *d,
		       int c)
{
	const struct opr_deps_class *cl = &d->classes[c];
	int i, n_in = 0, in_zero = 1, n_out = 0, out_zero = 1;

	for (i = cl->first; i < cl->first + cl->n; i++) {
		const struct opr_deps_member *m = &d->members[i];
		enum opr_op op = m->node >= 0 ? g->nodes[m->node].op : OPR_OP_UNKNOWN;

		if (m->role == OPR_ROLE_IN) {
			n_in++;
			in_zero = in_zero && member_zero(g, m);
		} else if (m->role == OPR_ROLE_OUT) {
			n_out++;
			out_zero = out_zero && (op == OPR_OP_GEMM ||
				   op == OPR_OP_MATMUL) && member_zero(g, m);
		}
	}
	if (n_in && in_zero)
		return UNUSED;
	return n_out && out_zero ? CONSTANT : LIVE;
}

/* 1 when group gr may lose channels: not frozen, not grouped, not excluded. */
static int group_open(const struct opr_graph *g, const struct opr_deps *d,
		      const struct opr_fc3sigma_opts *o, int gr)
{
	const struct opr_deps_group *p = &d->groups[gr];
	int i;

	if (p->frozen)
		return 0;
	for (i = p->first_reason; i < p->first_reason + p->n_reasons; i++)
		if (d->reasons[i].kind == OPR_WHY_GROUPED)
			return 0;
	for (i = p->first_key; i < p->first_key + p->n_keys; i++)
		if (d->keys[i].node >= 0 &&
		    fc_excluded(o, g->nodes[d->keys[i].node].name))
			return 0;
	return 1;
}

/*
 * Fills remove (one byte per class) with the dead classes of the open
 * groups, keeping the first class of a group that would lose them all,
 * and skip (one byte per group) with the groups left alone.
 */
static void pick(struct fc_run *run, const struct opr_deps *d,
		 unsigned char *remove, unsigned char *skip)
{
	struct opr_fc3sigma_result *r = run->r;
	int gr, c, st, all;

	for (gr = 0; gr < d->n_groups; gr++) {
		const struct opr_deps_group *p = &d->groups[gr];

		if (!group_open(run->g, d, run->o, gr)) {
			skip[gr] = 1;
			continue;
		}
		for (c = p->first_class, all = 1; c < p->first_class + p->n_classes; c++) {
			st = class_state(run->g, d, c);
			remove[c] = (unsigned char)st;	/* non-zero: goes */
			all = all && st != LIVE;
		}
		if (all)
			remove[p->first_class] = LIVE;
		for (c = p->first_class; c < p->first_class + p->n_classes; c++) {
			r->classes_removed += remove[c] != LIVE;
			r->classes_unused += remove[c] == UNUSED;
			r->classes_const += remove[c] == CONSTANT;
		}
	}
}

/* Marks the features of the fc layers that the removed classes take. */
static void record_drops(struct fc_run *run, const struct opr_deps *d,
			 const unsigned char *remove)
{
	int c, i, L;

	for (c = 0; c < d->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		for (i = cl->first; remove[c] && i < cl->first + cl->n; i++) {
			const struct opr_deps_member *m = &d->members[i];

			if (m->role != OPR_ROLE_OUT && m->role != OPR_ROLE_IN)
				continue;
			for (L = 0; L < run->r->n_layers; L++) {
				const struct opr_fc_layer *l = &run->r->layers[L];

				if (run->node[L] != m->node)
					continue;
				if (m->role == OPR_ROLE_OUT && m->index < l->out_before)
					run->drop_out[L][m->index] = 1;
				if (m->role == OPR_ROLE_IN && m->index < l->in_before)
					run->drop_in[L][m->index] = 1;
			}
		}
	}
}

int fc_structural(struct fc_run *run, struct opr_err *err)
{
	struct opr_prune_stats st;
	struct opr_deps *d = NULL;
	unsigned char *remove = NULL, *skip = NULL;
	int rc;

	if ((rc = opr_deps_analyze(run->g, &d, err)))
		return rc;
	remove = calloc((size_t)d->n_classes + 1, 1);
	skip = calloc((size_t)d->n_groups + 1, 1);
	if (!remove || !skip) {
		rc = opr_errf(err, OPR_ENOMEM, "fc3sigma: out of memory");
		goto out;
	}
	pick(run, d, remove, skip);
	record_drops(run, d, remove);
	if (run->o->rep &&
	    (rc = opr_report_groups(run->o->rep, run->g, d, remove, skip, err)))
		goto out;
	if (run->r->classes_removed == 0)
		goto out;
	if ((rc = opr_prune_remove_stats(run->g, d, remove, &st, err)))
		goto out;
	run->r->folded = st.folded;
	run->r->unfolded = st.unfolded;
out:
	free(remove);
	free(skip);
	opr_deps_free(d);
	return rc;
}
