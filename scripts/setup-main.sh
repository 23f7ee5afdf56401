#!/bin/bash
# setup-main.sh - from a clean clone on a fresh Debian 12, as root: install
# the build dependencies, build onnx-prune in build/, and run the main job
# on the default model models/fmnist_resnet20.onnx (info, then a round
# trip into out/ with a report, then info of the result).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/apt-install.sh cmake gcc make pkg-config libprotobuf-c-dev \
	protobuf-c-compiler libonnx-dev libopenblas-dev libpng-dev \
	dataset-fashion-mnist
cmake -S . -B build
cmake --build build -j "$(nproc)"

model=models/fmnist_resnet20.onnx
mkdir -p out
./build/onnx-prune info "$model"
./build/onnx-prune "$model" out/fmnist_resnet20.onnx \
	--report out/fmnist_resnet20.report.json
./build/onnx-prune info out/fmnist_resnet20.onnx
echo "setup-main: wrote out/fmnist_resnet20.onnx and out/fmnist_resnet20.report.json"
