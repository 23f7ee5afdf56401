/*
 * window.h - the window geometry of Conv, MaxPool and AveragePool, shared
 * by the runtime (src/runtime) and the training engine (src/train): reads
 * kernel_shape, strides, dilations, pads, auto_pad and ceil_mode and
 * computes the output size of each spatial axis, following the ONNX spec
 * (and, for ceil_mode, the rule that the last window must start inside
 * the input or its begin padding, as PyTorch and ONNX Runtime do).  A 1-D
 * op is laid out as 2-D with H = 1.  Also the checks of a Conv's
 * channels, groups, kernel and bias against its weight.
 */
#ifndef OPR_WINDOW_H
#define OPR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct opr_node;

/* Window geometry of a Conv or pool over 1 or 2 spatial axes. */
struct opr_window {
	int ns;				/* spatial axes in the model (1 or 2) */
	int64_t in[2];			/* input H, W (H = 1 for 1-D) */
	int64_t k[2];			/* kernel */
	int64_t s[2];			/* strides */
	int64_t d[2];			/* dilations */
	int64_t pb[2], pe[2];		/* pads at begin and end */
	int64_t out[2];			/* output H, W */
};

/*
 * Fills w for node n reading an input of rank xr whose spatial dims are
 * xs[0 .. xr - 2): kernel_shape from the node, or kernel when the node has
 * none (NULL: kernel_shape is required); ceil_mode only when is_pool.
 * Returns OPR_OK, or OPR_ESHAPE / OPR_EUNSUPPORTED (rank other than 3 or
 * 4) with the reason in why (always NUL-terminated; the caller adds the
 * node's name).
 */
int opr_window_read(const struct opr_node *n, int xr, const int64_t *xs,
		    const int64_t *kernel, int is_pool, struct opr_window *w,
		    char *why, size_t len);

/*
 * Reads the window of Conv node n (opr_window_read() with the weight's
 * spatial dims as the kernel) into w and its "group" attribute into
 * *group, and checks them against the input (rank xr >= 3, dims xd), the
 * weight (dims wd, rank xr) and the bias (bias_n < 0: none; else its
 * dtype and value count): group >= 1 dividing the input and output
 * channels, wd[1] = input channels / group, kernel_shape equal to the
 * weight's, a float bias of wd[0] values.  Returns OPR_OK, or what
 * opr_window_read() returns, or OPR_ESHAPE, with the reason in why
 * (NUL-terminated; the caller adds the node's name).
 */
int opr_conv_read(const struct opr_node *n, int xr, const int64_t *xd,
		  const int64_t *wd, int bias_dtype, int64_t bias_n,
		  struct opr_window *w, int64_t *group, char *why, size_t len);

#endif
