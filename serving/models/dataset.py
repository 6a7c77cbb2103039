"""Synthetic card-transaction data with ~1% fraud.

The shapes follow what fraud teams see in practice: amounts are log-normal, fraud
clusters at night, on new accounts, far from home, in card-not-present channels and in a
few merchant categories (electronics, travel, gambling), and it often comes in bursts
(many transactions in 24h). Interactions (night x foreign, card-not-present x high
amount ratio) are deliberate: they are what lets a tree model beat the linear one.

FEATURES is the feature schema every other part reads (it is exported as
feature_schema.json next to the models): order = column order of the model input tensor.
"""

from __future__ import annotations

import numpy as np

MERCHANT_CATEGORIES = [
    "grocery", "gas", "restaurant", "online_retail", "travel", "electronics", "gambling", "other",
]
CHANNELS = ["pos", "online", "atm", "mobile"]

# name, kind, extra. Defaults are the population medians / modes: what the gateway uses
# when the online feature store cannot answer.
FEATURES: list[dict] = [
    {"name": "amount", "type": "numeric", "unit": "USD", "min": 0.0, "default": 42.0},
    {"name": "hour", "type": "numeric", "unit": "hour of day", "min": 0.0, "max": 23.0, "default": 14.0},
    {"name": "account_age_days", "type": "numeric", "unit": "days", "min": 0.0, "default": 700.0},
    {"name": "txn_count_24h", "type": "numeric", "unit": "count", "min": 0.0, "default": 2.0},
    {"name": "distance_from_home_km", "type": "numeric", "unit": "km", "min": 0.0, "default": 8.0},
    {"name": "avg_amount_30d", "type": "numeric", "unit": "USD", "min": 0.0, "default": 50.0},
    {"name": "card_present", "type": "numeric", "unit": "flag", "min": 0.0, "max": 1.0, "default": 1.0},
    {"name": "foreign_transaction", "type": "numeric", "unit": "flag", "min": 0.0, "max": 1.0, "default": 0.0},
    {"name": "failed_logins_24h", "type": "numeric", "unit": "count", "min": 0.0, "default": 0.0},
    {"name": "device_age_days", "type": "numeric", "unit": "days", "min": 0.0, "default": 300.0},
    {"name": "customer_age", "type": "numeric", "unit": "years", "min": 18.0, "max": 100.0, "default": 41.0},
    {"name": "merchant_category", "type": "categorical", "categories": MERCHANT_CATEGORIES, "default": "grocery"},
    {"name": "channel", "type": "categorical", "categories": CHANNELS, "default": "pos"},
]
FEATURE_NAMES = [f["name"] for f in FEATURES]


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns (X, y): X float32 [n, len(FEATURES)] with categoricals as integer codes."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(len(CHANNELS), size=n, p=[0.55, 0.25, 0.05, 0.15])
    merchant = rng.choice(len(MERCHANT_CATEGORIES), size=n,
                          p=[0.25, 0.12, 0.18, 0.17, 0.06, 0.07, 0.03, 0.12])
    card_present = np.where(channel == 0, rng.random(n) < 0.97, rng.random(n) < 0.05).astype(float)
    avg_amount = rng.lognormal(mean=3.8, sigma=0.6, size=n)
    amount = avg_amount * rng.lognormal(mean=-0.1, sigma=0.7, size=n)
    # Hours: a daytime peak with a thin night tail.
    hour = np.clip(np.round(rng.normal(14, 4.5, size=n)) % 24, 0, 23)
    account_age = rng.gamma(shape=1.6, scale=500, size=n)
    txn_count = rng.poisson(2.2, size=n).astype(float)
    distance = rng.lognormal(mean=2.0, sigma=1.1, size=n)
    foreign = (rng.random(n) < 0.04).astype(float)
    failed_logins = rng.poisson(0.08, size=n).astype(float)
    device_age = rng.gamma(shape=1.2, scale=280, size=n)
    customer_age = np.clip(rng.normal(42, 14, size=n), 18, 95)

    p = fraud_probability(amount, hour, account_age, txn_count, distance, avg_amount, card_present, foreign,
                          failed_logins, device_age, customer_age, merchant, channel)
    y = (rng.random(n) < p).astype(np.int64)
    X = np.column_stack([
        amount, hour, account_age, txn_count, distance, avg_amount, card_present, foreign,
        failed_logins, device_age, customer_age, merchant, channel,
    ]).astype(np.float32)
    return X, y


def fraud_probability(amount, hour, account_age, txn_count, distance, avg_amount, card_present, foreign,
                      failed_logins, device_age, customer_age, merchant, channel) -> np.ndarray:
    """P(fraud) of transactions given all 13 features (categoricals as integer codes): the world's
    fraud process. generate() draws its labels from it; the Feast training path
    (serving/feature_repo/labelled_events.py) draws the labels of its labelled transactions from it
    with the entity features as they were at each transaction's time."""
    night = ((hour <= 4) | (hour >= 23)).astype(float)
    ratio = amount / avg_amount
    risky_merchant = np.isin(merchant, [4, 5, 6]).astype(float)
    # Intercept sets the base rate near 1%; the factor 2 sharpens the signal to the AUC
    # range real fraud models reach.
    logit = (
        -7.0
        + 2.0 * (
            1.1 * night
        + 1.3 * night * foreign
        + 0.9 * foreign
        + 0.8 * np.log1p(np.maximum(ratio - 1.5, 0)) * (1 - card_present) * 2
        + 0.9 * risky_merchant
        + 0.9 * (account_age < 30)
        + 0.35 * np.minimum(txn_count, 12) * (txn_count > 5)
        + 0.55 * np.log1p(distance / 50) * (distance > 100)
        + 0.6 * np.minimum(failed_logins, 4)
        + 0.8 * (device_age < 3)
        - 0.5 * card_present
        + 0.3 * (channel == 2)
        - 0.008 * (customer_age - 42)
    ))
    p = 1 / (1 + np.exp(-logit))
    return p
