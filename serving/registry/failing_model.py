"""A deliberately failing candidate (tests and the game day): the fraud_v2 graph behind a
python backend that serves its first FAIL_AFTER (400) requests, then fails every request, the way
a model with a leak or a bad dependency passes validation and breaks under live traffic.

Triton answers those requests with an error; the gateway's fallback tiers answer the users;
the deploy's canary sees the variant's errors and rolls it back.
"""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils

# Above validation's probe (200 calls + 1): the failure comes with live traffic.
FAIL_AFTER = 400


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        version_dir = Path(args["model_repository"]) / args["model_version"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(version_dir / "model.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = config["input"][0]["name"]
        self.output_name = config["output"][0]["name"]
        self.served = 0

    def execute(self, requests):
        self.served += len(requests)
        if self.served > FAIL_AFTER:
            return [pb_utils.InferenceResponse(error=pb_utils.TritonError("candidate failure: resource exhausted"))
                    for _ in requests]
        batches = [pb_utils.get_input_tensor_by_name(r, self.input_name).as_numpy() for r in requests]
        sizes = [b.shape[0] for b in batches]
        scores = self.session.run([self.output_name],
                                  {"features": np.concatenate(batches).astype(np.float32)})[0]
        responses, start = [], 0
        for size in sizes:
            out = pb_utils.Tensor(self.output_name, scores[start:start + size].astype(np.float32))
            responses.append(pb_utils.InferenceResponse(output_tensors=[out]))
            start += size
        return responses
