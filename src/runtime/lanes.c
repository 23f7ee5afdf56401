/*
 * lanes.c - threads over the batch.  When every image of a batch runs
 * through the graph independently of the others ("separable"), a run of
 * n >= 2 x threads images is cut into chunks of a few images, and each
 * thread of the pool runs whole chunks through its own single-threaded
 * copy of the plan (a "lane", an opr_rt of its own with a workspace for
 * one chunk).  No op waits for another thread, and a chunk's activations
 * stay in the core's caches from the first layer to the last; a thread
 * the OS takes off the CPU only delays the chunk it holds.
 *
 * Separable: the runtime inputs and graph outputs, and every value the
 * live nodes compute, are batch-major (dim 0 is n at two batch sizes);
 * each live node reads only batch-major values besides constants (whose
 * broadcast then cannot cross images: it would break the dim-0 rule);
 * and the few ops that can keep dim 0 while mixing along it (Softmax,
 * Gather, Transpose on axis 0) do not act on axis 0.
 *
 * OPR_RT_NO_LANES in the environment turns lanes off; OPR_RT_LANE_BATCH
 * sets the images per chunk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/plan.h"

#define LANE_BYTES (1024 * 1024)	/* activations per chunk, about */
#define LANE_MAX_CHUNK 8		/* images per chunk at most */

/* 1 when node rn acts on axis 0 (Softmax, Gather, Transpose). */
static int acts_on_batch(const struct opr_rt *rt, const struct rt_node *rn)
{
	const struct opr_node *n = rn->n;
	const struct rt_val *x = n->n_in > 0 && n->in[0] >= 0 ?
				 &rt->vals[n->in[0]] : NULL;
	const struct opr_attr *a;
	int64_t axis;

	if (!x)
		return 1;
	switch (n->op) {
	case OPR_OP_SOFTMAX:
		axis = opr_node_attr_int(n, "axis", rt->opset >= 13 ? -1 : 1);
		return axis == 0 || axis == -(int64_t)x->rank;
	case OPR_OP_GATHER:
		axis = opr_node_attr_int(n, "axis", 0);
		return axis == 0 || axis == -(int64_t)x->rank;
	case OPR_OP_TRANSPOSE:
		a = opr_node_attr(n, "perm");
		return !a || a->type != OPR_AT_INTS || a->n < 1 || a->ints[0] != 0;
	default:
		return 0;
	}
}

/* Marks in bm the values whose dim 0 is n (the current prepare). */
static void mark_batch_major(const struct opr_rt *rt, int n, unsigned char *bm)
{
	int i;

	for (i = 0; i < rt->g->n_values; i++) {
		const struct rt_val *v = &rt->vals[i];

		if ((v->kind == RT_ACT || v->kind == RT_INPUT) &&
		    (v->rank < 1 || v->dims[0] != n))
			bm[i] = 0;
	}
}

/* 1 when rt's graph is separable (see above); prepares rt at n = 1. */
static int separable(struct opr_rt *rt, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	unsigned char *bm = malloc((size_t)g->n_values + 1);
	int i, k, ok = 1;

	if (!bm)
		return 0;
	memset(bm, 1, (size_t)g->n_values + 1);
	mark_batch_major(rt, rt->batch, bm);
	if (opr_rt_prepare(rt, 1, err)) {
		free(bm);
		return 0;
	}
	mark_batch_major(rt, 1, bm);
	for (i = 0; i < rt->n_in && ok; i++)
		ok = bm[rt->in[i]];
	for (i = 0; i < g->n_outputs && ok; i++)
		ok = rt->vals[g->outputs[i]].kind == RT_ACT && bm[g->outputs[i]];
	for (i = 0; i < g->n_nodes && ok; i++) {
		const struct rt_node *rn = &rt->nodes[i];

		if (!rn->op || rn->is_static)
			continue;
		if (acts_on_batch(rt, rn))
			ok = 0;
		for (k = 0; k < rn->n->n_in && ok; k++) {
			const struct rt_val *v = opr_rt_in(rt, rn, k);
			int id = rn->n->in[k];

			if (v && !opr_rt_is_known(v) && !bm[id])
				ok = 0;
		}
		if (rn->fuse.on && rn->fuse.res >= 0 && !bm[rn->fuse.res])
			ok = 0;
		for (k = 0; k < rn->n->n_out && ok; k++) {
			const struct rt_val *v = opr_rt_out(rt, rn, k);

			if (v && v->kind == RT_ACT && !bm[k == 0 && rn->fuse.on ?
							rn->fuse.out : rn->n->out[k]])
				ok = 0;
		}
	}
	free(bm);
	return ok;
}

int opr_rt_lanes_setup(struct opr_rt *rt, struct opr_err *err)
{
	const char *e = getenv("OPR_RT_LANE_BATCH");
	size_t per_image;
	int nb, t, rc;

	if (rt->pool.n < 2 || rt->batch < 2 * rt->pool.n || getenv("OPR_RT_NO_LANES"))
		return OPR_OK;
	per_image = rt->act_bytes / (size_t)rt->batch;
	if (!separable(rt, err))
		return OPR_OK;	/* not an error: the pool splits each op */
	nb = per_image ? (int)(LANE_BYTES / per_image) : LANE_MAX_CHUNK;
	if (e && atoi(e) > 0)
		nb = atoi(e);
	if (nb > LANE_MAX_CHUNK && !e)
		nb = LANE_MAX_CHUNK;
	if (nb < 1)
		nb = 1;
	if (nb > rt->batch / (2 * rt->pool.n))
		nb = rt->batch / (2 * rt->pool.n);
	rt->lanes = calloc((size_t)rt->pool.n, sizeof(*rt->lanes));
	rt->lane_bpi = calloc((size_t)rt->g->n_values + 1, sizeof(size_t));
	rt->lane_ptrs = calloc((size_t)(rt->n_in + rt->g->n_outputs) *
			       (size_t)rt->pool.n + 1, sizeof(void *));
	if (!rt->lanes || !rt->lane_bpi || !rt->lane_ptrs)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (t = 0; t < rt->g->n_values; t++)	/* prepared at n = 1 */
		rt->lane_bpi[t] = rt->vals[t].nbytes;
	rt->n_lanes = rt->pool.n;
	rt->lane_nb = nb;
	for (t = 0; t < rt->n_lanes; t++)
		if ((rc = opr_rt_new_lane(rt->g, nb, 1, rt, &rt->lanes[t], err)))
			return rc;
	return OPR_OK;
}

void opr_rt_lanes_free(struct opr_rt *rt)
{
	int t;

	if (rt->lanes)
		for (t = 0; t < rt->n_lanes; t++)
			opr_rt_free(rt->lanes[t]);
	free(rt->lanes);
	free(rt->lane_bpi);
	free(rt->lane_ptrs);
	rt->lanes = NULL;
	rt->lane_bpi = NULL;
	rt->lane_ptrs = NULL;
}

/* One lane run: the arguments of opr_rt_run_named, per image bytes. */
struct lane_job {
	struct opr_rt *rt;
	int n;				/* images in all */
	int n_in, n_out;
	const char *const *in_names, *const *out_names;
	const void *const *in;
	void *const *out;
	const size_t *in_b, *out_b;	/* bytes per image of each */
	const void **in_p;		/* per thread: n_in pointers */
	void **out_p;			/* per thread: n_out pointers */
	atomic_int failed;		/* 1 once a chunk failed */
	struct opr_err err;		/* the first failure */
};

static void lane_task(void *arg, int64_t t, int tid)
{
	struct lane_job *j = arg;
	const void **ip = j->in_p + (size_t)tid * (size_t)j->n_in;
	void **op = j->out_p + (size_t)tid * (size_t)j->n_out;
	int64_t first = t * j->rt->lane_nb;
	int m = (int)(j->n - first < j->rt->lane_nb ? j->n - first : j->rt->lane_nb);
	struct opr_err err;
	int i, zero = 0;

	if (atomic_load(&j->failed))
		return;
	for (i = 0; i < j->n_in; i++)
		ip[i] = (const char *)j->in[i] + (size_t)first * j->in_b[i];
	for (i = 0; i < j->n_out; i++)
		op[i] = (char *)j->out[i] + (size_t)first * j->out_b[i];
	if (opr_rt_run_named(j->rt->lanes[tid], m, j->n_in, j->in_names, ip,
			     j->n_out, j->out_names, op, &err) &&
	    atomic_compare_exchange_strong(&j->failed, &zero, 1))
		j->err = err;
}

/* Bytes per image of the value named name among ids[0..n), or 0. */
static size_t image_bytes(const struct opr_rt *rt, const int *ids, int n,
			  const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(rt->g->values[ids[i]].name, name) == 0)
			return rt->lane_bpi[ids[i]];
	return 0;
}

int opr_rt_lanes_run(struct opr_rt *rt, int n, int n_in,
		     const char *const *in_names, const void *const *in,
		     int n_out, const char *const *out_names, void *const *out,
		     struct opr_err *err)
{
	size_t bytes[2 * LANE_MAX_IO];
	struct lane_job j;
	int i;

	for (i = 0; i < n_in; i++)
		bytes[i] = image_bytes(rt, rt->in, rt->n_in, in_names[i]);
	for (i = 0; i < n_out; i++)
		bytes[LANE_MAX_IO + i] = image_bytes(rt, rt->g->outputs,
						     rt->g->n_outputs, out_names[i]);
	memset(&j, 0, sizeof(j));
	j.rt = rt;
	j.n = n;
	j.n_in = n_in;
	j.n_out = n_out;
	j.in_names = in_names;
	j.out_names = out_names;
	j.in = in;
	j.out = out;
	j.in_b = bytes;
	j.out_b = bytes + LANE_MAX_IO;
	j.in_p = (const void **)rt->lane_ptrs;
	j.out_p = rt->lane_ptrs + (size_t)n_in * (size_t)rt->n_lanes;
	atomic_init(&j.failed, 0);
	opr_rt_pool_run(&rt->pool, (n + rt->lane_nb - 1) / rt->lane_nb, lane_task, &j);
	if (atomic_load(&j.failed)) {
		*err = j.err;
		return err->code;
	}
	return OPR_OK;
}
