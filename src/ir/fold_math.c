/*
 * fold_math.c - constant folding of the ops that compute on elements: Cast
 * (between the float, integer and bool types), Add/Sub/Mul/Div with numpy
 * broadcasting (float, double, int32, int64) and Neg/Relu/Sigmoid/Tanh.
 *
 * float32 arithmetic is done in float so a folded value is bit-identical to
 * what a runtime computes.  Integer arithmetic wraps like two's complement
 * (no undefined behaviour on overflow); integer division by zero, and a
 * float cast to an integer out of its range, are left unfolded.
 */
#include <math.h>
#include <string.h>

#include "infer.h"

/* 1 for the dtypes element loads and stores handle. */
static int numeric(int dt)
{
	switch (dt) {
	case OPR_DT_FLOAT: case OPR_DT_DOUBLE: case OPR_DT_INT8: case OPR_DT_UINT8:
	case OPR_DT_INT16: case OPR_DT_UINT16: case OPR_DT_INT32: case OPR_DT_INT64:
	case OPR_DT_UINT32: case OPR_DT_UINT64: case OPR_DT_BOOL:
		return 1;
	default:
		return 0;
	}
}

static int is_float(int dt)
{
	return dt == OPR_DT_FLOAT || dt == OPR_DT_DOUBLE;
}

/* Element i of an integer or bool buffer of dtype dt. */
static int64_t ld_i(const void *p, int dt, int64_t i)
{
	const char *c = (const char *)p + i * (int64_t)opr_dtype_size(dt);
	int8_t i8; uint8_t u8; int16_t i16; uint16_t u16;
	int32_t i32; uint32_t u32; int64_t i64;

	switch (dt) {
	case OPR_DT_INT8: memcpy(&i8, c, 1); return i8;
	case OPR_DT_UINT8: case OPR_DT_BOOL: memcpy(&u8, c, 1); return u8;
	case OPR_DT_INT16: memcpy(&i16, c, 2); return i16;
	case OPR_DT_UINT16: memcpy(&u16, c, 2); return u16;
	case OPR_DT_INT32: memcpy(&i32, c, 4); return i32;
	case OPR_DT_UINT32: memcpy(&u32, c, 4); return u32;
	default: memcpy(&i64, c, 8); return i64;
	}
}

/* Element i of a buffer of dtype dt as a double. */
static double ld_f(const void *p, int dt, int64_t i)
{
	float f;
	double d;
	uint64_t u;

	if (dt == OPR_DT_FLOAT) {
		memcpy(&f, (const char *)p + 4 * i, 4);
		return f;
	}
	if (dt == OPR_DT_DOUBLE) {
		memcpy(&d, (const char *)p + 8 * i, 8);
		return d;
	}
	if (dt == OPR_DT_UINT64) {
		memcpy(&u, (const char *)p + 8 * i, 8);
		return (double)u;
	}
	return (double)ld_i(p, dt, i);
}

/* Stores x (an integer, wrapped to the width of dt) as element i. */
static void st_i(void *p, int dt, int64_t i, int64_t x)
{
	char *c = (char *)p + i * (int64_t)opr_dtype_size(dt);
	uint64_t u = (uint64_t)x;
	uint8_t u8 = (uint8_t)u;
	uint16_t u16 = (uint16_t)u;
	uint32_t u32 = (uint32_t)u;

	switch (opr_dtype_size(dt)) {
	case 1: u8 = dt == OPR_DT_BOOL ? x != 0 : u8; memcpy(c, &u8, 1); break;
	case 2: memcpy(c, &u16, 2); break;
	case 4: memcpy(c, &u32, 4); break;
	default: memcpy(c, &u, 8); break;
	}
}

/* Stores x as element i of a float or double buffer. */
static void st_f(void *p, int dt, int64_t i, double x)
{
	float f = (float)x;

	if (dt == OPR_DT_FLOAT)
		memcpy((char *)p + 4 * i, &f, 4);
	else
		memcpy((char *)p + 8 * i, &x, 8);
}

/* Output buffer of node's output 0 (static shape), or NULL. */
static void *out_buf(struct opr_graph *g, int node, int64_t *numel, size_t *nbytes)
{
	const struct opr_value *o = &g->values[g->nodes[node].out[0]];

	if (opr_numel(o->dims, o->rank, numel) || !numeric(o->dtype))
		return NULL;
	*nbytes = (size_t)*numel * opr_dtype_size(o->dtype);
	return opr_arena_alloc(&g->arena, *nbytes + 1);
}

int opr_fold_cast(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int to = g->values[g->nodes[node].out[0]].dtype;
	int64_t numel, i;
	size_t nbytes;
	void *dst;

	if (!x || !x->is_initializer || !numeric(x->dtype) || !numeric(to))
		return OPR_EUNSUPPORTED;
	dst = out_buf(g, node, &numel, &nbytes);
	if (!dst || nbytes != (size_t)numel * opr_dtype_size(to))
		return OPR_EUNSUPPORTED;
	for (i = 0; i < numel; i++) {
		if (is_float(to)) {
			st_f(dst, to, i, ld_f(x->data, x->dtype, i));
		} else if (!is_float(x->dtype)) {
			st_i(dst, to, i, ld_i(x->data, x->dtype, i));
		} else {
			double f = ld_f(x->data, x->dtype, i);

			if (to == OPR_DT_BOOL)
				st_i(dst, to, i, f != 0);
			else if (isnan(f) || f >= 9.2e18 || f <= -9.2e18)
				return OPR_EUNSUPPORTED;
			else
				st_i(dst, to, i, (int64_t)f);
		}
	}
	return opr_fold_set(g, g->nodes[node].out[0], dst, nbytes, 1, err);
}

/* a op b on int64, wrapping; returns -1 for a division by zero. */
static int arith_i(enum opr_op op, int64_t a, int64_t b, int64_t *r)
{
	uint64_t x = (uint64_t)a, y = (uint64_t)b;

	switch (op) {
	case OPR_OP_ADD: *r = (int64_t)(x + y); return 0;
	case OPR_OP_SUB: *r = (int64_t)(x - y); return 0;
	case OPR_OP_MUL: *r = (int64_t)(x * y); return 0;
	default:
		if (b == 0)
			return -1;
		*r = b == -1 ? (int64_t)(0 - x) : a / b;
		return 0;
	}
}

/* a op b in float (single precision). */
static float arith_f(enum opr_op op, float a, float b)
{
	switch (op) {
	case OPR_OP_ADD: return a + b;
	case OPR_OP_SUB: return a - b;
	case OPR_OP_MUL: return a * b;
	default: return a / b;
	}
}

/* a op b in double. */
static double arith_d(enum opr_op op, double a, double b)
{
	switch (op) {
	case OPR_OP_ADD: return a + b;
	case OPR_OP_SUB: return a - b;
	case OPR_OP_MUL: return a * b;
	default: return a / b;
	}
}

/* Sets walk strides for source k so that x broadcasts to the output. */
static void bcast_strides(struct opr_walk *w, int k, const struct opr_value *x)
{
	int64_t st[OPR_MAX_RANK];
	int i;

	opr_strides(x->dims, x->rank, st);
	for (i = 0; i < x->rank; i++)
		w->stride[k][i + w->rank - x->rank] = x->dims[i] == 1 ? 0 : st[i];
}

int opr_fold_binary(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *a = opr_infer_in(g, node, 0);
	const struct opr_value *b = opr_infer_in(g, node, 1);
	const struct opr_value *o = &g->values[n->out[0]];
	int64_t numel, i, r;
	struct opr_walk w;
	size_t nbytes;
	void *dst;
	int dt;

	if (!a || !b || n->n_in != 2 || a->dtype != b->dtype || o->dtype != a->dtype ||
	    a->rank > o->rank || b->rank > o->rank)
		return OPR_EUNSUPPORTED;
	dt = a->dtype;
	if (dt != OPR_DT_FLOAT && dt != OPR_DT_DOUBLE && dt != OPR_DT_INT32 &&
	    dt != OPR_DT_INT64)
		return OPR_EUNSUPPORTED;
	if (!(dst = out_buf(g, node, &numel, &nbytes)))
		return OPR_EUNSUPPORTED;
	opr_walk_init(&w, o->dims, o->rank);
	bcast_strides(&w, 0, a);
	bcast_strides(&w, 1, b);
	for (i = 0; i < numel; i++, opr_walk_next(&w)) {
		if (dt == OPR_DT_FLOAT) {
			st_f(dst, dt, i, arith_f(n->op, (float)ld_f(a->data, dt, w.off[0]),
						 (float)ld_f(b->data, dt, w.off[1])));
		} else if (dt == OPR_DT_DOUBLE) {
			st_f(dst, dt, i, arith_d(n->op, ld_f(a->data, dt, w.off[0]),
						 ld_f(b->data, dt, w.off[1])));
		} else {
			if (arith_i(n->op, ld_i(a->data, dt, w.off[0]),
				    ld_i(b->data, dt, w.off[1]), &r))
				return OPR_EUNSUPPORTED;
			st_i(dst, dt, i, r);
		}
	}
	return opr_fold_set(g, n->out[0], dst, nbytes, 1, err);
}

/* One unary op on a double; ints use only Neg and Relu. */
static double unary(enum opr_op op, double x)
{
	switch (op) {
	case OPR_OP_NEG: return -x;
	case OPR_OP_RELU: return x > 0 ? x : 0;
	case OPR_OP_SIGMOID: return 1.0 / (1.0 + exp(-x));
	default: return tanh(x);
	}
}

int opr_fold_unary(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t numel, i, v;
	size_t nbytes;
	void *dst;
	int dt;

	if (!x || x->dtype != g->values[n->out[0]].dtype)
		return OPR_EUNSUPPORTED;
	dt = x->dtype;
	if (!is_float(dt) && !((dt == OPR_DT_INT32 || dt == OPR_DT_INT64) &&
			       (n->op == OPR_OP_NEG || n->op == OPR_OP_RELU)))
		return OPR_EUNSUPPORTED;
	if (!(dst = out_buf(g, node, &numel, &nbytes)))
		return OPR_EUNSUPPORTED;
	for (i = 0; i < numel; i++) {
		if (dt == OPR_DT_FLOAT && n->op == OPR_OP_NEG) {
			float f = (float)ld_f(x->data, dt, i);

			st_f(dst, dt, i, -f);
		} else if (is_float(dt)) {
			st_f(dst, dt, i, unary(n->op, ld_f(x->data, dt, i)));
		} else {
			v = ld_i(x->data, dt, i);
			if (n->op == OPR_OP_NEG)
				v = (int64_t)(0 - (uint64_t)v);
			else if (v < 0)
				v = 0;
			st_i(dst, dt, i, v);
		}
	}
	return opr_fold_set(g, n->out[0], dst, nbytes, 1, err);
}
