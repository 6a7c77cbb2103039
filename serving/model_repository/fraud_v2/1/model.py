"""Triton python-backend model: evaluates this version's model.onnx with onnxruntime.

The CPU stand-in for the production onnxruntime backend (which runs the same file on a
GPU): same inputs, same outputs, same ONNX graph. Copied into each model version by
serving/models/train.py. Triton's dynamic batcher hands execute() several requests at
once; they are concatenated into one onnxruntime call, which is the point of batching.
"""

import json
import os
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        version_dir = Path(args["model_repository"]) / args["model_version"]
        options = ort.SessionOptions()
        # One thread per instance: Triton scales with instance_group, not inside a call.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(version_dir / "model.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = config["input"][0]["name"]
        self.output_name = config["output"][0]["name"]
        # Emulated accelerator time, for benchmarks on CPU-only machines (never set in serving):
        # with no device to bound the model's throughput, bench/overload.ts holds each instance
        # this long per row, as a saturated GPU would, while the real model still runs. Sleeping
        # costs no CPU, so the gateway and the load generator keep theirs.
        self.device_seconds_per_row = float(os.environ.get("STEADYSTATE_EMULATED_DEVICE_MS_PER_ROW", "0")) / 1000

    def execute(self, requests):
        batches = [pb_utils.get_input_tensor_by_name(r, self.input_name).as_numpy() for r in requests]
        sizes = [b.shape[0] for b in batches]
        scores = self.session.run([self.output_name],
                                  {"features": np.concatenate(batches).astype(np.float32)})[0]
        if self.device_seconds_per_row > 0:
            time.sleep(self.device_seconds_per_row * sum(sizes))
        responses, start = [], 0
        for size in sizes:
            out = pb_utils.Tensor(self.output_name, scores[start:start + size].astype(np.float32))
            responses.append(pb_utils.InferenceResponse(output_tensors=[out]))
            start += size
        return responses
