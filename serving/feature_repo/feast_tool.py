"""The project's Feast operations, one subcommand each, for the set-up, the game day and tests.

    .venv-feast/bin/python serving/feature_repo/feast_tool.py <command> [options]

Environment: STEADYSTATE_FEAST_DATA (offline store + registry folder, default
serving/data/feast) and STEADYSTATE_FEAST_REDIS (host:port of the online store).

  online --users N | --ids FILE   get_online_features through the feature service, one JSON
                                  line per user: {"user_id", "features": {name: value|null}}
  historical --entities FILE      get_historical_features (point-in-time join) for JSON lines
                                  {"user_id", "ts"}; one JSON line per input row, in order:
                                  {"user_id", "ts", "features": {name: value|null}}


  write-online --window-days D    recompute the velocity features from transactions.parquet
                                  over D days and write them to the online store (a serving
                                  pipeline; D != 30 is the deliberate train/serve skew)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE / "repo"
os.environ.setdefault("STEADYSTATE_FEAST_DATA", str(HERE.parents[0] / "data" / "feast"))

SERVICE = "fraud_v1"


def store():
    from feast import FeatureStore
    if "STEADYSTATE_FEAST_REDIS" not in os.environ:
        raise SystemExit("set STEADYSTATE_FEAST_REDIS=host:port (the feature-store Redis)")
    return FeatureStore(repo_path=str(REPO))


def clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v


def cmd_online(args) -> None:
    fs = store()
    if args.ids:
        ids = [line.strip() for line in Path(args.ids).read_text().splitlines() if line.strip()]
    else:
        ids = [f"user-{i}" for i in range(args.users)]
    service = fs.get_feature_service(args.service)
    names = [f.name for p in service.feature_view_projections for f in p.features]
    out = sys.stdout
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        res = fs.get_online_features(features=service, entity_rows=[{"user_id": u} for u in chunk]).to_dict()
        for i, u in enumerate(chunk):
            out.write(json.dumps({"user_id": u, "features": {n: clean(res[n][i]) for n in names}}) + "\n")


def cmd_historical(args) -> None:
    import pandas as pd
    fs = store() if "STEADYSTATE_FEAST_REDIS" in os.environ else None
    if fs is None:
        os.environ["STEADYSTATE_FEAST_REDIS"] = "127.0.0.1:1"  # offline only: Redis never contacted
        fs = store()
    rows = [json.loads(line) for line in Path(args.entities).read_text().splitlines() if line.strip()]
    entity_df = pd.DataFrame({
        "user_id": [r["user_id"] for r in rows],
        "event_timestamp": pd.to_datetime([r["ts"] for r in rows], utc=True),
        "row": range(len(rows)),
    })
    service = fs.get_feature_service(args.service)
    names = [f.name for p in service.feature_view_projections for f in p.features]
    df = fs.get_historical_features(entity_df=entity_df, features=service).to_df().sort_values("row")
    for r in df.itertuples(index=False):
        d = r._asdict()
        sys.stdout.write(json.dumps({"user_id": d["user_id"], "ts": rows[d["row"]]["ts"],
                                     "features": {n: clean(d[n]) for n in names}}) + "\n")


def cmd_write_online(args) -> None:
    import pandas as pd
    fs = store()
    data = Path(os.environ["STEADYSTATE_FEAST_DATA"])
    tx = pd.read_parquet(data / "transactions.parquet")
    velocity = pd.read_parquet(data / "user_velocity.parquet")
    latest = velocity[velocity["event_timestamp"] == velocity["event_timestamp"].max()].copy()
    now = latest["event_timestamp"].iloc[0]
    recent = tx[(tx["event_timestamp"] > now - pd.Timedelta(days=args.window_days)) & (tx["event_timestamp"] <= now)]
    means = recent.groupby("user_id")["amount"].mean()
    latest["avg_amount_30d"] = latest["user_id"].map(means).fillna(latest["avg_amount_30d"])
    fs.write_to_online_store("user_velocity", latest.reset_index(drop=True))
    print(f"wrote user_velocity for {len(latest)} users, avg_amount_30d over {args.window_days} days")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    o = sub.add_parser("online")
    o.add_argument("--users", type=int, default=1000)
    o.add_argument("--ids")
    o.add_argument("--service", default=SERVICE)
    o.set_defaults(fn=cmd_online)
    h = sub.add_parser("historical")
    h.add_argument("--entities", required=True)
    h.add_argument("--service", default=SERVICE)
    h.set_defaults(fn=cmd_historical)
    w = sub.add_parser("write-online")
    w.add_argument("--window-days", type=int, default=30)
    w.set_defaults(fn=cmd_write_online)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
