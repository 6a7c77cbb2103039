"""Write the Feast offline store (Parquet) from the project's own generated data, reproducibly.

    .venv-feast/bin/python serving/feature_repo/build_offline.py [--users 5000] [--end ISO] [--out DIR]

Users `user-<i>` take the entity features of row i of serving/data/test.csv (the split the
load and the game day send), so the newest snapshot of every user is exactly that row and a
model scores a store-completed request like the full row. History before it is seeded:
  transactions.parquet   user_id, event_timestamp, amount: 60 days of card payments, at least
                         one a day; the raw events the velocity features are computed from
  user_velocity.parquet  one snapshot a day for 30 days: avg_amount_30d = mean amount over the
                         30 days up to the snapshot (computed from transactions.parquet),
                         txn_count_24h and failed_logins_24h
  user_account.parquet   one snapshot a week for 5 weeks: account_age_days, device_age_days,
                         customer_age (ages grow with time)
Timestamps count back from --end (default: now, floored to the hour), so a fresh build is
always inside the views' TTLs; the values do not depend on --end.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261204
SERVING = Path(__file__).resolve().parents[1]
DAYS_OF_TRANSACTIONS = 60
VELOCITY_SNAPSHOTS = 30
ACCOUNT_SNAPSHOTS = 5
AVG_WINDOW_DAYS = 30


def read_entity_rows(path: Path, n: int) -> dict[str, np.ndarray]:
    cols = ["account_age_days", "device_age_days", "customer_age", "txn_count_24h", "avg_amount_30d",
            "failed_logins_24h"]
    out: dict[str, list[float]] = {c: [] for c in cols}
    with path.open() as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= n:
                break
            for c in cols:
                out[c].append(float(row[c]))
    if len(out[cols[0]]) < n:
        raise SystemExit(f"{path} has {len(out[cols[0]])} rows, fewer than --users {n}; lower --users")
    return {c: np.array(v) for c, v in out.items()}


def window_means(day_sums: np.ndarray, day_counts: np.ndarray, start: int, days: int) -> np.ndarray:
    """Mean amount over day buckets start..start+days-1 (bucket d = the day ending d days before --end)."""
    return day_sums[:, start:start + days].sum(axis=1) / day_counts[:, start:start + days].sum(axis=1)


def build(users: int, end: datetime, out: Path, source: Path) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    base = read_entity_rows(source, users)
    ids = np.array([f"user-{i}" for i in range(users)])

    # Raw transactions: bucket d covers (end-(d+1) days, end-d days); times strictly inside.
    counts = 1 + rng.poisson(0.6, size=(users, DAYS_OF_TRANSACTIONS))
    level = np.maximum(base["avg_amount_30d"], 1.0)
    rows_user, rows_day, rows_amount = [], [], []
    for u in range(users):
        n = counts[u].sum()
        rows_user.append(np.full(n, u))
        rows_day.append(np.repeat(np.arange(DAYS_OF_TRANSACTIONS), counts[u]))
        # Spending drifts over the 60 days, so a 7-day and a 30-day average differ.
        trend = 1.0 + 0.6 * np.sin(np.repeat(np.arange(DAYS_OF_TRANSACTIONS), counts[u]) / 9.0 + u)
        rows_amount.append(level[u] * trend * rng.lognormal(0.0, 0.5, size=n))
    user_idx = np.concatenate(rows_user)
    day_idx = np.concatenate(rows_day)
    amount = np.concatenate(rows_amount)
    # Rescale each user so the newest 30-day mean is exactly the dataset row's avg_amount_30d.
    day_sums = np.zeros((users, DAYS_OF_TRANSACTIONS))
    np.add.at(day_sums, (user_idx, day_idx), amount)
    scale = base["avg_amount_30d"] / window_means(day_sums, counts, 0, AVG_WINDOW_DAYS)
    amount = amount * scale[user_idx]
    day_sums = day_sums * scale[:, None]
    offset_s = rng.uniform(60, 86_340, size=amount.size)
    tx_time = pd.to_datetime(end) - pd.to_timedelta(day_idx * 86_400 + offset_s, unit="s")
    transactions = pd.DataFrame({"user_id": ids[user_idx], "event_timestamp": tx_time, "amount": amount})

    velocity_parts, account_parts = [], []
    for s in range(VELOCITY_SNAPSHOTS):
        ts = end - timedelta(days=s)
        if s == 0:
            txn, failed = base["txn_count_24h"], base["failed_logins_24h"]
        else:
            txn = rng.poisson(np.maximum(base["txn_count_24h"], 0.5)).astype(float)
            failed = rng.binomial(1, 0.05, size=users) * rng.integers(1, 4, size=users)
        velocity_parts.append(pd.DataFrame({
            "user_id": ids, "event_timestamp": ts,
            "txn_count_24h": txn.astype(np.int64), "failed_logins_24h": np.asarray(failed).astype(np.int64),
            "avg_amount_30d": window_means(day_sums, counts, s, AVG_WINDOW_DAYS),
        }))
    for w in range(ACCOUNT_SNAPSHOTS):
        days_back = 7 * w
        account_parts.append(pd.DataFrame({
            "user_id": ids, "event_timestamp": end - timedelta(days=days_back),
            "account_age_days": np.maximum(base["account_age_days"] - days_back, 0.0),
            "device_age_days": np.maximum(base["device_age_days"] - days_back, 0.0),
            "customer_age": np.maximum(base["customer_age"] - days_back / 365.25, 18.0),
        }))
    frames = {
        "transactions": transactions.sort_values(["event_timestamp", "user_id"], kind="stable"),
        "user_velocity": pd.concat(velocity_parts, ignore_index=True),
        "user_account": pd.concat(account_parts, ignore_index=True),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
        frame.to_parquet(out / f"{name}.parquet", index=False)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--end", help="ISO time of the newest snapshot (default: now, floored to the hour)")
    parser.add_argument("--out", type=Path, default=SERVING / "data" / "feast")
    parser.add_argument("--source", type=Path, default=SERVING / "data" / "test.csv")
    args = parser.parse_args()
    end = (datetime.fromisoformat(args.end) if args.end
           else datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    frames = build(args.users, end, args.out, args.source)
    print(" ".join(f"{k}={len(v)}" for k, v in frames.items()), f"end={end.isoformat()}", f"out={args.out}")


if __name__ == "__main__":
    main()
