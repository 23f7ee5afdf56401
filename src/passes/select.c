/*
 * select.c - scores to a selection under --ratio or --target-flops, with
 * --round-to, --exclude (o->skip) and the grouped-conv buckets; see
 * select.h for the rules.  The exact MACs come from select_macs.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/select.h"

/* A group's classes in removal order, and how many it may lose. */
struct gorder {
	int n;		/* classes */
	int *cls;	/* the classes, first to go first (into a shared array) */
	int *bucket;	/* bucket of each class of the group, by class - first */
	int nb;		/* buckets: 1 unconstrained, 0 not prunable */
	int bsize;	/* classes per bucket */
	int cur;	/* classes removed now */
	int want;	/* target: classes of the group in the ranking prefix */
	int closed;	/* target walk: the group takes no more */
	int max_r;	/* the most it may lose: n - 1, or floor(R n) with
			   --max-group-ratio R when that is less */
};

/* The state of one opr_select() call. */
struct sel {
	const struct opr_deps *d;
	int round_to;
	struct gorder *go;	/* per group */
	struct opr_macs *m;	/* exact MACs */
	unsigned char *remove;	/* the selection being built */
	struct cand *cand;	/* prunable classes, ranked */
	int n_cand;
	int *buckets;		/* storage of every gorder's bucket[] */
	int *order;		/* storage of every gorder's cls[] */
	int *bcount;		/* scratch: classes taken per bucket */
};

/* A class and its score, for the ranking. */
struct cand {
	double s;
	int c;
};

/* Lowest score first; ties: the higher class (channel) first. */
static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return (a->c < b->c) - (a->c > b->c);
}

/* Conv group size of member mb's role on its node, 0 when unknown. */
static int64_t per_conv_group(const struct opr_graph *g,
			      const struct opr_deps_member *mb, int64_t ngrp)
{
	const struct opr_node *n = &g->nodes[mb->node];
	const struct opr_value *w;

	if (n->op != OPR_OP_CONV || n->n_in < 2 || n->in[1] < 0 || ngrp < 1)
		return 0;
	w = &g->values[n->in[1]];
	if (w->rank < 2)
		return 0;
	return mb->role == OPR_ROLE_OUT ? w->dims[0] / ngrp : w->dims[1];
}

/*
 * Bucket of class c: the conv groups of its channels on every grouped conv
 * of gr's reasons (inputs and outputs), as one mixed-radix number; -1
 * when that cannot be worked out.
 */
static int64_t class_bucket(const struct opr_graph *g, const struct opr_deps *d,
			    const struct opr_deps_group *gr, int c)
{
	const struct opr_deps_class *cl = &d->classes[c];
	int64_t b = 0, per;
	int i, k;

	for (k = 0; k < gr->n_reasons; k++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + k];

		if (r->kind != OPR_WHY_GROUPED)
			continue;
		for (i = 0; i < cl->n; i++) {
			const struct opr_deps_member *mb = &d->members[cl->first + i];

			if (mb->node != r->node || (mb->role != OPR_ROLE_OUT &&
						    mb->role != OPR_ROLE_IN))
				continue;
			per = per_conv_group(g, mb, r->n);
			if (per <= 0 || b > (INT64_C(1) << 40))
				return -1;
			b = b * r->n + mb->index / per;
		}
	}
	return b;
}

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/*
 * Fills go->bucket (n ints at out) and go->nb, go->bsize for group gi:
 * nb = 0 when the buckets differ in size.  Returns -1 on out of memory.
 */
static int make_buckets(const struct opr_graph *g, const struct opr_deps *d,
			int gi, struct gorder *go, int *out)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int64_t *key, *sorted;
	int i, j, nb = 0, size = 0, run = 0;

	go->bucket = out;
	key = malloc(2 * ((size_t)gr->n_classes + 1) * sizeof(int64_t));
	if (!key)
		return -1;
	sorted = key + gr->n_classes + 1;
	for (i = 0; i < gr->n_classes; i++)
		sorted[i] = key[i] = class_bucket(g, d, gr, gr->first_class + i);
	qsort(sorted, (size_t)gr->n_classes, sizeof(int64_t), cmp_i64);
	go->nb = 1;
	for (i = 0; i < gr->n_classes; i++) {
		if (sorted[i] < 0) {
			go->nb = 0;
			break;
		}
		run++;
		if (i + 1 < gr->n_classes && sorted[i + 1] == sorted[i])
			continue;
		if (size && run != size)
			go->nb = 0;
		size = run;
		run = 0;
		nb++;
	}
	if (go->nb) {
		go->nb = nb;
		go->bsize = size;
	}
	for (i = 0; i < gr->n_classes; i++) {	/* bucket numbers 0 .. nb-1 */
		for (j = 0; j < gr->n_classes && sorted[j] != key[i]; j++)
			;
		out[i] = size > 0 ? j / size : 0;
	}
	free(key);
	return 0;
}

/* Largest valid count not above want for go (see select.h). */
static int valid_count(const struct gorder *go, int want, int round_to)
{
	int r;

	if (go->nb < 1 || go->n < 2)
		return 0;
	if (want > go->max_r)
		want = go->max_r;
	for (r = want; r > 0; r--) {
		if (r % go->nb || r / go->nb > go->bsize - 1)
			continue;
		if (round_to > 1 && go->n >= round_to && (go->n - r) % round_to)
			continue;
		return r;
	}
	return 0;
}

int opr_select_count(const struct opr_graph *g, const struct opr_deps *d,
		     int gi, int want, int round_to)
{
	struct gorder go;
	int *b, r;

	if (d->groups[gi].frozen)
		return 0;
	memset(&go, 0, sizeof(go));
	go.n = d->groups[gi].n_classes;
	go.max_r = go.n - 1;
	b = malloc(((size_t)go.n + 1) * sizeof(int));
	if (!b || make_buckets(g, d, gi, &go, b)) {
		free(b);
		return -1;
	}
	r = valid_count(&go, want, round_to);
	free(b);
	return r;
}

/* Marks class c of the selection (and the MAC model) removed or kept. */
static void mark(struct sel *s, int c, int on)
{
	s->remove[c] = (unsigned char)on;
	opr_macs_set(s->m, c, on);
}

/* Removes the first r classes of group gi's order (r / nb per bucket). */
static void set_group(struct sel *s, int gi, int r)
{
	struct gorder *go = &s->go[gi];
	int first = s->d->groups[gi].first_class, i, b;

	if (r == go->cur)
		return;
	if (go->nb == 1) {
		for (i = go->cur; i < r; i++)
			mark(s, go->cls[i], 1);
		for (i = r; i < go->cur; i++)
			mark(s, go->cls[i], 0);
		go->cur = r;
		return;
	}
	memset(s->bcount, 0, (size_t)go->nb * sizeof(int));
	for (i = 0; i < go->n; i++) {
		b = go->bucket[go->cls[i] - first];
		mark(s, go->cls[i], s->bcount[b]++ < r / go->nb);
	}
	go->cur = r;
}

/*
 * mac_aware: each ranked score times mean_cost / cost, cost being the
 * MACs the removal of that class alone saves (select.h); +inf for a
 * class that saves none.  Returns -1 on out of memory.
 */
static int per_mac(struct sel *s)
{
	int64_t base = opr_macs_total(s->m), *cost;
	double mean = 0;
	int i, n = 0;

	cost = malloc(((size_t)s->n_cand + 1) * sizeof(*cost));
	if (!cost)
		return -1;
	for (i = 0; i < s->n_cand; i++) {
		opr_macs_set(s->m, s->cand[i].c, 1);
		cost[i] = base - opr_macs_total(s->m);
		opr_macs_set(s->m, s->cand[i].c, 0);
		if (cost[i] > 0) {
			mean += (double)cost[i];
			n++;
		}
	}
	mean = n ? mean / n : 1;
	for (i = 0; i < s->n_cand; i++)
		s->cand[i].s = cost[i] > 0 ? s->cand[i].s * mean /
			       (double)cost[i] : INFINITY;
	free(cost);
	return 0;
}

/* Frees what build() allocated. */
static void sel_free(struct sel *s)
{
	opr_macs_free(s->m);
	free(s->go);
	free(s->cand);
	free(s->buckets);
	free(s->order);
	free(s->bcount);
}

/*
 * The groups that take part (not frozen, not skipped, buckets of equal
 * size, two classes or more), their classes ranked by score (per MAC
 * with o->mac_aware) into s->cand and each group's removal order.
 * Returns OPR_OK or OPR_ENOMEM.
 */
static int build(struct sel *s, const struct opr_graph *g, const double *score,
		 const struct opr_select_opts *o, struct opr_err *err)
{
	const unsigned char *skip = o->skip;
	double max_ratio = o->max_ratio;
	const struct opr_deps *d = s->d;
	size_t nc = (size_t)d->n_classes + 1;
	int gi, c, i;

	s->go = calloc((size_t)d->n_groups + 1, sizeof(*s->go));
	s->cand = malloc(nc * sizeof(*s->cand));
	s->buckets = malloc(nc * sizeof(int));
	s->order = malloc(nc * sizeof(int));
	s->bcount = malloc(nc * sizeof(int));
	if (!s->go || !s->cand || !s->buckets || !s->order || !s->bcount)
		return opr_errf(err, OPR_ENOMEM, "out of memory selecting channels");
	for (gi = 0; gi < d->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];
		struct gorder *go = &s->go[gi];

		go->n = gr->n_classes;
		go->cls = s->order + gr->first_class;
		go->max_r = go->n - 1;
		if (max_ratio > 0 && max_ratio < 1 &&
		    (int)floor(max_ratio * go->n) < go->max_r)
			go->max_r = (int)floor(max_ratio * go->n);
		if (gr->frozen || (skip && skip[gi]) || go->max_r < 1)
			continue;
		if (make_buckets(g, d, gi, go, s->buckets + gr->first_class))
			return opr_errf(err, OPR_ENOMEM, "out of memory selecting "
					"channels");
		for (c = gr->first_class; go->nb >= 1 &&
		     c < gr->first_class + gr->n_classes; c++) {
			s->cand[s->n_cand].s = score[c];
			s->cand[s->n_cand++].c = c;
		}
	}
	if (o->mac_aware && o->target > 0 && per_mac(s))
		return opr_errf(err, OPR_ENOMEM, "out of memory selecting "
				"channels");
	qsort(s->cand, (size_t)s->n_cand, sizeof(*s->cand), cmp_cand);
	for (i = 0; i < s->n_cand; i++) {	/* each group's order */
		struct gorder *go = &s->go[d->classes[s->cand[i].c].group];

		go->cls[go->cur++] = s->cand[i].c;
	}
	for (gi = 0; gi < d->n_groups; gi++)
		s->go[gi].cur = 0;
	return OPR_OK;
}

/* --ratio: every group loses its share. */
static void by_ratio(struct sel *s, double ratio)
{
	int gi;

	for (gi = 0; gi < s->d->n_groups; gi++) {
		struct gorder *go = &s->go[gi];

		if (go->nb >= 1)
			set_group(s, gi, valid_count(go, (int)floor(ratio * go->n +
						     0.5), s->round_to));
	}
}

/* Removes the first k ranked classes (made valid per group); the MACs. */
static int64_t eval_prefix(struct sel *s, int k)
{
	int gi, i;

	for (gi = 0; gi < s->d->n_groups; gi++)
		s->go[gi].want = 0;
	for (i = 0; i < k; i++)
		s->go[s->d->classes[s->cand[i].c].group].want++;
	for (gi = 0; gi < s->d->n_groups; gi++)
		if (s->go[gi].nb >= 1)
			set_group(s, gi, valid_count(&s->go[gi], s->go[gi].want,
						     s->round_to));
	return opr_macs_total(s->m);
}

/*
 * The walk of select.h from prefix k: takes ranked classes whose removal
 * keeps the MACs >= lo, until they are <= goal.  1 when it got there.
 */
static int walk(struct sel *s, int k, int64_t lo, int64_t goal)
{
	int i, gi, r, old;

	eval_prefix(s, k);
	for (i = k; i < s->n_cand; i++) {
		struct gorder *go;

		gi = s->d->classes[s->cand[i].c].group;
		go = &s->go[gi];
		if (go->closed)
			continue;
		r = valid_count(go, go->want + 1, s->round_to);
		if (r == go->cur) {
			go->want++;
			continue;
		}
		old = go->cur;
		set_group(s, gi, r);
		if (opr_macs_total(s->m) < lo) {
			set_group(s, gi, old);
			go->closed = 1;
			continue;
		}
		go->want++;
		if (opr_macs_total(s->m) <= goal)
			return 1;
	}
	return 0;
}

/* --target-flops: bisection over the ranking, then the walk. */
static int by_target(struct sel *s, const struct opr_select_opts *o,
		     int64_t base, struct opr_select_result *res,
		     struct opr_err *err)
{
	int64_t goal = (int64_t)floor(o->target * (double)base), lo_macs, tight;
	int lo = 0, hi = s->n_cand, mid, pass, gi;

	lo_macs = (int64_t)ceil((o->target - o->tol) * (double)base);
	res->macs_goal = goal;
	if (eval_prefix(s, hi) > goal)
		return opr_errf(err, OPR_EUNSUPPORTED, "--target-flops %g: the "
				"prunable groups allow no less than %.4f of the "
				"MACs", o->target, base > 0 ?
				(double)opr_macs_total(s->m) / (double)base : 1.0);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (eval_prefix(s, mid) <= goal)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* a band a tenth as wide first: closer to the target when it can */
	tight = goal - (goal - lo_macs) / 10;
	if (eval_prefix(s, lo) >= tight || lo == 0) {
		res->within_tol = opr_macs_total(s->m) >= lo_macs;
		return OPR_OK;
	}
	for (pass = 0; pass < 2; pass++) {
		for (gi = 0; gi < s->d->n_groups; gi++)
			s->go[gi].closed = 0;
		if (walk(s, lo - 1, pass ? lo_macs : tight, goal)) {
			res->within_tol = 1;
			return OPR_OK;
		}
	}
	res->within_tol = eval_prefix(s, lo) >= lo_macs;
	return OPR_OK;
}

int opr_select(const struct opr_graph *g, const struct opr_deps *d,
	       const double *score, const struct opr_select_opts *o,
	       unsigned char *remove, struct opr_select_result *res,
	       struct opr_err *err)
{
	struct sel s;
	int64_t base;
	int rc, gi;

	memset(res, 0, sizeof(*res));
	res->macs_goal = -1;
	if (o->target > 1 || (o->target <= 0 && !(o->ratio >= 0 && o->ratio < 1)) ||
	    o->round_to < 0 || !(o->tol >= 0) || !(o->max_ratio >= 0))
		return opr_errf(err, OPR_EUSAGE, "selection options out of range "
				"(ratio %g, target %g, round_to %d)", o->ratio,
				o->target, o->round_to);
	memset(&s, 0, sizeof(s));
	memset(remove, 0, (size_t)d->n_classes);
	s.d = d;
	s.round_to = o->round_to;
	s.remove = remove;
	if ((rc = opr_macs_new(g, d, &s.m, err)) ||
	    (rc = build(&s, g, score, o, err)))
		goto out;
	base = o->base_macs > 0 ? o->base_macs : opr_macs_base(s.m);
	res->macs_before = opr_macs_base(s.m);
	if (o->target > 0)
		rc = by_target(&s, o, base, res, err);
	else
		by_ratio(&s, o->ratio);
	res->macs_after = opr_macs_total(s.m);
	for (gi = 0; gi < d->n_groups; gi++) {
		res->groups_pruned += s.go[gi].cur > 0;
		res->classes_removed += s.go[gi].cur;
	}
out:
	sel_free(&s);
	return rc;
}
