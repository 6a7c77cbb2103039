"""Build a candidate version of the fraud model for deploy tests and the game day.

    .venv/bin/python serving/registry/candidates.py --kind bad --out DIR
    .venv/bin/python serving/registry/candidates.py --kind failing --out DIR
    .venv/bin/python serving/registry/candidates.py --kind good --out DIR

Then register it: MLFLOW_TRACKING_URI=... .venv-mlflow/bin/python serving/registry/seed.py --candidate DIR
(`steadystate registry candidate --kind K` does both). Runs in .venv (scikit-learn, onnx).

- bad:     a depth-2 decision tree on the same seeded training split: a real model whose
           holdout ROC AUC falls well below the champion's, so validation refuses it.
- failing: fraud_v2's graph (its holdout metrics beat the champion's, validation passes)
           behind serving/registry/failing_model.py, which fails every request after its
           first 400: the canary's guardrail must roll it back.
- good:    fraud_v2's graph behind the ordinary python backend, registered as a new version:
           what a retrain that changed nothing would give; it must ship all the way.
Each candidate's ONNX carries its name in doc_string, so its sha256 (the registry's
idempotence key) differs from every seeded version's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "serving" / "models"))
from dataset import FEATURES, generate  # noqa: E402
from repository import config_pbtxt  # noqa: E402

SERVING = ROOT / "serving"


def bad_candidate() -> tuple[onnx.ModelProto, dict]:
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.tree import DecisionTreeClassifier
    from train import N_ROWS, SEED, export_score_onnx

    X, y = generate(N_ROWS, SEED)
    a, b = int(0.6 * N_ROWS), int(0.8 * N_ROWS)
    pipeline = Pipeline([("model", DecisionTreeClassifier(max_depth=2, random_state=SEED))])
    pipeline.fit(X[:a], y[:a])
    scores = pipeline.predict_proba(X[b:])[:, 1]
    threshold = float(np.quantile(pipeline.predict_proba(X[a:b])[:, 1], 0.99))
    metrics = {"roc_auc": round(float(roc_auc_score(y[b:], scores)), 4),
               "pr_auc": round(float(average_precision_score(y[b:], scores)), 4), "threshold": round(threshold, 6)}
    return export_score_onnx(pipeline, X[:a]), metrics


def v2_graph() -> tuple[onnx.ModelProto, dict]:
    metrics = json.loads((SERVING / "build" / "metrics.json").read_text())["fraud_v2"]
    return onnx.load(str(SERVING / "model_repository" / "fraud_v2" / "1" / "model.onnx")), dict(metrics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=["bad", "failing", "good"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="the candidate's name (default: the kind); a second good one: good-2")
    args = parser.parse_args()
    model, metrics = bad_candidate() if args.kind == "bad" else v2_graph()
    name = args.name or args.kind
    model.doc_string = f"steadystate candidate {name}"
    out = args.out
    (out / "1").mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out / "1" / "model.onnx"))
    backend = ROOT / "serving" / ("registry/failing_model.py" if args.kind == "failing" else "models/triton_python_model.py")
    shutil.copyfile(backend, out / "1" / "model.py")
    (out / "config.pbtxt").write_text(config_pbtxt("fraud_candidate", len(FEATURES), metrics["threshold"], False))
    description = {"bad": "depth-2 tree: lower holdout AUC (validation must refuse it)",
                   "failing": "fraud_v2 graph that fails after 400 requests (the canary must roll it back)",
                   "good": "fraud_v2 graph as a new version (it must ship)"}[args.kind]
    (out / "candidate.json").write_text(json.dumps({"kind": args.kind, "name": name, "description": description, "metrics": metrics}))
    print(json.dumps({"kind": args.kind, "out": str(out), "metrics": metrics}))


if __name__ == "__main__":
    main()
