/*
 * fold_partial.c - partial constants: small int64 vectors whose elements are
 * known, equal to a symbolic dim (dim_param) of some tensor, or unknown.
 *
 * PyTorch exports x.view(x.size(0), ...) as Shape -> Gather(0) ->
 * Unsqueeze -> Concat -> Reshape, and channel shuffles as Shape/Gather/
 * Div/Unsqueeze/Concat.  With a dynamic batch N the Shape is not constant,
 * but every element but N is; tracking N symbolically lets the elements
 * that do not depend on it fold (Gather(Shape(x), 1) is a constant), and
 * lets a Reshape whose only unknown target dims are N at the position where
 * its input has N take a constant shape with 0 there ("copy the dim").
 */
#include <stdio.h>
#include <string.h>

#include "infer.h"

/* Longest vector tracked. */
#define PC_MAX 64

/* New partial constant of n elements, all unknown. */
static struct opr_pconst *pc_new(struct opr_pctab *t, int n)
{
	struct opr_pconst *p = opr_arena_alloc(&t->arena, sizeof(*p));
	int i;

	if (!p)
		return NULL;
	p->n = n;
	p->v = opr_arena_alloc(&t->arena, (size_t)(n + 1) * sizeof(int64_t));
	p->sym = opr_arena_alloc(&t->arena, (size_t)(n + 1) * sizeof(char *));
	p->unk = opr_arena_alloc(&t->arena, (size_t)(n + 1));
	if (!p->v || !p->sym || !p->unk)
		return NULL;
	for (i = 0; i < n; i++)
		p->unk[i] = 1;
	return p;
}

/* Copies element j of src into element i of dst. */
static void pc_copy(struct opr_pconst *dst, int i, const struct opr_pconst *src,
		    int j)
{
	dst->v[i] = src->v[j];
	dst->sym[i] = src->sym[j];
	dst->unk[i] = src->unk[j];
}

/* 1 when element i is known. */
static int pc_known(const struct opr_pconst *p, int i)
{
	return !p->unk[i] && !p->sym[i];
}

const struct opr_pconst *opr_pconst_get(struct opr_graph *g,
					struct opr_pctab *t, int v)
{
	struct opr_pconst *p;
	int64_t buf[PC_MAX];
	int n, i;

	if (v < 0 || v >= g->n_values)
		return NULL;
	if (v < t->n && t->pc[v])
		return t->pc[v];
	if (opr_const_ints(g, v, buf, PC_MAX, &n) <= 0)
		return NULL;
	p = pc_new(t, n);
	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		p->v[i] = buf[i];
		p->unk[i] = 0;
	}
	if (v < t->n)
		t->pc[v] = p;
	return p;
}

/* Shape(x): x's dims, symbols for dim_params. */
static struct opr_pconst *pc_shape(struct opr_graph *g, struct opr_pctab *t,
				   int node)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t st, en;
	struct opr_pconst *p;
	int i, r;

	if (!x || x->rank < 0)
		return NULL;
	r = x->rank;
	st = opr_node_attr_int(n, "start", 0);
	en = opr_node_attr_int(n, "end", r);
	st = st < 0 ? st + r : st;
	en = en < 0 ? en + r : en;
	st = st < 0 ? 0 : st > r ? r : st;
	en = en < 0 ? 0 : en > r ? r : en;
	p = pc_new(t, en > st ? (int)(en - st) : 0);
	for (i = 0; p && i < p->n; i++) {
		int d = (int)st + i;

		p->v[i] = x->dims[d];
		p->sym[i] = x->dims[d] < 0 ? x->dim_param[d] : NULL;
		p->unk[i] = x->dims[d] < 0 && !x->dim_param[d];
	}
	return p;
}

/* Gather(pc, const indices) along axis 0. */
static struct opr_pconst *pc_gather(struct opr_graph *g, struct opr_pctab *t,
				    int node, const struct opr_pconst *a)
{
	int64_t idx[PC_MAX];
	struct opr_pconst *p;
	int n, i;

	if (opr_node_attr_int(&g->nodes[node], "axis", 0) != 0 ||
	    opr_const_ints(g, g->nodes[node].in[1], idx, PC_MAX, &n) <= 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (idx[i] < -a->n || idx[i] >= a->n)
			return NULL;
	p = pc_new(t, n);
	for (i = 0; p && i < n; i++)
		pc_copy(p, i, a, (int)(idx[i] < 0 ? idx[i] + a->n : idx[i]));
	return p;
}

/* Concat of partial constants along their only axis. */
static struct opr_pconst *pc_concat(struct opr_graph *g, struct opr_pctab *t,
				    int node)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_pconst *in[PC_MAX];
	struct opr_pconst *p;
	int k, i, total = 0, m = 0;

	if (n->n_in > PC_MAX)
		return NULL;
	for (k = 0; k < n->n_in; k++) {
		in[k] = opr_pconst_get(g, t, n->in[k]);
		if (!in[k] || total + in[k]->n > PC_MAX)
			return NULL;
		total += in[k]->n;
	}
	p = pc_new(t, total);
	for (k = 0; p && k < n->n_in; k++)
		for (i = 0; i < in[k]->n; i++)
			pc_copy(p, m++, in[k], i);
	return p;
}

/* Slice of a 1-D partial constant with constant parameters. */
static struct opr_pconst *pc_slice(struct opr_graph *g, struct opr_pctab *t,
				   int node, const struct opr_pconst *a)
{
	struct opr_slice_plan sp;
	struct opr_shape s;
	struct opr_pconst *p;
	int64_t i;

	opr_shape_unknown(&s);
	s.rank = 1;
	s.d[0] = a->n;
	if (opr_slice_plan(g, node, &s, &sp, NULL) != OPR_OK || sp.count[0] < 0)
		return NULL;
	p = pc_new(t, (int)sp.count[0]);
	for (i = 0; p && i < sp.count[0]; i++)
		pc_copy(p, (int)i, a, (int)(sp.start[0] + i * sp.step[0]));
	return p;
}

/* One element of Add/Sub/Mul/Div; identities keep a symbol. */
static void pc_arith(enum opr_op op, const struct opr_pconst *a, int i,
		     const struct opr_pconst *b, int j, struct opr_pconst *p,
		     int k)
{
	uint64_t x = (uint64_t)a->v[i], y = (uint64_t)b->v[j];

	if (pc_known(a, i) && pc_known(b, j)) {
		p->unk[k] = 0;
		if (op == OPR_OP_ADD)
			p->v[k] = (int64_t)(x + y);
		else if (op == OPR_OP_SUB)
			p->v[k] = (int64_t)(x - y);
		else if (op == OPR_OP_MUL)
			p->v[k] = (int64_t)(x * y);
		else if (b->v[j] != 0 && !(a->v[i] == INT64_MIN && b->v[j] == -1))
			p->v[k] = a->v[i] / b->v[j];
		else
			p->unk[k] = 1;
		return;
	}
	if (a->sym[i] && pc_known(b, j) &&
	    (((op == OPR_OP_ADD || op == OPR_OP_SUB) && b->v[j] == 0) ||
	     ((op == OPR_OP_MUL || op == OPR_OP_DIV) && b->v[j] == 1)))
		pc_copy(p, k, a, i);
	else if (b->sym[j] && pc_known(a, i) &&
		 ((op == OPR_OP_ADD && a->v[i] == 0) ||
		  (op == OPR_OP_MUL && a->v[i] == 1)))
		pc_copy(p, k, b, j);
}

/* Element-wise arithmetic on two partial constants (one may be a scalar). */
static struct opr_pconst *pc_binary(struct opr_graph *g, struct opr_pctab *t,
				    int node)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_pconst *a = opr_pconst_get(g, t, n->in[0]);
	const struct opr_pconst *b = opr_pconst_get(g, t, n->in[1]);
	struct opr_pconst *p;
	int i, len;

	if (!a || !b || (a->n != b->n && a->n != 1 && b->n != 1))
		return NULL;
	len = a->n > b->n ? a->n : b->n;
	if (a->n == 0 || b->n == 0)
		len = 0;
	p = pc_new(t, len);
	for (i = 0; p && i < len; i++)
		pc_arith(n->op, a, a->n == 1 ? 0 : i, b, b->n == 1 ? 0 : i, p, i);
	return p;
}

/* Evaluates node on partial constants; NULL when it does not apply. */
static struct opr_pconst *pc_eval(struct opr_graph *g, struct opr_pctab *t,
				  int node)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_pconst *a;
	struct opr_pconst *p;
	int to;

	if (n->op == OPR_OP_SHAPE)
		return pc_shape(g, t, node);
	if (n->op == OPR_OP_CONCAT)
		return pc_concat(g, t, node);
	if (n->op == OPR_OP_ADD || n->op == OPR_OP_SUB || n->op == OPR_OP_MUL ||
	    n->op == OPR_OP_DIV)
		return pc_binary(g, t, node);
	a = opr_pconst_get(g, t, n->n_in ? n->in[0] : -1);
	if (!a)
		return NULL;
	switch (n->op) {
	case OPR_OP_GATHER:
		return pc_gather(g, t, node, a);
	case OPR_OP_SLICE:
		return pc_slice(g, t, node, a);
	case OPR_OP_CAST:
		to = (int)opr_node_attr_int(n, "to", 0);
		if (to != OPR_DT_INT64 && to != OPR_DT_INT32)
			return NULL;
		/* fall through */
	case OPR_OP_UNSQUEEZE:
	case OPR_OP_SQUEEZE:
	case OPR_OP_RESHAPE:
	case OPR_OP_FLATTEN:
	case OPR_OP_IDENTITY:
		p = pc_new(t, a->n);
		if (p) {
			memcpy(p->v, a->v, (size_t)a->n * sizeof(int64_t));
			memcpy(p->sym, a->sym, (size_t)a->n * sizeof(char *));
			memcpy(p->unk, a->unk, (size_t)a->n);
		}
		return p;
	default:
		return NULL;
	}
}

/* Stores p as value v's data when all of its elements are known. */
static int pc_materialise(struct opr_graph *g, struct opr_pctab *t, int v,
			  const struct opr_pconst *p, int *folded,
			  struct opr_err *err)
{
	struct opr_value *val = &g->values[v];
	int64_t numel;
	void *data;
	int i, rc;

	for (i = 0; i < p->n; i++)
		if (!pc_known(p, i))
			return OPR_OK;
	if (opr_numel(val->dims, val->rank, &numel) || numel != p->n ||
	    (val->dtype != OPR_DT_INT64 && val->dtype != OPR_DT_INT32))
		return OPR_OK;
	data = opr_arena_alloc(&g->arena, (size_t)(p->n + 1) * 8);
	if (!data)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	for (i = 0; i < p->n; i++) {
		if (val->dtype == OPR_DT_INT64) {
			memcpy((char *)data + 8 * i, &p->v[i], 8);
		} else {
			int32_t x = (int32_t)p->v[i];

			memcpy((char *)data + 4 * i, &x, 4);
		}
	}
	rc = opr_fold_set(g, v, data, (size_t)p->n * opr_dtype_size(val->dtype), 1, err);
	if (rc == OPR_EUNSUPPORTED)
		return OPR_OK;
	(void)t;
	*folded = rc == OPR_OK;
	return rc;
}

int opr_pconst_eval(struct opr_graph *g, struct opr_pctab *t, int node,
		    int *folded, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	struct opr_value *out;
	struct opr_pconst *p;

	*folded = 0;
	if (n->n_out != 1 || n->out[0] < 0 || n->out[0] >= t->n)
		return OPR_OK;
	out = &g->values[n->out[0]];
	if ((out->dtype != OPR_DT_INT64 && out->dtype != OPR_DT_INT32) ||
	    out->rank < 0 || out->rank > 1)
		return OPR_OK;
	p = pc_eval(g, t, node);
	if (!p)
		return OPR_OK;
	if (out->rank == 1 && out->dims[0] < 0) {
		out->dims[0] = p->n;
		out->dim_param[0] = NULL;
	}
	if ((out->rank == 0 && p->n != 1) ||
	    (out->rank == 1 && out->dims[0] >= 0 && out->dims[0] != p->n))
		return OPR_OK;
	t->pc[n->out[0]] = p;
	return pc_materialise(g, t, n->out[0], p, folded, err);
}

/* Adds a new int64 initializer of n elements named after value base. */
static int new_shape_init(struct opr_graph *g, int base, const int64_t *v,
			  int n, int *out, struct opr_err *err)
{
	char name[512];
	struct opr_value *val;
	int k, id = -1;

	for (k = 0; k < 1000 && id < 0; k++) {
		if (k == 0)
			snprintf(name, sizeof(name), "%s_const", g->values[base].name);
		else
			snprintf(name, sizeof(name), "%s_const_%d",
				 g->values[base].name, k);
		if (opr_graph_find_value(g, name) < 0)
			id = opr_graph_add_value(g, name);
	}
	if (id < 0)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	val = &g->values[id];
	val->dtype = OPR_DT_INT64;
	val->rank = 1;
	val->dims[0] = n;
	*out = id;
	return opr_fold_set(g, id, v, (size_t)n * sizeof(int64_t), 0, err);
}

/* The constant target for a Reshape (for_expand 0) or Expand (1). */
static int rewrite_target(const struct opr_value *x, const struct opr_pconst *p,
			  int allowzero, int for_expand, int64_t *v)
{
	int i, left = -1, n_left = 0, has_neg = 0;

	for (i = 0; i < p->n; i++) {
		int ax = for_expand ? i - (p->n - x->rank) : i;

		v[i] = p->v[i];
		if (pc_known(p, i)) {
			has_neg |= p->v[i] == -1;
			continue;
		}
		if (p->sym[i] && x->rank >= 0 && ax >= 0 && ax < x->rank &&
		    x->dims[ax] < 0 && x->dim_param[ax] &&
		    strcmp(x->dim_param[ax], p->sym[i]) == 0 &&
		    (for_expand || !allowzero)) {
			v[i] = for_expand ? 1 : 0;
			continue;
		}
		left = i;
		n_left++;
	}
	if (n_left == 0)
		return 1;
	if (n_left == 1 && !has_neg && !for_expand) {
		v[left] = -1;
		return 1;
	}
	return 0;
}

int opr_pconst_rewrite(struct opr_graph *g, struct opr_pctab *t, int node,
		       int *changed, struct opr_err *err)
{
	struct opr_node *n = &g->nodes[node];
	const struct opr_pconst *p;
	const struct opr_value *x;
	int64_t v[PC_MAX];
	int rc, id = -1, fe = n->op == OPR_OP_EXPAND;

	*changed = 0;
	if ((n->op != OPR_OP_RESHAPE && !fe) || n->n_in < 2 || n->in[1] < 0 ||
	    n->in[0] < 0 || g->values[n->in[1]].is_initializer)
		return OPR_OK;
	p = opr_pconst_get(g, t, n->in[1]);
	x = &g->values[n->in[0]];
	if (!p || !rewrite_target(x, p, opr_node_attr_int(n, "allowzero", 0) != 0,
				  fe, v))
		return OPR_OK;
	rc = new_shape_init(g, n->out[0] >= 0 ? n->out[0] : n->in[1], v, p->n,
			    &id, err);
	if (rc)
		return rc;
	g->nodes[node].in[1] = id;
	*changed = 1;
	return OPR_OK;
}
