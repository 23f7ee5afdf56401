/*
 * deps_rules.c - the channel rules of the op table (enum opr_chan_rule in
 * ops.h), one coupling function each: which slots of a node's inputs and
 * outputs are the same channel, and what the node must edit when that
 * channel goes (its members).  A rule whose conditions do not hold for the
 * node's shapes or attributes makes the node a blocker, with the reason;
 * nothing is ever guessed element-wise.
 *
 * Here: pass-through (c -> c), spatial ops, BatchNormalization, broadcast
 * element-wise ops, producers (depthwise Conv: input c -> outputs
 * [c*m, (c+1)*m), m = multiplier), reductions, blockers, and the table that
 * dispatches on the rule.  The mapped rules (Concat, Split, Slice, Pad,
 * Reshape, Transpose) live in deps_maps.c.
 */
#include "infer.h"
#include "passes/deps_internal.h"

typedef int (*couple_fn)(struct deps_build *b, int node);

/* ---- coupling rules ---- */

/*
 * PASSTHRU (spatial = 0) and SPATIAL (spatial = 1): input 0 carries the
 * channels, other inputs are constants or scalars; every output keeps
 * them.  SPATIAL ops read axis 1 as channels, so the view must be too.
 */
static int couple_same(struct deps_build *b, int node, int spatial)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), i, y, c, cn, rc = OPR_OK;

	if (!deps_view(b, x))
		return deps_block(b, node, "input without a known channel axis");
	for (i = 1; i < n->n_in; i++)
		if (deps_view(b, n->in[i]))
			return deps_block(b, node, "a second input with channels");
	cn = deps_chan_n(b, x);
	for (i = 0; i < n->n_out; i++) {
		y = n->out[i];
		if (y < 0)
			continue;
		if (spatial ? (cn < 0 || deps_chan_n(b, y) != cn) :
			      !deps_same_view(b, x, y))
			return deps_block(b, node, "output channels differ from "
					  "the input's");
	}
	for (i = 0; i < n->n_out && rc == OPR_OK; i++) {
		y = n->out[i];
		if (y < 0)
			continue;
		if (!spatial) {
			rc = deps_couple_flat(b, node, OPR_ROLE_PASS, i, x, y);
			continue;
		}
		for (c = 0; c < cn && rc == OPR_OK; c++) {
			deps_union(b, deps_chan_slot(b, x, c), deps_chan_slot(b, y, c));
			rc = deps_add(b, node, OPR_ROLE_PASS, 1, i, y, 1, c,
				      deps_chan_slot(b, y, c));
		}
	}
	return rc;
}

static int couple_passthru(struct deps_build *b, int node)
{
	return couple_same(b, node, 0);
}

static int couple_spatial(struct deps_build *b, int node)
{
	return couple_same(b, node, 1);
}

/* BatchNormalization: inputs 1..4 are [C] tensors sliced with channel c. */
static int couple_norm(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0);
	int cn, c, k, s, rc = OPR_OK;

	cn = deps_chan_n(b, x);
	if (cn < 0 || deps_chan_n(b, y) != cn)
		return deps_block(b, node, "channels not on axis 1");
	for (k = 1; k < n->n_out; k++)
		if (n->out[k] >= 0)
			return deps_block(b, node, "training-mode outputs");
	for (k = 1; k <= 4; k++) {
		int p = deps_in(b, node, k);

		if (!deps_own_const(b, p))
			return deps_block(b, node, "parameters computed at run time "
					  "or shared with another node");
		if (deps_val(b, p)->rank != 1 || deps_val(b, p)->dims[0] != cn)
			return deps_block(b, node, "parameters not of size C");
	}
	for (c = 0; c < cn && rc == OPR_OK; c++) {
		s = deps_chan_slot(b, y, c);
		deps_union(b, deps_chan_slot(b, x, c), s);
		for (k = 1; k <= 4 && rc == OPR_OK; k++)
			rc = deps_add(b, node, OPR_ROLE_PARAM, 0, k, deps_in(b, node, k),
				      0, c, s);
	}
	return rc;
}

/* How operand v of an element-wise node relates to its output y. */
enum { EW_BROADCAST, EW_COUPLED, EW_PARAM, EW_BAD };

static int ew_relation(const struct deps_build *b, int v, int y, int *axis)
{
	const struct opr_deps_view *yv = deps_view(b, y);
	const struct opr_value *vs = deps_val(b, v), *ys = deps_val(b, y);
	int off = ys->rank - vs->rank, a, equal = 0, bcast = 0;

	if (vs->rank < 0 || off < 0)
		return EW_BAD;
	for (a = 1; a <= yv->k; a++) {
		if (a - off < 0)
			bcast++;
		else if (vs->dims[a - off] == ys->dims[a])
			equal++;
		else if (vs->dims[a - off] == 1)
			bcast++;
	}
	*axis = 1 - off;
	if (bcast == yv->k)
		return EW_BROADCAST;
	if (equal != yv->k)
		return EW_BAD;
	if (!vs->is_initializer)
		return off == 0 && deps_same_view(b, v, y) ? EW_COUPLED : EW_BAD;
	return yv->k == 1 && deps_own_const(b, v) ? EW_PARAM : EW_BAD;
}

/* Add/Sub/Mul/Div/Sum/PRelu with numpy broadcasting. */
static int couple_elemwise(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int y = deps_out(b, node, 0), i, c, axis, rel[8], rc;

	if (!deps_view(b, y))
		return deps_block(b, node, "output without a known channel axis");
	if (n->n_in > 8)
		return deps_block(b, node, "more than 8 operands");
	for (i = 0; i < n->n_in; i++) {
		rel[i] = n->in[i] < 0 ? EW_BROADCAST : ew_relation(b, n->in[i], y, &axis);
		if (rel[i] == EW_BAD)
			return deps_block(b, node, "operand broadcast over part of "
					  "the channels, or a shared constant");
	}
	rc = deps_couple_flat(b, node, OPR_ROLE_PASS, 0, y, y);
	for (i = 0; i < n->n_in && rc == OPR_OK; i++) {
		if (rel[i] == EW_COUPLED)
			rc = deps_couple_flat(b, node, -1, 0, n->in[i], y);
		if (rel[i] != EW_PARAM)
			continue;
		ew_relation(b, n->in[i], y, &axis);
		for (c = 0; c < deps_view(b, y)->n && rc == OPR_OK; c++)
			rc = deps_add(b, node, OPR_ROLE_PARAM, 0, i, n->in[i], axis,
				      c, deps_chan_slot(b, y, c));
	}
	return rc;
}

/* Records OUT members for every output channel, IN for every input one. */
static int producer_members(struct deps_build *b, int node, int x, int y)
{
	int c, rc = OPR_OK;

	for (c = 0; c < deps_chan_n(b, y) && rc == OPR_OK; c++)
		rc = deps_add(b, node, OPR_ROLE_OUT, 1, 0, y, 1, c,
			      deps_chan_slot(b, y, c));
	for (c = 0; c < deps_chan_n(b, x) && rc == OPR_OK; c++)
		rc = deps_add(b, node, OPR_ROLE_IN, 0, 0, x, 1, c,
			      deps_chan_slot(b, x, c));
	return rc;
}

/*
 * Conv and ConvTranspose.  An input without a known channel axis (behind a
 * blocker) leaves the output channels prunable: only the weight rows go.
 */
static int couple_conv(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), w = deps_in(b, node, 1), y = deps_out(b, node, 0);
	int64_t grp = opr_node_attr_int(n, "group", 1), cin, cout, c, r, mult;
	const struct opr_value *ws;
	int rc;

	cin = deps_chan_n(b, x);
	cout = deps_chan_n(b, y);
	if (cout < 0 || (cin < 0 && (deps_view(b, x) || grp != 1)))
		return deps_block(b, node, "channels not on axis 1");
	if (!deps_own_const(b, w) || !deps_own_const_opt(b, deps_in(b, node, 2)))
		return deps_block(b, node, "weight or bias computed at run time "
				  "or shared with another node");
	ws = deps_val(b, w);
	if (grp < 1 || ws->rank < 3)
		return deps_block(b, node, "weight shape does not fit");
	if (n->op == OPR_OP_CONVTRANSPOSE) {
		if (grp != 1)
			return deps_block(b, node, "grouped ConvTranspose");
		if ((cin >= 0 && ws->dims[0] != cin) || ws->dims[1] != cout)
			return deps_block(b, node, "weight shape does not fit");
		return producer_members(b, node, x, y);
	}
	if (ws->dims[0] != cout || (cin >= 0 && ws->dims[1] * grp != cin) ||
	    cout % grp)
		return deps_block(b, node, "weight shape does not fit");
	rc = producer_members(b, node, x, y);
	if (grp == 1 || grp != cin)
		return rc;	/* plain, or grouped: a constraint, see deps.c */
	mult = cout / cin;	/* depthwise: input c feeds outputs c*m.. */
	for (c = 0; c < cin; c++)
		for (r = 0; r < mult; r++)
			deps_union(b, deps_chan_slot(b, x, (int)c),
				   deps_chan_slot(b, y, (int)(c * mult + r)));
	return rc;
}

/*
 * PRODUCER: Conv and ConvTranspose (above), Gemm and MatMul with a constant
 * weight and a [N, K] activation.
 */
static int couple_producer(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int a = deps_in(b, node, 0), w = deps_in(b, node, 1), y = deps_out(b, node, 0);
	int tb = n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transB", 0);
	const struct opr_value *ws;
	int64_t k, m;

	if (n->op == OPR_OP_CONV || n->op == OPR_OP_CONVTRANSPOSE)
		return couple_conv(b, node);
	k = deps_chan_n(b, a);
	m = deps_chan_n(b, y);
	if (m < 0 || deps_val(b, y)->rank != 2 ||
	    (deps_view(b, a) && (k < 0 || deps_val(b, a)->rank != 2)))
		return deps_block(b, node, "not a [N, K] x [K, M] product");
	if (n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transA", 0))
		return deps_block(b, node, "transA = 1");
	if (!deps_own_const(b, w) || !deps_own_const_opt(b, deps_in(b, node, 2)))
		return deps_block(b, node, "weight or bias computed at run time "
				  "or shared with another node");
	ws = deps_val(b, w);
	if (ws->rank != 2 || (k >= 0 && ws->dims[tb ? 1 : 0] != k) ||
	    ws->dims[tb ? 0 : 1] != m)
		return deps_block(b, node, "weight shape does not fit");
	return producer_members(b, node, a, y);
}

/* ReduceMean and Softmax: pass-through when no axis is batch or channel. */
static int couple_reduce(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0), na = 0, r, i, a;
	const struct opr_deps_view *xv = deps_view(b, x);
	int64_t ax[OPR_MAX_RANK];

	if (!xv)
		return deps_block(b, node, "no channel axis");
	if (n->op == OPR_OP_SOFTMAX) {
		ax[0] = opr_node_attr_int(n, "axis", b->opset >= 13 ? -1 : 1);
		na = 1;
	} else {
		r = opr_attr_ints(n, "axes", ax, OPR_MAX_RANK, &na);
		if (r == 0 && deps_in(b, node, 1) >= 0)
			r = opr_const_ints(b->g, deps_in(b, node, 1), ax, OPR_MAX_RANK, &na);
		if (r < 0 || (r == 0 && deps_in(b, node, 1) >= 0))
			return deps_block(b, node, "axes not constant");
		if (na == 0 && !opr_node_attr_int(n, "noop_with_empty_axes", 0))
			return deps_block(b, node, "reduces every axis");
	}
	for (i = 0; i < na; i++)
		if (opr_norm_axis(ax[i], deps_val(b, x)->rank, &a) || a <= xv->k)
			return deps_block(b, node, n->op == OPR_OP_SOFTMAX ?
					  "softmax over the batch or channel axis" :
					  "reduces the batch or channel axis");
	if (!deps_same_view(b, x, y))
		return deps_block(b, node, "output channels differ from the input's");
	return deps_couple_flat(b, node, OPR_ROLE_PASS, 0, x, y);
}

static int couple_block(struct deps_build *b, int node)
{
	return deps_block(b, node, b->g->nodes[node].op == OPR_OP_UNKNOWN ?
			  "op not in the op table" : "op without a channel rule");
}

/* One coupling function per rule of enum opr_chan_rule. */
static const couple_fn couplers[OPR_CHAN_COUNT] = {
	[OPR_CHAN_BLOCK] = couple_block,
	[OPR_CHAN_PASSTHRU] = couple_passthru,
	[OPR_CHAN_SPATIAL] = couple_spatial,
	[OPR_CHAN_NORM] = couple_norm,
	[OPR_CHAN_ELEMWISE] = couple_elemwise,
	[OPR_CHAN_PRODUCER] = couple_producer,
	[OPR_CHAN_CONCAT] = deps_couple_concat,
	[OPR_CHAN_SPLIT] = deps_couple_split,
	[OPR_CHAN_SLICE] = deps_couple_slice,
	[OPR_CHAN_PAD] = deps_couple_pad,
	[OPR_CHAN_RESHAPE] = deps_couple_reshape,
	[OPR_CHAN_TRANSPOSE] = deps_couple_transpose,
	[OPR_CHAN_REDUCE] = couple_reduce,
};

int deps_rule_couple(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int i, rule, touches = 0;

	if (n->dead)
		return OPR_OK;
	for (i = 0; i < n->n_in && !touches; i++)
		touches = deps_view(b, n->in[i]) != NULL;
	for (i = 0; i < n->n_out && !touches; i++)
		touches = deps_view(b, n->out[i]) != NULL;
	if (!touches)
		return OPR_OK;
	rule = n->op > 0 && n->op < OPR_OP_COUNT ? (int)opr_ops[n->op].chan :
	       OPR_CHAN_BLOCK;
	if (rule < 0 || rule >= OPR_CHAN_COUNT || !couplers[rule])
		rule = OPR_CHAN_BLOCK;
	return couplers[rule](b, node);
}
