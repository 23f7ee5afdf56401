#!/bin/bash
# test.sh - from a clean clone on a fresh Debian 12, as root: install the
# build and test dependencies (onnxruntime-node into tools/ort/), build
# with -Werror and run the CTest suite, then build with AddressSanitizer
# and UBSan in build-asan/ and run the suite there too.  .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/apt-install.sh cmake gcc make pkg-config libprotobuf-c-dev \
	protobuf-c-compiler libonnx-dev libopenblas-dev libpng-dev \
	dataset-fashion-mnist python3-onnx python3-numpy clang nodejs npm

# onnxruntime-node's install script downloads GPU files: --ignore-scripts.
ort=tools/ort/node_modules/onnxruntime-node/package.json
if ! grep -q '"version": "1.30.0"' "$ort" 2> /dev/null; then
	npm install --prefix tools/ort --ignore-scripts --no-package-lock \
		--no-audit --no-fund
fi

# OPR_BUILD / OPR_BUILD_ASAN pick other build directories (default: build,
# build-asan), e.g. to leave a developer's own build alone.
jobs=$(nproc)
build=${OPR_BUILD:-build}
asan=${OPR_BUILD_ASAN:-build-asan}
cmake -S . -B "$build" -DOPR_WERROR=ON
cmake --build "$build" -j "$jobs"
(cd "$build" && ctest --output-on-failure -j "$jobs")

# Tests labelled "slow" (whole networks over real data) run in the normal
# build only: under the sanitizers they would take most of CI's time.
cmake -S . -B "$asan" -DOPR_WERROR=ON -DOPR_SANITIZE=ON
cmake --build "$asan" -j "$jobs"
(cd "$asan" && ctest --output-on-failure -j "$jobs" -LE slow)
