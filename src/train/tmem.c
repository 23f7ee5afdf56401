/*
 * tmem.c - the training engine's memory plan.  Every activation (and the
 * copy of the input), every gradient that is not a trainable tensor's and
 * every block a node saves from forward to backward is a slot with a
 * lifetime in steps (see tr_internal.h); slots whose lifetimes overlap
 * get disjoint bytes, the others may share them.  Greedy packing, largest
 * first, each at the lowest offset that fits between the slots it
 * overlaps.  A view's bytes are its root's, so the root lives as long as
 * any view of it; a view input that shares its output's gradient buffer
 * (galias) does the same for gradients.
 *
 * After the slots come the per-thread scratch, the per-task accumulators
 * and the shared scratch.  The whole workspace is allocated once and
 * touched (zeroed) here, so no step faults a page in.
 */
#include <stdlib.h>
#include <string.h>

#include "train/tr_internal.h"

/* One slot to place. */
struct slot {
	size_t size;		/* floats, a multiple of TR_ALIGN */
	int t0, t1;		/* lifetime, inclusive */
	size_t *off;		/* where the offset goes */
	size_t at;		/* placed offset */
};

static size_t round_up(size_t n)
{
	return (n + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
}

static int cmp_size(const void *a, const void *b)
{
	const struct slot *x = *(struct slot *const *)a, *y = *(struct slot *const *)b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->t0 - y->t0;
}

static int cmp_at(const void *a, const void *b)
{
	const struct slot *x = *(struct slot *const *)a, *y = *(struct slot *const *)b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* Places the slots; returns the floats they span, or (size_t)-1. */
static size_t pack(struct slot *s, int n)
{
	struct slot **order = malloc((size_t)(n + 1) * sizeof(*order));
	struct slot **live = malloc((size_t)(n + 1) * sizeof(*live));
	size_t top = 0;
	int i, j, nl;

	if (!order || !live) {
		free(order);
		free(live);
		return (size_t)-1;
	}
	for (i = 0; i < n; i++)
		order[i] = &s[i];
	qsort(order, (size_t)n, sizeof(*order), cmp_size);
	for (i = 0; i < n; i++) {
		struct slot *a = order[i];
		size_t at = 0;

		for (j = nl = 0; j < i; j++)
			if (order[j]->t0 <= a->t1 && a->t0 <= order[j]->t1)
				live[nl++] = order[j];
		qsort(live, (size_t)nl, sizeof(*live), cmp_at);
		for (j = 0; j < nl; j++) {
			if (live[j]->at >= at + a->size)
				break;
			if (live[j]->at + live[j]->size > at)
				at = live[j]->at + live[j]->size;
		}
		a->at = at;
		if (at + a->size > top)
			top = at + a->size;
	}
	free(order);
	free(live);
	return top;
}

/* Root of v's bytes. */
static int droot(const struct opr_train *t, int v)
{
	return t->vals[v].alias >= 0 ? t->vals[v].alias : v;
}

/* Root of v's gradient buffer. */
static int groot(const struct opr_train *t, int v)
{
	while (t->vals[v].galias >= 0)
		v = t->vals[v].galias;
	return v;
}

static void widen(int *t0, int *t1, int a)
{
	if (*t0 < 0 || a < *t0)
		*t0 = a;
	if (a > *t1)
		*t1 = a;
}

/* Lifetimes of every value's bytes and gradient, merged into the roots. */
static void lifetimes(struct opr_train *t)
{
	const struct opr_graph *g = t->g;
	int N = g->n_nodes, end = 2 * N + 2, i, k;

	for (i = 0; i < g->n_values; i++) {
		t->vals[i].d0 = t->vals[i].g0 = -1;
		t->vals[i].d1 = t->vals[i].g1 = -1;
	}
	widen(&t->vals[t->in].d0, &t->vals[t->in].d1, 0);
	widen(&t->vals[droot(t, t->out)].d0, &t->vals[droot(t, t->out)].d1, end);
	if (t->vals[t->out].need_grad) {
		struct tr_val *r = &t->vals[groot(t, t->out)];

		widen(&r->g0, &r->g1, N + 1);
	}
	if (t->vals[t->in].need_grad) {
		struct tr_val *r = &t->vals[groot(t, t->in)];

		widen(&r->g0, &r->g1, 0);
		widen(&r->g0, &r->g1, end);
	}
	for (i = 0; i < N; i++) {
		const struct tr_node *tn = &t->nodes[i];
		const struct opr_node *n = tn->n;
		int f = 1 + i, b = 2 * N + 1 - i;

		if (!tn->op)
			continue;
		for (k = 0; k < n->n_in; k++) {
			struct tr_val *r;
			int v = n->in[k];

			if (v < 0)
				continue;
			r = &t->vals[droot(t, v)];
			if (!t->vals[v].nodata)
				widen(&r->d0, &r->d1, f);
			if (tn->bwd && ((k == 0 && (tn->op->flags & TR_F_KEEP_IN0)) ||
					(k == 1 && (tn->op->flags & TR_F_KEEP_IN1))))
				widen(&r->d0, &r->d1, b);
			if (tn->bwd && t->vals[v].need_grad) {
				r = &t->vals[groot(t, v)];
				widen(&r->g0, &r->g1, b);
			}
		}
		for (k = 0; k < n->n_out; k++) {
			struct tr_val *r;
			int v = n->out[k];

			if (v < 0)
				continue;
			r = &t->vals[droot(t, v)];
			if (!t->vals[v].nodata)
				widen(&r->d0, &r->d1, f);
			if (k == 0 && tn->act >= 0)	/* written here */
				widen(&t->vals[droot(t, t->g->nodes[tn->act].out[0])].d0,
				      &t->vals[droot(t, t->g->nodes[tn->act].out[0])].d1, f);
			if (k == 0 && tn->bwd && (tn->op->flags & TR_F_KEEP_OUT))
				widen(&r->d0, &r->d1, b);
			if (tn->bwd && t->vals[v].need_grad) {
				r = &t->vals[groot(t, v)];
				widen(&r->g0, &r->g1, b);
			}
		}
	}
}

/* Fills s with the slots; returns how many. */
static int collect(struct opr_train *t, struct slot *s)
{
	const struct opr_graph *g = t->g;
	int N = g->n_nodes, i, n = 0;

	for (i = 0; i < g->n_values; i++) {
		struct tr_val *v = &t->vals[i];
		int ws = v->kind == TV_ACT || v->kind == TV_INPUT;

		if (ws && v->alias < 0 && v->d0 >= 0) {
			s[n].size = round_up((size_t)v->cap + 1);
			s[n].t0 = v->d0;
			s[n].t1 = v->d1;
			s[n++].off = &v->doff;
		}
		if (ws && v->need_grad && v->galias < 0 && v->g0 >= 0) {
			s[n].size = round_up((size_t)v->cap + 1);
			s[n].t0 = v->g0;
			s[n].t1 = v->g1;
			s[n++].off = &v->goff;
		}
	}
	for (i = 0; i < N; i++) {
		struct tr_node *tn = &t->nodes[i];

		if (!tn->op || !tn->save_cap)
			continue;
		s[n].size = round_up(tn->save_cap);
		s[n].t0 = 1 + i;
		s[n].t1 = tn->bwd ? 2 * N + 1 - i : 1 + i;
		s[n++].off = &tn->soff;
	}
	return n;
}

/* Points every value, gradient and saved block at its slot. */
static void bind(struct opr_train *t)
{
	const struct opr_graph *g = t->g;
	int i;

	for (i = 0; i < g->n_values; i++) {
		struct tr_val *v = &t->vals[i];

		if ((v->kind == TV_ACT || v->kind == TV_INPUT) && v->alias < 0 &&
		    v->d0 >= 0)
			v->data = t->ws + v->doff;
		if ((v->kind == TV_ACT || v->kind == TV_INPUT) && v->need_grad &&
		    v->galias < 0 && v->g0 >= 0)
			v->grad = t->ws + v->goff;
	}
	for (i = 0; i < g->n_values; i++) {
		struct tr_val *v = &t->vals[i];

		if (v->alias >= 0)
			v->data = t->vals[v->alias].data;
		if (v->need_grad && v->galias >= 0)
			v->grad = t->vals[groot(t, i)].grad;
	}
	for (i = 0; i < g->n_nodes; i++)
		if (t->nodes[i].op && t->nodes[i].save_cap)
			t->nodes[i].saved = t->ws + t->nodes[i].soff;
}

int tr_plan_memory(struct opr_train *t, struct opr_err *err)
{
	const struct opr_graph *g = t->g;
	struct slot *s;
	size_t top, scr = 0, acc = 0, sh = 0;
	void *ws = NULL;
	int i, n;

	lifetimes(t);
	s = calloc((size_t)(2 * g->n_values + g->n_nodes + 1), sizeof(*s));
	if (!s)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	n = collect(t, s);
	top = pack(s, n);
	if (top == (size_t)-1) {
		free(s);
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		*s[i].off = s[i].at;
	free(s);
	for (i = 0; i < g->n_nodes; i++) {
		const struct tr_node *tn = &t->nodes[i];

		if (!tn->op)
			continue;
		scr = tn->scratch > scr ? tn->scratch : scr;
		acc = tn->accum > acc ? tn->accum : acc;
		sh = tn->shared > sh ? tn->shared : sh;
	}
	t->act_floats = top;
	t->scratch_stride = round_up(scr);
	t->accum_stride = round_up(acc);
	t->shared_floats = round_up(sh);
	t->ws_floats = top + t->scratch_stride * (size_t)t->pool.n +
		       t->accum_stride * (size_t)t->ntask + t->shared_floats +
		       TR_ALIGN;
	if (posix_memalign(&ws, 64, t->ws_floats * sizeof(float)))
		return opr_errf(err, OPR_ENOMEM, "out of memory (training "
				"workspace of %zu MiB)",
				t->ws_floats * sizeof(float) >> 20);
	t->ws = ws;
	memset(t->ws, 0, t->ws_floats * sizeof(float));
	t->scratch = t->ws + top;
	t->accum = t->scratch + t->scratch_stride * (size_t)t->pool.n;
	t->shared = t->accum + t->accum_stride * (size_t)t->ntask;
	bind(t);
	return OPR_OK;
}
