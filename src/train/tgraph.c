/*
 * tgraph.c - building a training plan from an opr_graph: the nodes on the
 * path from input 0 to output 0, what each value is (input, activation,
 * trainable initializer, BatchNormalization state, constant), the table
 * of trainable and state tensors, every shape for the largest batch, which
 * values need a gradient and which backward writes or adds to each one,
 * which views share their input's gradient buffer, which
 * BatchNormalizations write their activation's output; then the memory
 * plan (tmem.c).  Also the engine's accessors and opr_train_free().
 */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "train/tr_internal.h"

int tr_tensor_kind(const struct opr_node *n, int k)
{
	switch (n->op) {
	case OPR_OP_CONV:
		return k == 1 ? OPR_TK_CONV_W : k == 2 ? OPR_TK_CONV_B : -1;
	case OPR_OP_GEMM:
		return k <= 1 ? OPR_TK_GEMM_W : k == 2 ? OPR_TK_GEMM_B : -1;
	case OPR_OP_MATMUL:
		return k <= 1 ? OPR_TK_GEMM_W : -1;
	case OPR_OP_BATCHNORM:
		return k == 1 ? OPR_TK_BN_SCALE : k == 2 ? OPR_TK_BN_BIAS :
		       k == 3 ? OPR_TK_BN_MEAN : k == 4 ? OPR_TK_BN_VAR : -1;
	default:
		return -1;
	}
}

static int kind_trainable(int kind)
{
	return kind >= 0 && kind != OPR_TK_BN_MEAN && kind != OPR_TK_BN_VAR;
}

/*
 * Marks the nodes output 0 depends on (values' producers, backwards) in
 * need_node, using need (one per value) as scratch.
 */
static void mark_needed(struct opr_train *t, char *need, char *need_node)
{
	const struct opr_graph *g = t->g;
	int i, k;

	for (i = 0; i < g->n_values; i++)
		need[i] = 0;
	need[t->out] = 1;
	for (i = g->n_nodes - 1; i >= 0; i--) {
		const struct opr_node *n = &g->nodes[i];
		int used = 0;

		if (n->dead)
			continue;
		for (k = 0; k < n->n_out; k++)
			used |= n->out[k] >= 0 && need[n->out[k]];
		if (!used)
			continue;
		need_node[i] = 1;
		for (k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0)
				need[n->in[k]] = 1;
	}
}

/* Finds input 0 (the one graph input without an initializer) and output 0. */
static int find_io(struct opr_train *t, struct opr_err *err)
{
	const struct opr_graph *g = t->g;
	int i;

	t->in = -1;
	for (i = 0; i < g->n_inputs; i++) {
		int v = g->inputs[i];

		if (g->values[v].is_initializer)
			continue;
		if (t->in >= 0)
			return opr_errf(err, OPR_EUNSUPPORTED, "%s: training "
					"handles one graph input, found '%s' and "
					"'%s'", g->path ? g->path : "graph",
					g->values[t->in].name, g->values[v].name);
		t->in = v;
	}
	if (t->in < 0 || g->n_outputs < 1)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: training needs a "
				"graph input and an output",
				g->path ? g->path : "graph");
	t->out = g->outputs[0];
	if (g->values[t->in].dtype != OPR_DT_FLOAT ||
	    g->values[t->in].rank < 1)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: input '%s' must be a "
				"float tensor", g->path ? g->path : "graph",
				g->values[t->in].name);
	return OPR_OK;
}

/* Classifies value v read by input k of node i. */
static int classify_in(struct opr_train *t, int i, int k, struct opr_err *err)
{
	const struct opr_graph *g = t->g;
	const struct opr_node *n = &g->nodes[i];
	const struct opr_value *gv = &g->values[n->in[k]];
	struct tr_val *v = &t->vals[n->in[k]];
	int kind = tr_tensor_kind(n, k), want;

	if (n->in[k] == t->in) {
		v->kind = TV_INPUT;
		return OPR_OK;
	}
	if (!gv->is_initializer) {
		if (gv->producer < 0)
			return tr_errf(t, &t->nodes[i], err, OPR_EUNSUPPORTED,
				       "input '%s' is neither computed nor a "
				       "constant", gv->name);
		v->kind = TV_ACT;
		return OPR_OK;
	}
	want = kind < 0 ? TV_CONST : kind_trainable(kind) ? TV_PARAM : TV_STATE;
	if ((want == TV_PARAM || want == TV_STATE) && gv->dtype != OPR_DT_FLOAT)
		return tr_errf(t, &t->nodes[i], err, OPR_EUNSUPPORTED, "input %d "
			       "('%s') is %s, training needs float", k, gv->name,
			       opr_dtype_name(gv->dtype));
	if (v->kind == TV_UNUSED || (want == TV_PARAM && v->kind != TV_PARAM) ||
	    (want == TV_STATE && v->kind == TV_CONST)) {
		v->kind = want;
		v->tkind = kind;
	}
	v->dtype = gv->dtype;
	v->rank = gv->rank;
	memcpy(v->dims, gv->dims, sizeof(v->dims));
	if (opr_numel(gv->dims, gv->rank, &v->numel))
		return tr_errf(t, &t->nodes[i], err, OPR_ESHAPE, "initializer "
			       "'%s' has no static shape", gv->name);
	v->cap = v->numel;
	v->cdata = gv->data;
	v->data = gv->dtype == OPR_DT_FLOAT ? gv->data : NULL;
	if (v->numel && !gv->data)
		return tr_errf(t, &t->nodes[i], err, OPR_EUNSUPPORTED,
			       "initializer '%s' has no data", gv->name);
	return OPR_OK;
}

/* Values and ops of the needed nodes. */
static int classify(struct opr_train *t, const char *need_node,
		    struct opr_err *err)
{
	const struct opr_graph *g = t->g;
	int i, k, rc;

	for (i = 0; i < g->n_values; i++) {
		t->vals[i].alias = t->vals[i].galias = -1;
		t->vals[i].tensor = t->vals[i].tkind = -1;
		t->vals[i].d0 = t->vals[i].g0 = -1;
	}
	for (i = 0; i < g->n_nodes; i++) {
		struct tr_node *tn = &t->nodes[i];
		const struct opr_node *n = &g->nodes[i];

		tn->idx = i;
		tn->n = n;
		if (!need_node[i])
			continue;
		tn->op = tr_op_for(n->op);
		if (!tn->op)
			return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "no training "
				       "implementation of %s", n->op_type);
		tn->p = calloc(1, tn->op->param_size ? tn->op->param_size : 1);
		tn->acc = calloc((size_t)n->n_in + 1, 1);
		if (!tn->p || !tn->acc)
			return opr_errf(err, OPR_ENOMEM, "out of memory");
		for (k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0 && (rc = classify_in(t, i, k, err)))
				return rc;
		for (k = 0; k < n->n_out; k++)
			if (n->out[k] >= 0) {
				t->vals[n->out[k]].kind = TV_ACT;
				t->vals[n->out[k]].dtype = OPR_DT_FLOAT;
			}
		if ((tn->op->flags & TR_F_VIEW) && n->n_out && n->out[0] >= 0 &&
		    n->n_in && n->in[0] >= 0) {
			int r = n->in[0];

			while (t->vals[r].alias >= 0)
				r = t->vals[r].alias;
			t->vals[n->out[0]].alias = r;
		}
	}
	t->vals[t->in].kind = TV_INPUT;
	t->vals[t->in].dtype = OPR_DT_FLOAT;
	return OPR_OK;
}

/* The table of trainable and state tensors, in initializer order. */
static int make_tensors(struct opr_train *t, struct opr_err *err)
{
	const struct opr_graph *g = t->g;
	size_t off = 0;
	int i, k, n = 0;

	t->tensors = calloc((size_t)g->n_inits + 1, sizeof(*t->tensors));
	if (!t->tensors)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (i = 0; i < g->n_inits; i++) {
		int v = g->inits[i];
		struct tr_val *tv = &t->vals[v];
		struct opr_train_tensor *ts = &t->tensors[n];

		if (tv->kind != TV_PARAM && tv->kind != TV_STATE)
			continue;
		ts->kind = tv->tkind;
		ts->name = g->values[v].name;
		ts->value = v;
		ts->node = -1;
		for (k = 0; k < g->n_nodes && ts->node < 0; k++) {
			int j;

			if (!t->nodes[k].op)
				continue;
			for (j = 0; j < g->nodes[k].n_in; j++)
				if (g->nodes[k].in[j] == v)
					ts->node = k;
		}
		ts->trainable = tv->kind == TV_PARAM;
		ts->rank = g->values[v].rank;
		ts->dims = g->values[v].dims;
		ts->numel = tv->numel;
		ts->data = tv->data;
		tv->tensor = n++;
		if (ts->trainable)
			off += ((size_t)ts->numel + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
	}
	t->n_tensors = n;
	t->gbuf = malloc((off + 1) * sizeof(float));
	if (!t->gbuf)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	memset(t->gbuf, 0, (off + 1) * sizeof(float));	/* touched now */
	for (i = 0, off = 0; i < n; i++) {
		struct opr_train_tensor *ts = &t->tensors[i];

		if (!ts->trainable)
			continue;
		ts->grad = t->gbuf + off;
		t->vals[ts->value].grad = ts->grad;
		off += ((size_t)ts->numel + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
	}
	return OPR_OK;
}

/* Node i has an output whose gradient is computed. */
static int out_needs(const struct opr_train *t, const struct opr_node *n)
{
	int k;

	for (k = 0; k < n->n_out; k++)
		if (n->out[k] >= 0 && t->vals[n->out[k]].need_grad)
			return 1;
	return 0;
}

static void plan_writers(struct opr_train *t, int *writers);

/*
 * need_grad: a float value that depends on a trainable tensor (or the
 * input, with OPR_TRAIN_INPUT_GRAD) and that output 0 depends on; then
 * plan_writers().
 */
static void plan_grads(struct opr_train *t, char *reach, int *writers)
{
	const struct opr_graph *g = t->g;
	int i, k;

	if (t->flags & OPR_TRAIN_NO_GRAD)
		return;
	for (i = 0; i < g->n_values; i++) {
		t->vals[i].need_grad = t->vals[i].kind == TV_PARAM;
		reach[i] = 0;
		writers[i] = 0;
	}
	t->vals[t->in].need_grad = (t->flags & OPR_TRAIN_INPUT_GRAD) != 0;
	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];
		int req = 0;

		if (!t->nodes[i].op)
			continue;
		for (k = 0; k < n->n_in; k++)
			req |= n->in[k] >= 0 && t->vals[n->in[k]].need_grad;
		for (k = 0; k < n->n_out; k++)
			if (n->out[k] >= 0)
				t->vals[n->out[k]].need_grad = req;
	}
	reach[t->out] = 1;
	for (i = g->n_nodes - 1; i >= 0; i--) {
		const struct opr_node *n = &g->nodes[i];
		int r = 0;

		if (!t->nodes[i].op)
			continue;
		for (k = 0; k < n->n_out; k++)
			r |= n->out[k] >= 0 && reach[n->out[k]];
		for (k = 0; k < n->n_in && r; k++)
			if (n->in[k] >= 0)
				reach[n->in[k]] = 1;
	}
	for (i = 0; i < g->n_values; i++)
		t->vals[i].need_grad = t->vals[i].need_grad && reach[i] &&
				       t->vals[i].dtype == OPR_DT_FLOAT;
	plan_writers(t, writers);
}

/*
 * Which nodes run backward and which of their inputs' gradients they
 * write (the first, in backward order) or add to; which view inputs share
 * their output's gradient buffer (a view that is their only writer).
 */
static void plan_writers(struct opr_train *t, int *writers)
{
	const struct opr_graph *g = t->g;
	int i, k;

	if (t->vals[t->out].need_grad)
		writers[t->out] = 1;	/* the seed */
	for (i = g->n_nodes - 1; i >= 0; i--) {
		struct tr_node *tn = &t->nodes[i];
		const struct opr_node *n = tn->n;
		int any = 0;

		if (!tn->op || !out_needs(t, n))
			continue;
		for (k = 0; k < n->n_in; k++) {
			int v = n->in[k];

			if (v < 0 || !t->vals[v].need_grad)
				continue;
			tn->acc[k] = writers[v] > 0;
			writers[v]++;
			any = 1;
		}
		tn->bwd = any;
	}
	for (i = 0; i < g->n_nodes; i++) {
		struct tr_node *tn = &t->nodes[i];
		int x, y;

		if (!tn->bwd || !(tn->op->flags & TR_F_VIEW))
			continue;
		x = tn->n->in[0];
		y = tn->n->out[0];
		if (t->vals[x].need_grad && writers[x] == 1 && x != t->out &&
		    t->vals[x].kind != TV_PARAM && t->vals[y].need_grad)
			t->vals[x].galias = y;
	}
}

/*
 * Fuses each BatchNormalization with the Relu or Clip that alone reads its
 * output (not a graph output) into one forward pass; see tr_internal.h.
 */
static void fuse_bn_act(struct opr_train *t)
{
	const struct opr_graph *g = t->g;
	int i, k, j;

	for (i = 0; i < g->n_nodes; i++)
		t->nodes[i].act = -1;
	if (getenv("OPR_TRAIN_NO_FUSE"))
		return;
	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];
		int z, reader = -1, cnt = 0;

		if (!t->nodes[i].op || n->op != OPR_OP_BATCHNORM || n->out[0] < 0)
			continue;
		z = n->out[0];
		for (j = 0; j < g->n_nodes; j++)
			for (k = 0; k < g->nodes[j].n_in; k++)
				if (g->nodes[j].in[k] == z && !g->nodes[j].dead) {
					reader = j;
					cnt++;
				}
		if (cnt != 1 || opr_value_is_graph_output(g, z) || !t->nodes[reader].op ||
		    (g->nodes[reader].op != OPR_OP_RELU &&
		     g->nodes[reader].op != OPR_OP_CLIP) ||
		    g->nodes[reader].out[0] < 0)
			continue;
		t->nodes[i].act = reader;
		t->nodes[reader].fused = 1;
		t->vals[z].nodata = 1;
	}
}

int tr_setup(struct opr_train *t, int n, struct opr_err *err)
{
	const struct opr_value *gi = &t->g->values[t->in];
	struct tr_val *in = &t->vals[t->in];
	int i, rc;

	t->cur_n = 0;
	in->rank = gi->rank;
	in->numel = 1;
	for (i = 0; i < gi->rank; i++) {
		in->dims[i] = gi->dims[i] >= 0 ? gi->dims[i] : n;
		in->numel *= in->dims[i];
	}
	if (t->planning)
		in->cap = in->numel;
	for (i = 0; i < t->g->n_nodes; i++) {
		struct tr_node *tn = &t->nodes[i];

		if (!tn->op)
			continue;
		tn->scratch = tn->accum = tn->shared = tn->save = 0;
		if ((rc = tn->op->setup(t, tn, err)))
			return rc;
		if (t->planning) {
			tn->save_cap = tn->save;
			continue;
		}
		if (tn->scratch > t->scratch_stride || tn->accum > t->accum_stride ||
		    tn->shared > t->shared_floats || tn->save > tn->save_cap)
			return tr_errf(t, tn, err, OPR_EINTERNAL, "needs more "
				       "scratch at batch %d than was planned", n);
	}
	t->cur_n = n;
	return OPR_OK;
}

int opr_train_new(struct opr_graph *g, int batch, int threads, unsigned flags,
		  struct opr_train **out, struct opr_err *err)
{
	struct opr_train *t;
	char *need = NULL, *need_node = NULL;
	int *writers = NULL, rc;

	if (out)
		*out = NULL;
	if (!g || !out || batch < 1)
		return opr_errf(err, OPR_EUSAGE, "opr_train_new: no graph, no out "
				"pointer or batch %d < 1", batch);
	threads = opr_rt_threads(threads);
	t = calloc(1, sizeof(*t));
	if (!t)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	t->g = g;
	t->flags = flags;
	t->batch = batch;
	t->ntask = threads == 1 ? 1 : 4 * threads < TR_MAX_TASKS ?
		   4 * threads : TR_MAX_TASKS;
	t->vals = calloc((size_t)g->n_values + 1, sizeof(*t->vals));
	t->nodes = calloc((size_t)g->n_nodes + 1, sizeof(*t->nodes));
	need = calloc((size_t)g->n_values + 1, 1);
	need_node = calloc((size_t)g->n_nodes + 1, 1);
	writers = calloc((size_t)g->n_values + 1, sizeof(int));
	if (!t->vals || !t->nodes || !need || !need_node || !writers) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory");
		goto out_free;
	}
	/* The engine threads itself: OpenBLAS runs in the calling thread. */
	openblas_set_num_threads(1);
	if ((rc = opr_rt_pool_init(&t->pool, threads, err)) ||
	    (rc = find_io(t, err)))
		goto out_free;
	mark_needed(t, need, need_node);
	if ((rc = classify(t, need_node, err)) || (rc = make_tensors(t, err)))
		goto out_free;
	t->planning = 1;
	rc = tr_setup(t, batch, err);
	t->planning = 0;
	if (rc)
		goto out_free;
	plan_grads(t, need, writers);
	fuse_bn_act(t);
	if ((rc = tr_plan_memory(t, err)))
		goto out_free;
	if (getenv("OPR_TRAIN_PROFILE"))
		t->prof = calloc(2 * (size_t)g->n_nodes + 1, sizeof(double));
	t->cur_n = batch;
	free(need);
	free(need_node);
	free(writers);
	*out = t;
	return OPR_OK;

out_free:
	free(need);
	free(need_node);
	free(writers);
	opr_train_free(t);
	return rc;
}

void opr_train_free(struct opr_train *t)
{
	int i;

	if (!t)
		return;
	tr_print_profile(t);
	free(t->prof);
	opr_rt_pool_free(&t->pool);
	if (t->nodes)
		for (i = 0; i < t->g->n_nodes; i++) {
			free(t->nodes[i].p);
			free(t->nodes[i].acc);
		}
	free(t->nodes);
	free(t->vals);
	free(t->tensors);
	free(t->gbuf);
	free(t->ws);
	free(t);
}

int opr_train_n_tensors(const struct opr_train *t)
{
	return t->n_tensors;
}

const struct opr_train_tensor *opr_train_tensor(const struct opr_train *t,
						int i)
{
	return i >= 0 && i < t->n_tensors ? &t->tensors[i] : NULL;
}

int opr_train_find(const struct opr_train *t, const char *name)
{
	int i;

	for (i = 0; i < t->n_tensors; i++)
		if (!strcmp(t->tensors[i].name, name))
			return i;
	return -1;
}

int opr_train_batch(const struct opr_train *t)
{
	return t->batch;
}

int opr_train_threads(const struct opr_train *t)
{
	return t->pool.n;
}

size_t opr_train_workspace_bytes(const struct opr_train *t)
{
	return t->ws_floats * sizeof(float);
}
