/*
 * runtime.c - the runtime's life cycle: opr_rt_new (classify, prepare for
 * the largest batch, plan the workspace), opr_rt_run / opr_rt_run_named
 * (re-prepare when the batch changed, bind inputs, run the nodes in order,
 * copy the outputs out), the input/output queries and opr_rt_free.
 *
 * Classification and memory planning live in plan.c, fusion in fuse.c.
 * With OPR_RT_PROFILE set in the environment, every node is timed and
 * opr_rt_free() prints the time per op type (and the slowest nodes) to
 * stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "runtime/runtime.h"
#include "runtime/plan.h"

/* Sets the dims of every runtime input for batch n. */
static int prepare_inputs(struct opr_rt *rt, int n, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	int i, j;

	for (i = 0; i < rt->n_in; i++) {
		const struct opr_value *gv = &g->values[rt->in[i]];
		struct rt_val *v = &rt->vals[rt->in[i]];
		int64_t numel = 1;

		v->dtype = gv->dtype;
		v->rank = gv->rank;
		for (j = 0; j < gv->rank; j++) {
			v->dims[j] = gv->dims[j] >= 0 ? gv->dims[j] : n;
			if (v->dims[j] && numel > INT64_MAX / v->dims[j])
				return opr_errf(err, OPR_ESHAPE,
						"input '%s' is too large", gv->name);
			numel *= v->dims[j];
		}
		v->numel = numel;
		v->nbytes = (size_t)numel * opr_dtype_size(v->dtype);
		v->cap = v->nbytes;
	}
	return OPR_OK;
}

/* Gives a static node's outputs their bytes and computes them. */
static int eval_static(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	int k;

	for (k = 0; k < rn->n->n_out; k++) {
		struct rt_val *v = opr_rt_out(rt, rn, k);

		if (!v || (k == 0 && (rn->op->flags & RT_F_VIEW)))
			continue;
		if (rt->planning) {
			v->own = malloc(v->nbytes ? v->nbytes : 1);
			if (!v->own)
				return opr_rt_errf(rt, rn, err, OPR_ENOMEM,
					       "out of memory (%zu bytes)", v->nbytes);
			v->cap = v->nbytes;
		}
		v->data = v->own;
	}
	if (rt->planning && rn->scratch) {
		size_t need = rn->scratch * (size_t)rt->pool.n;

		if (need > rt->tmp_bytes) {
			free(rt->tmp);
			rt->tmp = malloc(need);
			if (!rt->tmp)
				return opr_rt_errf(rt, rn, err, OPR_ENOMEM,
					       "out of memory (%zu bytes)", need);
			rt->tmp_bytes = need;
		}
		rt->scratch = rt->tmp;
		rt->scratch_stride = rn->scratch;
	}
	return rn->op->fwd ? rn->op->fwd(rt, rn, err) : OPR_OK;
}

int opr_rt_prepare(struct opr_rt *rt, int n, struct opr_err *err)
{
	int i, rc;

	rt->cur_n = 0;
	if ((rc = prepare_inputs(rt, n, err)))
		return rc;
	for (i = 0; i < rt->g->n_nodes; i++) {
		struct rt_node *rn = &rt->nodes[i];

		if (!rn->op)
			continue;
		rn->scratch = 0;
		if ((rc = rn->op->prep(rt, rn, err)))
			return rc;
		if (!rt->planning && rt->ws && rn->scratch > rt->scratch_stride)
			return opr_rt_errf(rt, rn, err, OPR_EINTERNAL, "needs %zu "
				       "bytes of scratch at batch %d, %zu were "
				       "planned", rn->scratch, n, rt->scratch_stride);
		if ((rn->op->flags & RT_F_VIEW) && opr_rt_out(rt, rn, 0))
			opr_rt_out(rt, rn, 0)->data = opr_rt_in(rt, rn, 0)->data;
		if (rn->is_static && (rc = eval_static(rt, rn, err)))
			return rc;
	}
	rt->cur_n = n;
	return OPR_OK;
}

int opr_rt_new(const struct opr_graph *g, int batch, int threads,
	       struct opr_rt **out, struct opr_err *err)
{
	return opr_rt_new_lane(g, batch, threads, NULL, out, err);
}

int opr_rt_new_lane(const struct opr_graph *g, int batch, int threads,
		    const struct opr_rt *parent, struct opr_rt **out,
		    struct opr_err *err)
{
	struct opr_rt *rt;
	int rc;

	if (out)
		*out = NULL;
	if (!g || !out || batch < 1)
		return opr_errf(err, OPR_EUSAGE, "opr_rt_new: no graph, no out "
				"pointer or batch %d < 1", batch);
	threads = opr_rt_threads(threads);
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	rt->g = g;
	rt->parent = parent;
	rt->batch = batch;
	rt->opset = opr_graph_opset(g);
	rt->vals = calloc((size_t)g->n_values + 1, sizeof(*rt->vals));
	rt->nodes = calloc((size_t)g->n_nodes + 1, sizeof(*rt->nodes));
	rt->in = calloc((size_t)g->n_inputs + 1, sizeof(int));
	if (!rt->vals || !rt->nodes || !rt->in) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory");
		goto out_free;
	}
	/* The runtime threads itself: OpenBLAS runs in the calling thread. */
	openblas_set_num_threads(1);
	if ((rc = opr_rt_pool_init(&rt->pool, threads, err)) ||
	    (rc = opr_rt_classify(rt, err)))
		goto out_free;
	opr_rt_par_min();	/* read the environment before any thread */
	if (getenv("OPR_RT_PROFILE"))
		rt->prof = calloc((size_t)g->n_nodes + 1, sizeof(double));
	rt->planning = 1;
	rc = opr_rt_prepare(rt, batch, err);
	if (rc == OPR_OK)
		rc = opr_rt_fuse(rt, err);
	rt->planning = 0;
	free(rt->tmp);
	rt->tmp = NULL;
	rt->tmp_bytes = 0;
	if (rc || (rc = opr_rt_plan_memory(rt, err)) ||
	    (rc = opr_rt_lanes_setup(rt, err)))
		goto out_free;
	/* Fault the workspace in now, not in the first run; with lanes the
	 * big batches never use it, and only the first small one will. */
	if (rt->ws && !rt->lanes)
		memset(rt->ws, 0, rt->ws_bytes);
	*out = rt;
	return OPR_OK;

out_free:
	opr_rt_free(rt);
	return rc;
}

/* Wall time, or with OPR_RT_PROFILE=cpu the calling thread's CPU time. */
static double now_s(void)
{
	static int cpu = -1;
	struct timespec ts;

	if (cpu < 0) {
		const char *e = getenv("OPR_RT_PROFILE");

		cpu = e && strcmp(e, "cpu") == 0;
	}
	clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The OPR_RT_PROFILE summary: ms per run by op type, then the top nodes. */
static void print_profile(const struct opr_rt *rt)
{
	const struct opr_graph *g = rt->g;
	double by_op[OPR_OP_COUNT] = { 0 }, total = 0, best;
	int i, k, top;
	char buf[300];

	if (!rt->prof || !rt->prof_runs)
		return;
	for (i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].op > OPR_OP_UNKNOWN && g->nodes[i].op < OPR_OP_COUNT)
			by_op[rt->nodes[i].op ? rt->nodes[i].n->op : 0] += rt->prof[i];
		total += rt->prof[i];
	}
	fprintf(stderr, "profile: %.3f ms per run over %ld runs\n",
		total * 1e3 / rt->prof_runs, rt->prof_runs);
	for (k = 0; k < OPR_OP_COUNT; k++)
		if (by_op[k] > 0)
			fprintf(stderr, "  %-22s %8.3f ms %5.1f %%\n", opr_ops[k].name ? opr_ops[k].name : "?",
				by_op[k] * 1e3 / rt->prof_runs, 100 * by_op[k] / total);
	for (k = 0; k < 8; k++) {
		for (i = 0, top = -1, best = 0; i < g->n_nodes; i++)
			if (rt->prof[i] > best)
				best = rt->prof[top = i];
		if (top < 0)
			break;
		fprintf(stderr, "  #%d %s: %.3f ms\n", k + 1,
			opr_node_desc(g, rt->nodes[top].idx, buf, sizeof(buf)),
			best * 1e3 / rt->prof_runs);
		rt->prof[top] = -rt->prof[top];
	}
}

void opr_rt_free(struct opr_rt *rt)
{
	int i;

	if (!rt)
		return;
	print_profile(rt);
	free(rt->prof);
	opr_rt_lanes_free(rt);
	opr_rt_pool_free(&rt->pool);
	if (rt->vals)
		for (i = 0; i < rt->g->n_values; i++)
			free(rt->vals[i].own);
	if (rt->nodes)
		for (i = 0; i < rt->g->n_nodes; i++) {
			free(rt->nodes[i].param);
			free(rt->nodes[i].own);
		}
	free(rt->vals);
	free(rt->nodes);
	free(rt->in);
	free(rt->ws);
	free(rt->tmp);
	free(rt);
}

size_t opr_rt_workspace_bytes(const struct opr_rt *rt)
{
	size_t b;
	int t;

	if (!rt)
		return 0;
	b = rt->ws_bytes;
	for (t = 0; rt->lanes && t < rt->n_lanes; t++)
		b += opr_rt_workspace_bytes(rt->lanes[t]);
	return b;
}

int opr_rt_n_inputs(const struct opr_rt *rt)
{
	return rt ? rt->n_in : 0;
}

int opr_rt_n_outputs(const struct opr_rt *rt)
{
	return rt ? rt->g->n_outputs : 0;
}

/* Prepares for n unless already prepared for it. */
static int ensure_n(struct opr_rt *rt, int n, struct opr_err *err)
{
	if (n < 1 || n > rt->batch)
		return opr_errf(err, OPR_EUSAGE, "batch %d outside 1..%d planned",
				n, rt->batch);
	if (n == rt->cur_n)
		return OPR_OK;
	return opr_rt_prepare(rt, n, err);
}

static void fill_info(const struct opr_rt *rt, int v, struct opr_rt_info *info)
{
	const struct rt_val *rv = &rt->vals[v];
	int j;

	memset(info, 0, sizeof(*info));
	info->name = rt->g->values[v].name;
	info->dtype = rv->dtype;
	info->rank = rv->rank;
	for (j = 0; j < rv->rank && j < OPR_RT_MAX_RANK; j++)
		info->dims[j] = rv->dims[j];
	info->nbytes = rv->nbytes;
}

int opr_rt_input_info(struct opr_rt *rt, int i, int n,
		      struct opr_rt_info *info, struct opr_err *err)
{
	int rc;

	if (!rt || !info || i < 0 || i >= rt->n_in)
		return opr_errf(err, OPR_EUSAGE, "no runtime input #%d", i);
	if ((rc = ensure_n(rt, n, err)))
		return rc;
	fill_info(rt, rt->in[i], info);
	return OPR_OK;
}

int opr_rt_output_info(struct opr_rt *rt, int i, int n,
		       struct opr_rt_info *info, struct opr_err *err)
{
	int rc;

	if (!rt || !info || i < 0 || i >= rt->g->n_outputs)
		return opr_errf(err, OPR_EUSAGE, "no graph output #%d", i);
	if ((rc = ensure_n(rt, n, err)))
		return rc;
	fill_info(rt, rt->g->outputs[i], info);
	return OPR_OK;
}

/* Runs every non-static node in order; inputs are bound. */
static int run_nodes(struct opr_rt *rt, struct opr_err *err)
{
	double t0;
	int i, rc;

	for (i = 0; i < rt->g->n_nodes; i++) {
		struct rt_node *rn = &rt->nodes[i];

		if (!rn->op || rn->is_static)
			continue;
		if ((rn->op->flags & RT_F_VIEW) && opr_rt_out(rt, rn, 0))
			opr_rt_out(rt, rn, 0)->data = opr_rt_in(rt, rn, 0)->data;
		t0 = rt->prof ? now_s() : 0;
		if (rn->op->fwd && (rc = rn->op->fwd(rt, rn, err)))
			return rc;
		if (rt->prof)
			rt->prof[i] += now_s() - t0;
	}
	rt->prof_runs++;
	return OPR_OK;
}

static int find_name(const struct opr_rt *rt, const int *ids, int n,
		     const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(rt->g->values[ids[i]].name, name) == 0)
			return ids[i];
	return -1;
}

int opr_rt_run_named(struct opr_rt *rt, int n, int n_in,
		     const char *const *in_names, const void *const *in,
		     int n_out, const char *const *out_names, void *const *out,
		     struct opr_err *err)
{
	int i, v, rc;

	if (!rt || n_in < 0 || n_out < 0 || (n_in && (!in_names || !in)) ||
	    (n_out && (!out_names || !out)))
		return opr_errf(err, OPR_EUSAGE, "opr_rt_run_named: bad arguments");
	if (rt->lanes && n >= 2 * rt->n_lanes && n <= rt->batch &&
	    n_in <= rt->n_in && n_out <= rt->g->n_outputs &&
	    n_in <= LANE_MAX_IO && n_out <= LANE_MAX_IO)
		return opr_rt_lanes_run(rt, n, n_in, in_names, in, n_out,
					out_names, out, err);
	if ((rc = ensure_n(rt, n, err)))
		return rc;
	for (i = 0; i < rt->n_in; i++)
		rt->vals[rt->in[i]].data = NULL;
	for (i = 0; i < n_in; i++) {
		v = find_name(rt, rt->in, rt->n_in, in_names[i]);
		if (v < 0)
			return opr_errf(err, OPR_EUSAGE, "'%s' is no runtime input",
					in_names[i]);
		rt->vals[v].data = (void *)in[i];
	}
	for (i = 0; i < rt->n_in; i++)
		if (!rt->vals[rt->in[i]].data && rt->vals[rt->in[i]].nbytes)
			return opr_errf(err, OPR_EUSAGE, "input '%s' not given",
					rt->g->values[rt->in[i]].name);
	if ((rc = run_nodes(rt, err)))
		return rc;
	for (i = 0; i < n_out; i++) {
		v = find_name(rt, rt->g->outputs, rt->g->n_outputs, out_names[i]);
		if (v < 0)
			return opr_errf(err, OPR_EUSAGE, "'%s' is no graph output",
					out_names[i]);
		if (rt->vals[v].nbytes)
			memcpy(out[i], rt->vals[v].data, rt->vals[v].nbytes);
	}
	return OPR_OK;
}

int opr_rt_run(struct opr_rt *rt, const float *input, int n, float *output,
	       struct opr_err *err)
{
	const char *in_name, *out_name;
	const void *in[1];
	void *out[1];

	if (!rt || rt->n_in != 1 || rt->g->n_outputs != 1)
		return opr_errf(err, OPR_EUSAGE, "opr_rt_run: the model has %d "
				"runtime inputs and %d outputs, not 1 and 1",
				rt ? rt->n_in : 0, rt ? rt->g->n_outputs : 0);
	if (rt->vals[rt->in[0]].dtype != OPR_DT_FLOAT ||
	    rt->vals[rt->g->outputs[0]].dtype != OPR_DT_FLOAT)
		return opr_errf(err, OPR_EUSAGE, "opr_rt_run: input or output "
				"is not float");
	in_name = rt->g->values[rt->in[0]].name;
	out_name = rt->g->values[rt->g->outputs[0]].name;
	in[0] = input;
	out[0] = output;
	return opr_rt_run_named(rt, n, 1, &in_name, in, 1, &out_name, out, err);
}
