"""The project's Feast operations, one subcommand each, for the set-up, the game day and tests.

    .venv-feast/bin/python serving/feature_repo/feast_tool.py <command> [options]

Environment: STEADYSTATE_FEAST_DATA (offline store + registry folder, default
serving/data/feast) and STEADYSTATE_FEAST_REDIS (host:port of the online store).
With STEADYSTATE_FEAST_OFFLINE=s3://bucket/prefix and STEADYSTATE_FEAST_S3_ENDPOINT=http://host:port
(+ AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION) the offline tables live in the
local S3 storage: prepare builds them in STEADYSTATE_FEAST_DATA (which keeps the registry) and
uploads them; every later read and write of a table goes to the bucket.

  prepare [--users N] [--end ISO] build the offline store (build_offline.py), apply the
                                  definitions and materialize-incremental up to now: one
                                  Python process, so Feast is imported once; prints timings
  materialize                     materialize-incremental up to now; prints the seconds taken
  views                           the registry's feature views: name, features, TTL seconds
  online --users N | --ids FILE   get_online_features through the feature service, one JSON
                                  line per user: {"user_id", "features": {name: value|null}}
  historical --entities FILE      get_historical_features (point-in-time join) for JSON lines
                                  {"user_id", "ts"}; one JSON line per input row, in order:
                                  {"user_id", "ts", "features": {name: value|null}}


  training-set --out CSV [--events PARQUET]
                                  the training rows: get_historical_features (point in time)
                                  over the labelled transactions (labelled_events.py, written
                                  by prepare) through the feature service; one CSV row per
                                  event: event_id, user_id, event_timestamp, the 13 model
                                  features (serving/models/dataset.py order; empty = no value
                                  within the TTL), is_fraud. serving/models/train_feast.py
                                  fits on it. Prints {"rows", "positives", "missing_values", "seconds"}
  write-offline --view V --row J  append one row (JSON) to a view's Parquet file: a value
                                  that arrives later, for the point-in-time test
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
import time
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


TABLES = ["transactions", "user_velocity", "user_account", "labelled_transactions"]


def offline_location():
    """(pyarrow filesystem or None, base path) of the offline tables: the bucket or the folder."""
    base = os.environ.get("STEADYSTATE_FEAST_OFFLINE") or os.environ["STEADYSTATE_FEAST_DATA"]
    if not base.startswith("s3://"):
        return None, base
    from pyarrow.fs import S3FileSystem
    endpoint = os.environ.get("STEADYSTATE_FEAST_S3_ENDPOINT")
    if not endpoint:
        raise SystemExit(f"STEADYSTATE_FEAST_OFFLINE={base} needs STEADYSTATE_FEAST_S3_ENDPOINT=http://host:port (the local S3)")
    # Credentials and region from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION.
    return (S3FileSystem(endpoint_override=endpoint, allow_bucket_creation=True),
            base.removeprefix("s3://").rstrip("/"))


def read_table(name: str):
    import pandas as pd
    fs, base = offline_location()
    return pd.read_parquet(f"{base}/{name}.parquet", filesystem=fs)


def write_table(name: str, frame) -> None:
    fs, base = offline_location()
    frame.to_parquet(f"{base}/{name}.parquet", index=False, filesystem=fs)


def upload_offline() -> float:
    """S3 mode: puts the tables built in STEADYSTATE_FEAST_DATA into the bucket (created if missing)."""
    fs, base = offline_location()
    if fs is None:
        return 0.0
    started = time.monotonic()
    bucket = base.split("/")[0]
    from pyarrow.fs import FileType
    if fs.get_file_info(bucket).type == FileType.NotFound:
        fs.create_dir(bucket)
    local = Path(os.environ["STEADYSTATE_FEAST_DATA"])
    for name in TABLES:
        with fs.open_output_stream(f"{base}/{name}.parquet") as out:
            out.write((local / f"{name}.parquet").read_bytes())
    return time.monotonic() - started


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
    df = fs.get_historical_features(entity_df=entity_df, features=service).to_df()
    # Feast's file offline store leaves out entity rows for which no view has a value within
    # its TTL; they are answered here as all-null, so the output keeps one line per input row.
    joined = {int(d["row"]): d for d in (r._asdict() for r in df.itertuples(index=False))}
    for i, r in enumerate(rows):
        d = joined.get(i, {})
        sys.stdout.write(json.dumps({"user_id": r["user_id"], "ts": r["ts"],
                                     "features": {n: clean(d.get(n)) for n in names}}) + "\n")


def apply_definitions(fs) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("steadystate_feast_definitions", REPO / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fs.apply([module.user, module.user_account, module.user_velocity,
              module.fraud_v1, module.fraud_v2, module.fraud_fallback])


def materialize(fs) -> float:
    from datetime import datetime, timezone
    import contextlib
    started = time.monotonic()
    # Feast prints progress on stdout; stdout is this tool's JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        fs.materialize_incremental(end_date=datetime.now(timezone.utc))
    return time.monotonic() - started


def cmd_prepare(args) -> None:
    from datetime import datetime, timezone
    sys.path.insert(0, str(HERE))
    import build_offline
    end = (datetime.fromisoformat(args.end) if args.end
           else datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    t0 = time.monotonic()
    build_offline.build(args.users, end, Path(os.environ["STEADYSTATE_FEAST_DATA"]), build_offline.SERVING / "data" / "test.csv")
    import labelled_events
    labelled_events.write(Path(os.environ["STEADYSTATE_FEAST_DATA"]))
    upload_s = upload_offline()
    t1 = time.monotonic()
    fs = store()
    apply_definitions(fs)
    t2 = time.monotonic()
    seconds = materialize(fs) if not args.no_materialize else 0.0
    print(json.dumps({"users": args.users, "end": end.isoformat(), "build_s": round(t1 - t0, 3),
                      "apply_s": round(t2 - t1, 3), "materialize_s": round(seconds, 3),
                      "upload_s": round(upload_s, 3), "offline": offline_location()[1]}))


def cmd_materialize(args) -> None:
    print(json.dumps({"materialize_s": round(materialize(store()), 3)}))


def cmd_views(args) -> None:
    fs = store()
    views = sorted(fs.list_feature_views(), key=lambda v: v.name)
    print(json.dumps([{"name": v.name, "features": [f.name for f in v.features],
                       "ttl_s": int(v.ttl.total_seconds())} for v in views]))


def cmd_training_set(args) -> None:
    import csv
    import pandas as pd
    sys.path.insert(0, str(HERE.parents[0] / "models"))
    from dataset import FEATURE_NAMES
    started = time.monotonic()
    fs = store_offline()
    try:
        events = pd.read_parquet(args.events) if args.events else read_table("labelled_transactions")
    except FileNotFoundError as error:
        raise SystemExit(f"{error}: `feast_tool.py prepare` writes the labelled transactions") from error
    service = fs.get_feature_service(args.service)
    store_names = [f.name for p in service.feature_view_projections for f in p.features]
    # The entity dataframe is the labelled events themselves: Feast joins each view's newest
    # value at or before event_timestamp (and within the view's TTL) and passes the request
    # fields and the label through untouched.
    df = fs.get_historical_features(entity_df=events, features=service).to_df()
    df = df.sort_values("event_id").reset_index(drop=True)
    if len(df) != len(events):
        # Feast's file store drops events for which no view has a value in its TTL; they train
        # with the schema's defaults, as serving answers such a user.
        df = events.merge(df[["event_id", *store_names]], on="event_id", how="left")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    missing = 0
    with out.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "user_id", "event_timestamp", *FEATURE_NAMES, "is_fraud"])
        for r in df.itertuples(index=False):
            d = r._asdict()
            cells = []
            for name in FEATURE_NAMES:
                v = clean(d.get(name))
                if v is None and name in store_names:
                    missing += 1
                cells.append("" if v is None else v)
            ts = pd.Timestamp(d["event_timestamp"]).tz_convert("UTC").isoformat()
            w.writerow([int(d["event_id"]), d["user_id"], ts, *cells, int(d["is_fraud"])])
    print(json.dumps({"rows": len(df), "positives": int(df["is_fraud"].sum()), "missing_values": missing,
                      "seconds": round(time.monotonic() - started, 3), "out": str(out)}))


def store_offline():
    """A FeatureStore for offline reads only (Redis is never contacted by them)."""
    os.environ.setdefault("STEADYSTATE_FEAST_REDIS", "127.0.0.1:1")
    return store()


def cmd_write_offline(args) -> None:
    import pandas as pd
    frame = read_table(args.view)
    row = json.loads(args.row)
    row["event_timestamp"] = pd.Timestamp(row["event_timestamp"]).tz_convert("UTC") if pd.Timestamp(
        row["event_timestamp"]).tzinfo else pd.Timestamp(row["event_timestamp"], tz="UTC")
    added = pd.DataFrame([row]).astype({c: frame[c].dtype for c in frame.columns if c in row and c != "event_timestamp"})
    added["event_timestamp"] = added["event_timestamp"].astype(frame["event_timestamp"].dtype)
    write_table(args.view, pd.concat([frame, added], ignore_index=True))
    print(json.dumps({"view": args.view, "rows": len(frame) + 1}))


def cmd_write_online(args) -> None:
    import pandas as pd
    fs = store()
    tx = read_table("transactions")
    velocity = read_table("user_velocity")
    latest = velocity[velocity["event_timestamp"] == velocity["event_timestamp"].max()].copy()
    now = latest["event_timestamp"].iloc[0]
    recent = tx[(tx["event_timestamp"] > now - pd.Timedelta(days=args.window_days)) & (tx["event_timestamp"] <= now)]
    means = recent.groupby("user_id")["amount"].mean()
    latest["avg_amount_30d"] = latest["user_id"].map(means).fillna(latest["avg_amount_30d"])
    # Computed now: a newer event time than the materialized row, so Redis takes it.
    latest["event_timestamp"] = pd.Timestamp.now(tz="UTC")
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
    pr = sub.add_parser("prepare")
    pr.add_argument("--users", type=int, default=5000)
    pr.add_argument("--end")
    pr.add_argument("--no-materialize", action="store_true")
    pr.set_defaults(fn=cmd_prepare)
    m = sub.add_parser("materialize")
    m.set_defaults(fn=cmd_materialize)
    v = sub.add_parser("views")
    v.set_defaults(fn=cmd_views)
    ts = sub.add_parser("training-set")
    ts.add_argument("--out", required=True)
    ts.add_argument("--events", help="labelled events (Parquet); default: labelled_transactions.parquet")
    ts.add_argument("--service", default=SERVICE)
    ts.set_defaults(fn=cmd_training_set)
    wo = sub.add_parser("write-offline")
    wo.add_argument("--view", required=True)
    wo.add_argument("--row", required=True, help='JSON: {"user_id", "event_timestamp", <features>}')
    wo.set_defaults(fn=cmd_write_offline)
    w = sub.add_parser("write-online")
    w.add_argument("--window-days", type=int, default=30)
    w.set_defaults(fn=cmd_write_online)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
