/*
 * graph_dsl.h - helpers the shape-inference and folding unit tests use to
 * build graphs by hand and check the results.
 *
 * A shape is written as a string: "N,3,32,32" (a name is a symbolic dim),
 * "?" for an unknown rank, "" for a scalar.  Node inputs and outputs are
 * comma-separated value names, "" for an omitted optional input; values
 * named there are created (unknown) when they do not exist yet.  Every
 * check that fails prints a line and bumps t_failures.
 */
#ifndef OPR_TEST_GRAPH_DSL_H
#define OPR_TEST_GRAPH_DSL_H

#include <stdint.h>
#include <stdio.h>

#include "infer.h"

/* Number of failed checks so far. */
extern int t_failures;

/* Sets value v's shape from a shape string. */
void t_set_shape(struct opr_graph *g, int v, const char *s);

/* Adds a value name of dtype and shape string; returns its index. */
int t_val(struct opr_graph *g, const char *name, int dtype, const char *shape);

/* Adds an initializer with the given shape and nbytes of data (copied). */
int t_init(struct opr_graph *g, const char *name, int dtype,
	   const char *shape, const void *data, size_t nbytes);

/* int64 initializer; n int64_t values follow (pass them as 1LL etc.). */
int t_init_i64(struct opr_graph *g, const char *name, const char *shape,
	       int n, ...);

/* float initializer of zeros (at most 65536 elements). */
int t_init_f(struct opr_graph *g, const char *name, const char *shape);

/* Adds node op with inputs and outputs from comma lists; returns its index. */
int t_node(struct opr_graph *g, const char *op, const char *ins,
	   const char *outs);

/* Attribute setters on node nd. */
void t_attr_i(struct opr_graph *g, int nd, const char *name, int64_t v);
void t_attr_ints(struct opr_graph *g, int nd, const char *name, int n, ...);
void t_attr_s(struct opr_graph *g, int nd, const char *name, const char *s);

/* Sets the graph inputs / outputs to the listed values. */
void t_inputs(struct opr_graph *g, const char *list);
void t_outputs(struct opr_graph *g, const char *list);

/* Checks value name's shape string and (when dtype > 0) dtype. */
void t_expect(const struct opr_graph *g, const char *name, int dtype,
	      const char *shape, int line);

/* Runs inference, checks OPR_ESHAPE mentioning word, frees g. */
void t_expect_fail(struct opr_graph *g, const char *word, int line);

/* Runs inference / folding (plus verify) and checks they succeed. */
void t_run_infer(struct opr_graph *g, int line);
void t_run_fold(struct opr_graph *g, int line);

/* A new graph whose input x (float) has the given shape. */
struct opr_graph *t_with_x(const char *shape);

/* A graph Conv(x, w) -> y; *nd is the Conv node for attributes. */
struct opr_graph *t_conv(const char *xs, const char *ws, int *nd);

/* The folding tests (tests/infer/test_fold_cases.c). */
void t_fold_tests(void);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
	__FILE__, __LINE__, #c); t_failures++; } } while (0)
#define EXPECT(g, name, dt, shape) t_expect(g, name, dt, shape, __LINE__)
#define EXPECT_FAIL(g, word) t_expect_fail(g, word, __LINE__)
#define INFER(g) t_run_infer(g, __LINE__)
#define FOLD(g) t_run_fold(g, __LINE__)

#endif
