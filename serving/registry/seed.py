"""Register the trained fraud models in the MLflow registry, reproducibly and idempotently.

    MLFLOW_TRACKING_URI=http://127.0.0.1:P .venv-mlflow/bin/python serving/registry/seed.py
    ... seed.py --candidate DIR   # also register a built candidate (serving/registry/candidates.py)

Each version of the registered model `fraud` carries what a deploy needs to judge it:
- the ONNX graph (logged with mlflow.onnx: MLmodel + model.onnx) and its signature, one
  column per feature in the order of serving/model_repository/feature_schema.json;
- the Triton files beside it in the run (`triton/config.pbtxt`, `triton/model.py`);
- the holdout metrics of serving/build/metrics.json (roc_auc, pr_auc, threshold) on the run;
- tags: the Triton model name it serves as, the ONNX sha256, the training data reference.

Set-up registers fraud_v1 (version 1, alias champion), fraud_v2 (2, challenger) and
fraud_fallback (3, fallback). A version whose ONNX sha256 is already registered is not
registered again, and an alias is only set when it is missing (a deploy may have moved it).
Prints one JSON line: {"registered": [...], "versions": {...}, "aliases": {...}}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import mlflow
import onnx
from mlflow import MlflowClient
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

ROOT = Path(__file__).resolve().parents[2]
SERVING = ROOT / "serving"
REPOSITORY = SERVING / "model_repository"
MODEL_NAME = "fraud"
EXPERIMENT = "fraud-training"
SEED_MODELS = [("fraud_v1", "champion"), ("fraud_v2", "challenger"), ("fraud_fallback", "fallback")]


def signature() -> ModelSignature:
    schema = json.loads((REPOSITORY / "feature_schema.json").read_text())
    inputs = [ColSpec("string" if f["type"] == "categorical" else "double", f["name"]) for f in schema["features"]]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema([ColSpec("double", schema["output"])]))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def existing_versions(client: MlflowClient) -> dict[str, str]:
    """onnx_sha256 -> version, for every registered version of `fraud`."""
    found = {}
    for mv in client.search_model_versions(f"name='{MODEL_NAME}'"):
        digest = mv.tags.get("onnx_sha256")
        if digest:
            found[digest] = mv.version
    return found


def register(client: MlflowClient, model_dir: Path, metrics: dict, tags: dict, description: str) -> str:
    onnx_path = model_dir / "1" / "model.onnx"
    digest = sha256(onnx_path)
    known = existing_versions(client)
    if digest in known:
        return known[digest]
    with mlflow.start_run(run_name=tags["triton_model"]) as run:
        mlflow.log_metrics({f"holdout_{k}": float(v) for k, v in metrics.items() if isinstance(v, (int, float))})
        mlflow.log_params({"triton_model": tags["triton_model"], "training_data": tags["training_data"]})
        mlflow.log_artifact(str(model_dir / "config.pbtxt"), "triton")
        mlflow.log_artifact(str(model_dir / "1" / "model.py"), "triton")
        info = mlflow.onnx.log_model(onnx.load(str(onnx_path)), name="model", signature=signature())
        version = mlflow.register_model(info.model_uri, MODEL_NAME, tags={**tags, "onnx_sha256": digest})
        client.update_model_version(MODEL_NAME, version.version, description=description)
    return version.version


def training_reference() -> dict:
    train = SERVING / "data" / "train.csv"
    dataset = json.loads((SERVING / "build" / "metrics.json").read_text()).get("dataset", {})
    return {
        "training_data": "serving/data/train.csv",
        "training_data_sha256": sha256(train) if train.exists() else "missing",
        "training_seed": str(dataset.get("seed", "")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", type=Path, action="append", default=[],
                        help="a candidate dir written by candidates.py (repeatable)")
    args = parser.parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        sys.exit("seed.py: set MLFLOW_TRACKING_URI to the registry (e.g. http://127.0.0.1:5000)")
    mlflow.set_experiment(EXPERIMENT)
    client = MlflowClient()
    try:
        client.get_registered_model(MODEL_NAME)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(MODEL_NAME, description="Card-fraud score P(fraud) for one transaction.")

    registered, reference = [], training_reference()
    # The trained models first (idempotent), so they hold versions 1-3 on a fresh registry.
    metrics = json.loads((SERVING / "build" / "metrics.json").read_text())
    for triton_model, alias in SEED_MODELS:
        version = register(client, REPOSITORY / triton_model, metrics[triton_model],
                           {**reference, "triton_model": triton_model}, f"{triton_model} from serving/models/train.py")
        registered.append(version)
        model = client.get_registered_model(MODEL_NAME)
        if alias not in (model.aliases or {}):
            client.set_registered_model_alias(MODEL_NAME, alias, version)
    candidates = {}
    for directory in args.candidate:
        meta = json.loads((directory / "candidate.json").read_text())
        version = register(client, directory, meta["metrics"],
                           {**reference, "triton_model": "", "candidate": meta.get("name", meta["kind"])}, meta["description"])
        registered.append(version)
        candidates[meta.get("name", meta["kind"])] = version
    model = client.get_registered_model(MODEL_NAME)
    versions = {mv.version: mv.tags.get("triton_model") or mv.tags.get("candidate", "")
                for mv in client.search_model_versions(f"name='{MODEL_NAME}'")}
    print(json.dumps({"registered": registered, "versions": versions, "candidates": candidates,
                      "aliases": dict(model.aliases or {})}))


if __name__ == "__main__":
    main()
