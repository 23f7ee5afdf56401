#!/bin/sh
# make_corpus.sh - fills a seed corpus for fuzz_import (git-ignored).
#
#   tests/fuzz/make_corpus.sh [DEST]     (default: build-fuzz/seeds)
#
# Seeds: every shared model (/work/shared/models/*.onnx, or $OPR_MODELS),
# the repository's models/, and a spread of ONNX backend node tests
# ($OPR_NODE_TESTS, default /work/shared/data/onnx-node-tests) covering the
# ops the op table knows.  Files are copied, never linked, so the fuzzer
# can never write into the shared folders.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/build-fuzz/seeds}
models=${OPR_MODELS:-/work/shared/models}
nodes=${OPR_NODE_TESTS:-/work/shared/data/onnx-node-tests}

mkdir -p "$dest"
for f in "$models"/*.onnx "$root"/models/*.onnx; do
	[ -f "$f" ] && cp "$f" "$dest/model_$(basename "$f")"
done
for t in test_add_bcast test_averagepool_2d_pads test_batchnorm_example \
	 test_clip_splitbounds test_concat_2d_axis_negative_1 test_constant_pad \
	 test_conv_with_strides_and_asymmetric_padding test_convtranspose_pads \
	 test_dropout_default_mask_ratio test_flatten_negative_axis2 \
	 test_gather_2d_indices test_gemm_all_attributes test_globalmaxpool \
	 test_hardswish test_leakyrelu test_matmul_4d test_maxpool_2d_same_lower \
	 test_prelu_broadcast test_reshape_zero_and_negative_dim \
	 test_resize_upsample_sizes_nearest test_shape_start_1_end_negative_1 \
	 test_slice_neg_steps test_softmax_negative_axis \
	 test_split_variable_parts_2d test_squeeze_negative_axes test_sum_example \
	 test_transpose_all_permutations_3 test_unsqueeze_unsorted_axes; do
	[ -f "$nodes/$t/model.onnx" ] && cp "$nodes/$t/model.onnx" "$dest/node_$t.onnx"
done
chmod u+w "$dest"/*
ls "$dest" | wc -l
