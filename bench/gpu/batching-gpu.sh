#!/usr/bin/env bash
# One short GPU run (about 5 minutes; TensorRT builds its engine at the first load and at each
# controller reload): Triton's dynamic batching on vs off and the adaptive
# batching controller on vs off, on the production configuration (serving/model_repository_gpu:
# onnxruntime on the GPU, TensorRT FP16, preferred 8/16/32, 10 ms, max 32). Records throughput,
# p50/p99, average batch, queue and compute time and GPU utilization (Triton's nv_gpu_utilization,
# plus an nvidia-smi log) into $OUT (the device run's output folder; default ./gpu-out).
# Run: OUT=/some/dir TRITONSERVER=/opt/tritonserver/bin/tritonserver bench/gpu/batching-gpu.sh
#
# Needs: an NVIDIA GPU with nvidia-smi; Node 24 (node on PATH) and this repository's
# node_modules; a tritonserver with the onnxruntime backend (TRITONSERVER, default
# /opt/tritonserver/bin/tritonserver as in nvcr.io/nvidia/tritonserver:24.10-py3, Triton 2.51);
# serving/model_repository_gpu with its model.onnx files and serving/data/test.csv (scripts/setup.sh).
# Not yet run: no GPU was lent to the session that wrote it (issue 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"
TRITONSERVER="${TRITONSERVER:-/opt/tritonserver/bin/tritonserver}"
mkdir -p "$OUT"
command -v nvidia-smi >/dev/null || { echo "batching-gpu: nvidia-smi not found; this check needs an NVIDIA GPU" >&2; exit 2; }
[[ -x "$TRITONSERVER" ]] || { echo "batching-gpu: no tritonserver at $TRITONSERVER; set TRITONSERVER" >&2; exit 2; }
[[ -f serving/model_repository_gpu/fraud_v1/1/model.onnx ]] || { echo "batching-gpu: serving/model_repository_gpu has no model.onnx; run scripts/setup.sh" >&2; exit 2; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.csv"
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -lms 500 > "$OUT/nvidia-smi.csv" &
SMI=$!
trap 'kill "$SMI" 2>/dev/null || true' EXIT
cat /proc/loadavg > "$OUT/loadavg.txt"
node bench/gpu/batching-gpu.ts --tritonserver "$TRITONSERVER" --out "$OUT/batching-gpu.json" "$@"
cat /proc/loadavg >> "$OUT/loadavg.txt"
echo "batching-gpu: wrote $OUT/batching-gpu.json"
