"""Labelled transactions: the events a Feast training set is built over (issue 15).

A fraud label arrives weeks after the payment (a chargeback), attached to the transaction: a
user id, the payment's time and what the request itself carried. The entity features the
model needs are NOT stored with it; training asks the feature store for them as they were at
the payment's time (get_historical_features, feast_tool.py training-set).

Here the events are the newest DAYS days of transactions.parquet (at most PER_USER per user,
seeded), with the request fields drawn like serving/models/dataset.py (hour = the payment's UTC
hour, amount = the payment's amount). The label is drawn from the same fraud process as the
committed models' data (dataset.fraud_probability) applied to the entity features as of the
payment, found by this module's own backward as-of join (pandas merge_asof within each view's
TTL), independent of Feast's: the world's truth that the feature store must reproduce.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
from dataset import CHANNELS, FEATURES, MERCHANT_CATEGORIES, fraud_probability  # noqa: E402

SEED = 20261205
DAYS = 28
PER_USER = 8
# The views' TTLs (repo/definitions.py): a value older than this is not the user's state.
TTL = {"user_account": pd.Timedelta(days=30), "user_velocity": pd.Timedelta(days=2)}


def as_of(events: pd.DataFrame, view: pd.DataFrame, ttl: pd.Timedelta) -> pd.DataFrame:
    """Each event's newest view row at or before its time, within the TTL (columns of the view)."""
    left = events[["event_id", "user_id", "event_timestamp"]].sort_values("event_timestamp")
    right = view.assign(event_timestamp=view["event_timestamp"].astype(left["event_timestamp"].dtype))
    right = right.sort_values("event_timestamp")
    joined = pd.merge_asof(left, right, on="event_timestamp", by="user_id", direction="backward", tolerance=ttl)
    return joined.set_index("event_id").sort_index()


def build(data: Path, days: int = DAYS, per_user: int = PER_USER) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    tx = pd.read_parquet(data / "transactions.parquet")
    end = tx["event_timestamp"].max()
    recent = tx[tx["event_timestamp"] > end - pd.Timedelta(days=days)]
    # At most per_user payments per user, chosen by a seeded shuffle (stable across runs).
    recent = recent.assign(_order=rng.permutation(len(recent)))
    recent = recent.sort_values(["user_id", "_order"]).groupby("user_id", sort=False).head(per_user)
    events = recent.sort_values(["event_timestamp", "user_id"], kind="stable").reset_index(drop=True)
    # Milliseconds: within what Feast's point-in-time join keeps (it drops nanoseconds), and
    # exact for readers with millisecond clocks (the tests read the events with JavaScript Dates).
    events["event_timestamp"] = events["event_timestamp"].dt.floor("ms")
    n = len(events)
    events.insert(0, "event_id", np.arange(n))

    channel = rng.choice(len(CHANNELS), size=n, p=[0.55, 0.25, 0.05, 0.15])
    merchant = rng.choice(len(MERCHANT_CATEGORIES), size=n, p=[0.25, 0.12, 0.18, 0.17, 0.06, 0.07, 0.03, 0.12])
    card_present = np.where(channel == 0, rng.random(n) < 0.97, rng.random(n) < 0.05).astype(float)
    distance = rng.lognormal(mean=2.0, sigma=1.1, size=n)
    foreign = (rng.random(n) < 0.04).astype(float)
    hour = events["event_timestamp"].dt.hour.to_numpy().astype(float)

    velocity = as_of(events, pd.read_parquet(data / "user_velocity.parquet"), TTL["user_velocity"])
    account = as_of(events, pd.read_parquet(data / "user_account.parquet"), TTL["user_account"])
    # A user with no state in the TTL is scored with the schema's defaults, as serving does.
    defaults = {f["name"]: f["default"] for f in FEATURES}
    state = pd.concat([velocity, account.drop(columns=["user_id", "event_timestamp"])], axis=1)
    fill = lambda name: state[name].fillna(defaults[name]).to_numpy(dtype=float)  # noqa: E731
    p = fraud_probability(
        events["amount"].to_numpy(), hour, fill("account_age_days"), fill("txn_count_24h"), distance,
        fill("avg_amount_30d"), card_present, foreign, fill("failed_logins_24h"), fill("device_age_days"),
        fill("customer_age"), merchant, channel)
    events["hour"] = hour
    events["distance_from_home_km"] = distance
    events["card_present"] = card_present
    events["foreign_transaction"] = foreign
    events["merchant_category"] = np.array(MERCHANT_CATEGORIES)[merchant]
    events["channel"] = np.array(CHANNELS)[channel]
    events["is_fraud"] = (rng.random(n) < p).astype(np.int64)
    return events.drop(columns=["_order"])


def write(data: Path, days: int = DAYS, per_user: int = PER_USER) -> pd.DataFrame:
    events = build(data, days, per_user)
    events.to_parquet(data / "labelled_transactions.parquet", index=False)
    return events
