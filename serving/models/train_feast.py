"""Train a candidate fraud model on point-in-time rows from the feature store (issue 15).

    .venv/bin/python serving/models/train_feast.py --training-set CSV [--out DIR] [--matrix-out CSV]

The committed models (train.py) learn from a generated table in which every feature is already
known. This trainer learns the way a production team must: from labelled transactions whose
entity features were joined by the feature store as of each transaction's time
(`feast_tool.py training-set`, get_historical_features), so no row sees a value from its future.
It does not touch the three served models or their outputs.

Rows: the training set's 13 features in dataset.py order, categoricals coded by the schema,
an empty cell (no value within the view's TTL) filled with the schema's default, as the gateway
fills a store miss. Split by time: the newest 20% of events are the test set, so the score
says how the model does on transactions after the ones it learned from.

Writes DIR/fraud_feast/1/model.onnx (the served models' interface: `features` FP32 [-1, 13] ->
`score` FP32 [-1, 1]) and DIR/fraud_feast/metrics.json; --matrix-out writes the exact matrix
fitted and tested (event_id, split, 13 features, is_fraud), the evidence of what the trainer consumed.
Prints one JSON line: rows, positives, train/test sizes, ROC AUC and PR AUC on the test split.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset import FEATURE_NAMES, FEATURES  # noqa: E402
from train import SEED, export_score_onnx  # noqa: E402

SERVING = Path(__file__).resolve().parents[1]
TEST_SHARE = 0.2


def encode(name: str, cell: str) -> float:
    """One CSV cell as the model reads it; an empty cell is the schema default (a store miss)."""
    feature = FEATURES[FEATURE_NAMES.index(name)]
    value = feature["default"] if cell == "" else cell
    if feature["type"] == "categorical":
        if value not in feature["categories"]:
            raise SystemExit(f"{name}={value!r} is not one of {feature['categories']} (feature_schema.json)")
        return float(feature["categories"].index(value))
    return float(value)


def load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(event_id, event time as ISO text, X float32 [n, 13], y) from a training-set CSV."""
    with path.open() as f:
        reader = csv.DictReader(f)
        missing = [c for c in ["event_id", "event_timestamp", *FEATURE_NAMES, "is_fraud"] if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path} lacks columns {missing}: write it with `feast_tool.py training-set`")
        rows = list(reader)
    if not rows:
        raise SystemExit(f"{path} has no rows")
    ids = np.array([int(r["event_id"]) for r in rows])
    times = np.array([r["event_timestamp"] for r in rows])
    X = np.array([[encode(n, r[n]) for n in FEATURE_NAMES] for r in rows], dtype=np.float32)
    y = np.array([int(r["is_fraud"]) for r in rows], dtype=np.int64)
    return ids, times, X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--training-set", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=SERVING / "build" / "feast")
    parser.add_argument("--matrix-out", type=Path)
    args = parser.parse_args()

    ids, times, X, y = load(args.training_set)
    # Time order (ISO-8601 UTC text sorts as time): learn from the past, test on the future.
    order = np.argsort(times, kind="stable")
    ids, X, y = ids[order], X[order], y[order]
    cut = int(len(y) * (1 - TEST_SHARE))
    if y[:cut].sum() == 0 or y[cut:].sum() == 0 or y[:cut].sum() == cut:
        raise SystemExit(f"{args.training_set}: both classes are needed in the train and the test split "
                         f"(positives {int(y[:cut].sum())}/{cut} and {int(y[cut:].sum())}/{len(y) - cut})")
    pipeline = Pipeline([("model", HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.08, max_leaf_nodes=31, random_state=SEED))])
    pipeline.fit(X[:cut], y[:cut])
    scores = pipeline.predict_proba(X[cut:])[:, 1]
    metrics = {
        "rows": int(len(y)), "positives": int(y.sum()), "train_rows": cut, "test_rows": int(len(y) - cut),
        "roc_auc": round(float(roc_auc_score(y[cut:], scores)), 4),
        "pr_auc": round(float(average_precision_score(y[cut:], scores)), 4),
        "training_set": str(args.training_set),
    }
    model_dir = args.out / "fraud_feast"
    (model_dir / "1").mkdir(parents=True, exist_ok=True)
    onnx.save(export_score_onnx(pipeline, X[:cut]), str(model_dir / "1" / "model.onnx"))
    (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    if args.matrix_out:
        args.matrix_out.parent.mkdir(parents=True, exist_ok=True)
        with args.matrix_out.open("w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["event_id", "split", *FEATURE_NAMES, "is_fraud"])
            for i in range(len(y)):
                w.writerow([int(ids[i]), "train" if i < cut else "test", *(repr(float(v)) for v in X[i]), int(y[i])])
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
