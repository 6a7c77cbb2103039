"""Feast definitions: the user entity, its two feature views and one feature service per model.

The six entity features of the fraud models (serving/model_repository/feature_schema.json)
live here; the request carries only what the transaction itself knows. Two views because the
features age differently: account facts change slowly (TTL 30 days), velocity features are
only meaningful for a day or two (TTL 2 days). A value older than its view's TTL is not
joined into training rows and is flagged stale by the freshness alert.
"""

import os
from datetime import timedelta
from pathlib import Path

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64

DATA = Path(os.environ.get("STEADYSTATE_FEAST_DATA", Path(__file__).resolve().parents[2] / "data" / "feast"))
# The offline store: Parquet files in DATA (files mode), or, with STEADYSTATE_FEAST_OFFLINE =
# s3://bucket/prefix and STEADYSTATE_FEAST_S3_ENDPOINT = http://host:port, objects in the local
# S3 storage (versitygw), read by Feast through pyarrow and s3fs with the AWS_* credentials.
OFFLINE = os.environ.get("STEADYSTATE_FEAST_OFFLINE") or str(DATA)
S3_ENDPOINT = os.environ.get("STEADYSTATE_FEAST_S3_ENDPOINT") if OFFLINE.startswith("s3://") else None


def offline_source(name: str, table: str) -> FileSource:
    return FileSource(name=name, path=f"{OFFLINE.rstrip('/')}/{table}.parquet", timestamp_field="event_timestamp",
                      s3_endpoint_override=S3_ENDPOINT)


user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING,
              description="A card holder; user_id as the gateway receives it")

account_source = offline_source("user_account_source", "user_account")
velocity_source = offline_source("user_velocity_source", "user_velocity")

user_account = FeatureView(
    name="user_account",
    entities=[user],
    ttl=timedelta(days=30),
    schema=[
        Field(name="account_age_days", dtype=Float64),
        Field(name="device_age_days", dtype=Float64),
        Field(name="customer_age", dtype=Float64),
    ],
    source=account_source,
    online=True,
)

user_velocity = FeatureView(
    name="user_velocity",
    entities=[user],
    ttl=timedelta(days=2),
    schema=[
        Field(name="txn_count_24h", dtype=Int64),
        Field(name="avg_amount_30d", dtype=Float64),
        Field(name="failed_logins_24h", dtype=Int64),
    ],
    source=velocity_source,
    online=True,
)

# One service per served model: all three read the same features today, but a model that
# gains or drops a feature changes only its own service.
fraud_v1 = FeatureService(name="fraud_v1", features=[user_account, user_velocity])
fraud_v2 = FeatureService(name="fraud_v2", features=[user_account, user_velocity])
fraud_fallback = FeatureService(name="fraud_fallback", features=[user_account, user_velocity])
