/*
 * test_infer.c - unit tests of shape inference (opr_infer_shapes) on graphs
 * built by hand: every op family, symbolic batch dims, the attribute and
 * input forms of older and newer opsets, and the OPR_ESHAPE errors for
 * attributes out of range.  The folding tests live in
 * infer/test_fold_cases.c and the helpers in infer/graph_dsl.c.  Exits
 * non-zero when any check fails.
 */
#include <stdlib.h>
#include <string.h>

#include "infer/graph_dsl.h"

static void test_conv(void)
{
	struct opr_graph *g;
	int nd;

	g = t_conv("N,3,32,32", "16,3,3,3", &nd);
	t_attr_ints(g, nd, "pads", 4, 1LL, 1LL, 1LL, 1LL);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,16,32,32");
	opr_graph_free(g);

	g = t_conv("N,3,32,32", "16,3,3,3", &nd);
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	t_attr_ints(g, nd, "pads", 4, 1LL, 1LL, 1LL, 1LL);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,16,16,16");
	opr_graph_free(g);

	/* depthwise, dilated, asymmetric pads */
	g = t_conv("2,8,10,9", "8,1,3,3", &nd);
	t_attr_i(g, nd, "group", 8);
	t_attr_ints(g, nd, "dilations", 2, 2LL, 1LL);
	t_attr_ints(g, nd, "pads", 4, 0LL, 1LL, 2LL, 0LL);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "2,8,8,8");
	opr_graph_free(g);

	g = t_conv("N,3,7,7", "4,3,3,3", &nd);
	t_attr_s(g, nd, "auto_pad", "SAME_UPPER");
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,4,4,4");
	opr_graph_free(g);

	g = t_conv("N,3,7,7", "4,3,3,3", &nd);
	t_attr_s(g, nd, "auto_pad", "VALID");
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,4,3,3");
	opr_graph_free(g);

	/* unknown input shape: output left unknown, no failure */
	g = t_conv("?", "4,3,3,3", &nd);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "?,4,?,?");
	opr_graph_free(g);
}

static void test_conv_errors(void)
{
	struct opr_graph *g;
	int nd;

	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_i(g, nd, "group", 0);
	EXPECT_FAIL(g, "group = 0");
	g = t_conv("N,6,8,8", "4,3,3,3", &nd);
	t_attr_i(g, nd, "group", 4);
	EXPECT_FAIL(g, "group = 4");
	g = t_conv("N,6,8,8", "4,2,3,3", &nd);
	EXPECT_FAIL(g, "channels");
	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_ints(g, nd, "strides", 2, 1LL, 0LL);
	EXPECT_FAIL(g, "strides[1] = 0");
	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_ints(g, nd, "pads", 4, 0LL, -1LL, 0LL, 0LL);
	EXPECT_FAIL(g, "pads[1] = -1");
	g = t_conv("N,3,2,8", "4,3,3,3", &nd);
	EXPECT_FAIL(g, "kernel_shape[0]");
	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_s(g, nd, "auto_pad", "SAME");
	EXPECT_FAIL(g, "auto_pad");
	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_ints(g, nd, "kernel_shape", 2, 5LL, 5LL);
	EXPECT_FAIL(g, "kernel_shape[0] = 5");
	g = t_conv("N,3,8,8", "4,3,3,3", &nd);
	t_attr_ints(g, nd, "strides", 3, 1LL, 1LL, 1LL);
	EXPECT_FAIL(g, "strides has 3 values");
	g = t_conv("N,3,8", "4,3,3,3", &nd);
	EXPECT_FAIL(g, "rank");
}

static void test_convtranspose_pools(void)
{
	struct opr_graph *g = t_with_x("N,4,5,5");
	int nd;

	t_init_f(g, "w", "4,3,3,3");
	nd = t_node(g, "ConvTranspose", "x,w", "y");
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	t_attr_ints(g, nd, "pads", 4, 1LL, 1LL, 1LL, 1LL);
	t_attr_ints(g, nd, "output_padding", 2, 1LL, 1LL);
	nd = t_node(g, "MaxPool", "y", "p,idx");
	t_attr_ints(g, nd, "kernel_shape", 2, 3LL, 3LL);
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	t_attr_i(g, nd, "ceil_mode", 1);
	nd = t_node(g, "AveragePool", "y", "q");
	t_attr_ints(g, nd, "kernel_shape", 2, 3LL, 3LL);
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	nd = t_node(g, "GlobalAveragePool", "q", "r");
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,3,10,10");
	EXPECT(g, "p", OPR_DT_FLOAT, "N,3,5,5");
	EXPECT(g, "idx", OPR_DT_INT64, "N,3,5,5");
	EXPECT(g, "q", OPR_DT_FLOAT, "N,3,4,4");
	EXPECT(g, "r", OPR_DT_FLOAT, "N,3,1,1");
	opr_graph_free(g);

	/* ceil_mode: the last window may not start in the end padding */
	g = t_with_x("1,1,5,5");
	nd = t_node(g, "MaxPool", "x", "y");
	t_attr_ints(g, nd, "kernel_shape", 2, 2LL, 2LL);
	t_attr_ints(g, nd, "strides", 2, 2LL, 2LL);
	t_attr_ints(g, nd, "pads", 4, 0LL, 0LL, 1LL, 1LL);
	t_attr_i(g, nd, "ceil_mode", 1);
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "1,1,3,3");
	opr_graph_free(g);

	g = t_with_x("N,3,8,8");
	t_node(g, "MaxPool", "x", "y");
	EXPECT_FAIL(g, "kernel_shape is missing");
	g = t_with_x("N,3,8,8");
	nd = t_node(g, "AveragePool", "x", "y");
	t_attr_ints(g, nd, "kernel_shape", 2, 3LL, 0LL);
	EXPECT_FAIL(g, "kernel_shape[1] = 0");
}

static void test_elementwise(void)
{
	struct opr_graph *g = t_with_x("N,16,8,8");
	int nd;

	t_init_f(g, "b", "16,1,1");
	t_init_f(g, "s", "16");
	t_init_f(g, "m", "16");
	t_node(g, "Add", "x,b", "a");
	t_node(g, "BatchNormalization", "a,s,s,m,m", "bn");
	nd = t_node(g, "Clip", "bn", "c");
	opr_node_add_attr(g, nd, "min", OPR_AT_FLOAT)->f = 0;
	t_init_f(g, "lo", "");
	t_node(g, "Clip", "c,lo,", "c2");
	t_node(g, "Relu", "c2", "r");
	nd = t_node(g, "LeakyRelu", "r", "lr");
	t_node(g, "Sum", "lr,b,x", "sum");
	t_node(g, "Mul", "sum,sum", "mul");
	nd = t_node(g, "Cast", "mul", "cast");
	t_attr_i(g, nd, "to", OPR_DT_INT64);
	t_node(g, "Dropout", "x", "d,dm");
	t_init_f(g, "slope", "16,1,1");
	t_node(g, "PRelu", "x,slope", "pr");
	INFER(g);
	EXPECT(g, "a", OPR_DT_FLOAT, "N,16,8,8");
	EXPECT(g, "bn", OPR_DT_FLOAT, "N,16,8,8");
	EXPECT(g, "c2", OPR_DT_FLOAT, "N,16,8,8");
	EXPECT(g, "sum", OPR_DT_FLOAT, "N,16,8,8");
	EXPECT(g, "cast", OPR_DT_INT64, "N,16,8,8");
	EXPECT(g, "dm", OPR_DT_BOOL, "N,16,8,8");
	EXPECT(g, "pr", OPR_DT_FLOAT, "N,16,8,8");
	opr_graph_free(g);

	g = t_with_x("N,16,8,8");
	t_init_f(g, "b", "15,1,1");
	t_node(g, "Add", "x,b", "a");
	EXPECT_FAIL(g, "broadcast");
	g = t_with_x("N,16,8,8");
	t_init_f(g, "s", "15");
	t_node(g, "BatchNormalization", "x,s,s,s,s", "y");
	EXPECT_FAIL(g, "15 elements");
	g = t_with_x("N,16");
	nd = t_node(g, "Softmax", "x", "y");
	t_attr_i(g, nd, "axis", 2);
	EXPECT_FAIL(g, "axis = 2");
	g = t_with_x("N,16");
	t_node(g, "Cast", "x", "y");
	EXPECT_FAIL(g, "'to'");
}

static void test_shape_ops(void)
{
	struct opr_graph *g = t_with_x("N,16,4,4");
	int nd;

	nd = t_node(g, "Flatten", "x", "f");
	t_init_i64(g, "sh", "3", 3, 0LL, 4LL, -1LL);
	t_node(g, "Reshape", "x,sh", "r");
	nd = t_node(g, "Transpose", "x", "t");
	t_attr_ints(g, nd, "perm", 4, 0LL, 2LL, 3LL, 1LL);
	nd = t_node(g, "Concat", "x,x", "c");
	t_attr_i(g, nd, "axis", -3);
	t_init_i64(g, "sp", "2", 2, 4LL, 12LL);
	nd = t_node(g, "Split", "x,sp", "s1,s2");
	t_attr_i(g, nd, "axis", 1);
	nd = t_node(g, "Split", "x", "e1,e2");
	t_attr_i(g, nd, "axis", 2);
	t_init_i64(g, "ax", "2", 2, 0LL, -1LL);
	t_node(g, "Unsqueeze", "x,ax", "u");
	nd = t_node(g, "Unsqueeze", "x", "u1");		/* opset < 13 form */
	t_attr_ints(g, nd, "axes", 1, 2LL);
	nd = t_node(g, "Squeeze", "u", "sq");
	t_attr_ints(g, nd, "axes", 2, 0LL, 5LL);
	t_init_i64(g, "ax1", "1", 1, 2LL);
	t_node(g, "Squeeze", "u1,ax1", "sq2");
	t_node(g, "Shape", "x", "shp");
	nd = t_node(g, "Shape", "x", "shp2");
	t_attr_i(g, nd, "start", -2);
	INFER(g);
	EXPECT(g, "f", OPR_DT_FLOAT, "N,256");
	EXPECT(g, "r", OPR_DT_FLOAT, "N,4,64");
	EXPECT(g, "t", OPR_DT_FLOAT, "N,4,4,16");
	EXPECT(g, "c", OPR_DT_FLOAT, "N,32,4,4");
	EXPECT(g, "s1", OPR_DT_FLOAT, "N,4,4,4");
	EXPECT(g, "s2", OPR_DT_FLOAT, "N,12,4,4");
	EXPECT(g, "e2", OPR_DT_FLOAT, "N,16,2,4");
	EXPECT(g, "u", OPR_DT_FLOAT, "1,N,16,4,4,1");
	EXPECT(g, "u1", OPR_DT_FLOAT, "N,16,1,4,4");
	EXPECT(g, "sq", OPR_DT_FLOAT, "N,16,4,4");
	EXPECT(g, "sq2", OPR_DT_FLOAT, "N,16,4,4");
	EXPECT(g, "shp", OPR_DT_INT64, "4");
	EXPECT(g, "shp2", OPR_DT_INT64, "2");
	opr_graph_free(g);
}

static void test_shape_op_errors(void)
{
	struct opr_graph *g = t_with_x("N,16,4,4");
	int nd;

	nd = t_node(g, "Transpose", "x", "t");
	t_attr_ints(g, nd, "perm", 4, 0LL, 2LL, 2LL, 1LL);
	EXPECT_FAIL(g, "perm");
	g = t_with_x("N,16,4,4");
	nd = t_node(g, "Concat", "x,x", "c");
	t_attr_i(g, nd, "axis", 4);
	EXPECT_FAIL(g, "axis = 4");
	g = t_with_x("N,16,4,4");
	t_init_i64(g, "sh", "2", 2, -1LL, 5LL);
	t_node(g, "Reshape", "x,sh", "r");
	EXPECT(g, "x", 0, "N,16,4,4");
	INFER(g);	/* 16*4*4*N / 5 is unknown, not an error */
	EXPECT(g, "r", OPR_DT_FLOAT, "?,5");
	opr_graph_free(g);
	g = t_with_x("2,16,4,4");
	t_init_i64(g, "sh", "2", 2, -1LL, 5LL);
	t_node(g, "Reshape", "x,sh", "r");
	EXPECT_FAIL(g, "reshape");
	g = t_with_x("N,16,4,4");
	t_init_i64(g, "sp", "2", 2, 4LL, 11LL);
	nd = t_node(g, "Split", "x,sp", "s1,s2");
	t_attr_i(g, nd, "axis", 1);
	EXPECT_FAIL(g, "add up");
	g = t_with_x("N,16,4,4");
	t_init_i64(g, "ax", "1", 1, 1LL);
	t_node(g, "Squeeze", "x,ax", "y");
	EXPECT_FAIL(g, "not 1");
	g = t_with_x("N,16,4,4");
	nd = t_node(g, "Flatten", "x", "y");
	t_attr_i(g, nd, "axis", 5);
	EXPECT_FAIL(g, "axis = 5");
}

static void test_index_ops(void)
{
	struct opr_graph *g = t_with_x("N,16,32,32");
	int nd;

	t_init_i64(g, "st", "2", 2, 0LL, 0LL);
	t_init_i64(g, "en", "2", 2, INT64_MAX, INT64_MAX);
	t_init_i64(g, "ax", "2", 2, 2LL, 3LL);
	t_init_i64(g, "sp", "2", 2, 2LL, 2LL);
	t_node(g, "Slice", "x,st,en,ax,sp", "s");
	t_init_i64(g, "st2", "1", 1, -1LL);
	t_init_i64(g, "en2", "1", 1, -INT64_MAX);
	t_init_i64(g, "ax2", "1", 1, 1LL);
	t_init_i64(g, "sp2", "1", 1, -1LL);
	t_node(g, "Slice", "x,st2,en2,ax2,sp2", "rev");
	nd = t_node(g, "Slice", "x", "s9");		/* opset < 10 form */
	t_attr_ints(g, nd, "starts", 1, 1LL);
	t_attr_ints(g, nd, "ends", 1, 1000LL);
	t_attr_ints(g, nd, "axes", 1, 1LL);
	t_init_i64(g, "pads", "8", 8, 0LL, 8LL, 0LL, 0LL, 0LL, 8LL, 0LL, 0LL);
	nd = t_node(g, "Pad", "s,pads,", "p");
	t_attr_s(g, nd, "mode", "constant");
	nd = t_node(g, "Pad", "x", "p2");			/* opset < 11 form */
	t_attr_ints(g, nd, "pads", 8, 0LL, 0LL, 1LL, 1LL, 0LL, 0LL, 1LL, 1LL);
	t_init_i64(g, "gi", "", 1, 3LL);
	nd = t_node(g, "Gather", "x,gi", "gt");
	t_attr_i(g, nd, "axis", 1);
	t_init_i64(g, "gi2", "2,3", 6, 0LL, 1LL, 2LL, 3LL, 4LL, 5LL);
	nd = t_node(g, "Gather", "x,gi2", "gt2");
	t_attr_i(g, nd, "axis", -1);
	t_init_f(g, "roi", "0");
	t_init(g, "scales", OPR_DT_FLOAT, "4", (float[]){ 1, 1, 2, 0.5f }, 16);
	t_node(g, "Resize", "x,roi,scales", "rs");
	t_init_i64(g, "sizes", "4", 4, 1LL, 16LL, 7LL, 9LL);
	t_node(g, "Resize", "x,,,sizes", "rz");
	INFER(g);
	EXPECT(g, "s", OPR_DT_FLOAT, "N,16,16,16");
	EXPECT(g, "rev", OPR_DT_FLOAT, "N,16,32,32");
	EXPECT(g, "s9", OPR_DT_FLOAT, "N,15,32,32");
	EXPECT(g, "p", OPR_DT_FLOAT, "N,32,16,16");
	EXPECT(g, "p2", OPR_DT_FLOAT, "N,16,34,34");
	EXPECT(g, "gt", OPR_DT_FLOAT, "N,32,32");
	EXPECT(g, "gt2", OPR_DT_FLOAT, "N,16,32,2,3");
	EXPECT(g, "rs", OPR_DT_FLOAT, "N,16,64,16");
	EXPECT(g, "rz", OPR_DT_FLOAT, "1,16,7,9");
	opr_graph_free(g);

	g = t_with_x("N,16,32,32");
	t_init_i64(g, "st", "1", 1, 0LL);
	t_init_i64(g, "sp", "1", 1, 0LL);
	t_node(g, "Slice", "x,st,st,,sp", "s");
	EXPECT_FAIL(g, "steps[0] = 0");
	g = t_with_x("N,16,32,32");
	t_init_i64(g, "gi", "", 1, 16LL);
	nd = t_node(g, "Gather", "x,gi", "y");
	t_attr_i(g, nd, "axis", 1);
	EXPECT_FAIL(g, "out of range");
	g = t_with_x("N,16,32,32");
	t_init_i64(g, "pads", "8", 8, 0LL, -20LL, 0LL, 0LL, 0LL, 0LL, 0LL, 0LL);
	t_node(g, "Pad", "x,pads", "y");
	EXPECT_FAIL(g, "negative");
	g = t_with_x("N,16,32,32");
	t_init_i64(g, "pads", "4", 4, 0LL, 0LL, 0LL, 0LL);
	t_node(g, "Pad", "x,pads", "y");
	EXPECT_FAIL(g, "pads must be 8");
}

static void test_linalg(void)
{
	struct opr_graph *g = t_with_x("N,64");
	int nd;

	t_init_f(g, "w", "10,64");
	t_init_f(g, "b", "10");
	nd = t_node(g, "Gemm", "x,w,b", "y");
	t_attr_i(g, nd, "transB", 1);
	t_init_f(g, "m", "64,5");
	t_node(g, "MatMul", "x,m", "mm");
	t_init_f(g, "m3", "3,64,7");
	t_node(g, "MatMul", "x,m3", "mm3");
	t_val(g, "z", OPR_DT_FLOAT, "N,8,6,6");
	nd = t_node(g, "ReduceMean", "z", "rm");
	t_attr_ints(g, nd, "axes", 2, 2LL, 3LL);
	t_attr_i(g, nd, "keepdims", 0);
	t_init_i64(g, "rax", "1", 1, -1LL);
	t_node(g, "ReduceMean", "z,rax", "rm2");
	t_node(g, "ReduceMean", "z", "rm3");
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,10");
	EXPECT(g, "mm", OPR_DT_FLOAT, "N,5");
	EXPECT(g, "mm3", OPR_DT_FLOAT, "3,N,7");
	EXPECT(g, "rm", OPR_DT_FLOAT, "N,8");
	EXPECT(g, "rm2", OPR_DT_FLOAT, "N,8,6,1");
	EXPECT(g, "rm3", OPR_DT_FLOAT, "1,1,1,1");
	opr_graph_free(g);

	g = t_with_x("N,64");
	t_init_f(g, "w", "10,63");
	nd = t_node(g, "Gemm", "x,w", "y");
	t_attr_i(g, nd, "transB", 1);
	EXPECT_FAIL(g, "inner dims");
	g = t_with_x("N,64");
	t_init_f(g, "w", "64,10");
	t_init_f(g, "c", "3");
	t_node(g, "Gemm", "x,w,c", "y");
	EXPECT_FAIL(g, "broadcast");
	g = t_with_x("N,8,6,6");
	t_init_i64(g, "rax", "1", 1, 4LL);
	t_node(g, "ReduceMean", "x,rax", "y");
	EXPECT_FAIL(g, "axes[0] = 4");
}

/* Unknown ops keep what the importer gave their outputs. */
static void test_unknown(void)
{
	struct opr_graph *g = t_with_x("N,3,8,8");

	t_node(g, "FancyOp", "x", "y");
	t_val(g, "k", OPR_DT_FLOAT, "?");
	t_set_shape(g, opr_graph_find_value(g, "y"), "N,5");
	g->values[opr_graph_find_value(g, "y")].dtype = OPR_DT_FLOAT;
	t_node(g, "Relu", "y", "r");
	t_node(g, "Relu", "k", "rk");
	INFER(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,5");
	EXPECT(g, "r", OPR_DT_FLOAT, "N,5");
	EXPECT(g, "rk", OPR_DT_FLOAT, "?");
	opr_graph_free(g);
}

/* Forms of opset 18: Split num_outputs, Pad axes, ReduceMean noop. */
static void test_opset18_forms(void)
{
	struct opr_graph *g = t_with_x("N,7,5");
	int nd;

	nd = t_node(g, "Split", "x", "a,b,c");
	t_attr_i(g, nd, "axis", 1);
	t_attr_i(g, nd, "num_outputs", 3);
	t_init_i64(g, "pads", "2", 2, 1LL, 2LL);
	t_init_i64(g, "axes", "1", 1, -1LL);
	t_node(g, "Pad", "x,pads,,axes", "p");
	t_init_i64(g, "none", "0", 0);
	nd = t_node(g, "ReduceMean", "x,none", "r");
	t_attr_i(g, nd, "noop_with_empty_axes", 1);
	INFER(g);
	EXPECT(g, "a", OPR_DT_FLOAT, "N,3,5");
	EXPECT(g, "c", OPR_DT_FLOAT, "N,1,5");
	EXPECT(g, "p", OPR_DT_FLOAT, "N,7,8");
	EXPECT(g, "r", OPR_DT_FLOAT, "N,7,5");
	opr_graph_free(g);
}

/* Every op of the table has a name that looks up to it and an infer slot. */
static void test_table(void)
{
	int i;

	for (i = 1; i < OPR_OP_COUNT; i++) {
		CHECK(opr_ops[i].name && (int)opr_op_lookup(opr_ops[i].name, "") == i);
		CHECK(opr_ops[i].infer != NULL);
	}
	CHECK(opr_op_lookup("Conv", "com.microsoft") == OPR_OP_UNKNOWN);
}

int main(void)
{
	test_table();
	test_opset18_forms();
	test_conv();
	test_conv_errors();
	test_convtranspose_pools();
	test_elementwise();
	test_shape_ops();
	test_shape_op_errors();
	test_index_ops();
	test_linalg();
	test_unknown();
	t_fold_tests();
	if (t_failures)
		fprintf(stderr, "test_infer: %d failure(s)\n", t_failures);
	else
		printf("test_infer: all passed\n");
	return t_failures != 0;
}
