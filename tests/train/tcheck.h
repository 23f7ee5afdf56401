/*
 * tcheck.h - what the training tests share: a builder for small graphs in
 * C, an independent double-precision reference forward (tref.c), and the
 * gradient check (tcheck.c): the engine's float gradients of the input and
 * of every trainable tensor against central finite differences of the
 * reference's loss, in double.
 *
 * Why a reference in double rather than finite differences of the engine
 * itself: a float forward has a rounding noise of about 1e-7 of the loss,
 * so a float difference quotient needs eps ~1e-2 and then carries a
 * truncation error of order eps^2 and jumps at every ReLU or max kink that
 * the step crosses.  In double the step can be 1e-6: truncation ~1e-12,
 * rounding ~1e-10 of the loss, kinks are almost never crossed (at 1e-5
 * one was, in ShuffleNet: a 1 % jump), and what remains of the difference
 * between the two numbers is the engine's own float error.
 * The reference is written separately (naive loops over multi-indices,
 * shapes from the graph's shape inference), so it also checks the
 * engine's forward.
 */
#ifndef OPR_TESTS_TCHECK_H
#define OPR_TESTS_TCHECK_H

#include <stdint.h>

#include "ir.h"
#include "train/train.h"
#include "../common/tdie.h"

extern int tc_failures;		/* checks failed so far */

#define TC_CHECK(c, ...)						\
	do {								\
		if (!(c)) {						\
			tc_failures++;					\
			printf("FAIL %s:%d: ", __func__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

/*
 * What the helpers (tbuild.c, tref.c, tref_layers.c) do when a library
 * call or an allocation fails, or a model cannot be what a test asked
 * for: print "file:line: message" to stderr and abort(), so a test model
 * that was not built right never runs (ctest reports the abort as a
 * failure).  TC_NEED(p, ...) returns p, or dies with the message when p
 * is NULL.
 */
#define TC_DIE(...) TDIE(__VA_ARGS__)
#define TC_NEED(p, ...) tc_need((p), __FILE__, __LINE__, __VA_ARGS__)
void *tc_need(void *p, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- random numbers (tcheck.c) ---- */

/* Uniform in [-1, 1) with 24 random bits. */
float tc_rand(unsigned *s);

/* Uniform in [-1, 1) but at least gap away from each of the n kinks. */
float tc_rand_away(unsigned *s, const float *kinks, int n, float gap);

/* ---- graph builder (tbuild.c) ---- */

/* A new graph with input "x" of dims d (-1: the batch). */
struct opr_graph *tb_new(int rank, const int64_t *d);

/* Adds a float initializer of random values * scale + add; returns it. */
int tb_init(struct opr_graph *g, const char *name, int rank,
	    const int64_t *d, unsigned *seed, float scale, float add);

/* Adds an int64 initializer of n values; returns it. */
int tb_ints(struct opr_graph *g, const char *name, int n, const int64_t *v);

/* Adds a float initializer of n given values; returns it. */
int tb_floats(struct opr_graph *g, const char *name, int rank,
	      const int64_t *d, const float *v);

/*
 * Adds node op reading the values named in ins (NULL or "" for an omitted
 * input, a name not yet in the graph is an error) and writing the nout
 * outputs named out (made here); returns the node index.
 */
int tb_node(struct opr_graph *g, const char *op, const char *const *ins,
	    int nin, const char *const *outs, int nout);

/* Attributes on node i. */
void tb_attr_i(struct opr_graph *g, int i, const char *name, int64_t v);
void tb_attr_f(struct opr_graph *g, int i, const char *name, float v);
void tb_attr_ints(struct opr_graph *g, int i, const char *name, int n,
		  const int64_t *v);
void tb_attr_s(struct opr_graph *g, int i, const char *name, const char *s);

/*
 * Makes value name output 0 and runs shape inference.  Returns 0, or -1
 * (printed) on an error.
 */
int tb_finish(struct opr_graph *g, const char *name);

/* Value index of name (-1 when absent). */
int tb_val(const struct opr_graph *g, const char *name);

/* ---- double reference (tref.c) ---- */

struct tref;

/*
 * A reference of g for n images (dims of -1 in the inferred shapes take
 * n); training 1: BatchNormalization with batch statistics (biased
 * variance), 0: with the running ones.  NULL (printed) when it lacks an
 * op.
 */
struct tref *tref_new(const struct opr_graph *g, int n, int training);
void tref_free(struct tref *r);

/* The double copy of value v (input, initializer or computed) and its size. */
double *tref_val(struct tref *r, int v, int64_t *numel);

/* Runs nodes [from, end) in order (after the input or a tensor changed). */
void tref_run(struct tref *r, int from);

/* Index of the first node that reads value v (n_nodes when none). */
int tref_first_reader(const struct tref *r, int v);

/* ---- the gradient check (tcheck.c) ---- */

/* One check: a graph, a batch, and a loss. */
struct tc_case {
	const char *name;	/* printed */
	struct opr_graph *g;	/* finished (tb_finish) or imported */
	int n;			/* batch */
	const float *x;		/* input, n images */
	const int *labels;	/* softmax cross-entropy when non-NULL, else
				   sum(r . y) with r random */
	int max_coords;		/* per tensor; 0: all coordinates */
	int max_tensors;	/* trainable tensors checked, spread over the
				   graph; 0: all */
	int input_coords;	/* input coordinates; 0: all, -1: none */
	double tol;		/* largest relative error allowed */
	int threads[2];		/* engine thread counts to check */
	int bn_frozen;		/* BatchNormalization with the running
				   statistics (OPR_TRAIN_BN_FROZEN) */
	unsigned seed;		/* coordinates, r */
};

/*
 * Runs the check: the engine (at each thread count, BN statistics from
 * the batch, running ones untouched) against the reference: output, then
 * every checked coordinate's gradient against the central difference
 * (step 1e-6) of the reference's loss.  The relative error of a
 * coordinate is |g - fd| / max(|g|, |fd|, 1e-3 * max |fd| of its tensor,
 * 1e-4 * max |fd| of the case, 1e-7): a gradient that is exactly zero
 * (a bias that a following BatchNormalization cancels) is compared with
 * the scale of the others, not with its own rounding noise.  Prints one line per tensor and a summary; counts failures.
 * Returns the largest relative error seen.
 */
double tc_run(const struct tc_case *c);

/* Largest error seen per op name over all tc_run calls (for the summary). */
void tc_note(const char *op, double err);
void tc_print_notes(void);

#endif
