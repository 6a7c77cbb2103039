#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: Node >= 22, npm packages, the Debian services,
# the Python venv that carries Triton (nvidia-pytriton) and the trained models.
# Each step says what it does when it acts and stays silent when there is nothing to do.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'setup: %s\n' "$*" >&2; }
stamp_ok() { [[ -f "$1" ]] && [[ "$(cat "$1")" == "$2" ]]; }

NODE_VERSION=24.21.0
PY_REQUIREMENTS=serving/requirements.txt
# chromium (+ a font) opens the game-day report in the browser test (playwright-core drives it).
# nginx-light is the reverse-proxy peer of the gateway bench (src/adapters/process/nginx-proxy.ts).
DEBIAN_PACKAGES=(redis-server prometheus prometheus-alertmanager prometheus-pushgateway chromium fonts-dejavu-core nginx-light)

# 1. Node.js >= 22. Our machines ship Node 20 (end of life), so we take Node 24 from the
#    npm registry's `node` package, which carries the official binary.
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [[ "$(node_major node)" -lt 22 ]]; then
  if [[ ! -x .tools/node/node_modules/node/bin/node ]]; then
    say "system Node is $(node --version 2>/dev/null || echo missing); installing Node $NODE_VERSION into .tools/node"
    mkdir -p .tools/node
    npm install --silent --no-save --no-audit --no-fund --prefix .tools/node "node@$NODE_VERSION" >/dev/null
  fi
  export PATH="$ROOT/.tools/node/node_modules/node/bin:$PATH"
fi

# 2. Debian packages for the real services (Redis, Prometheus, Alertmanager, Pushgateway) and Chromium.
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian packages start their services on the default ports; the project starts its
  # own instances on its own ports, so the system ones are stopped to keep the machine quiet.
  for svc in redis-server prometheus prometheus-alertmanager prometheus-pushgateway prometheus-node-exporter nginx; do
    (command -v systemctl >/dev/null && $SUDO systemctl stop "$svc" 2>/dev/null) || true
    (command -v service >/dev/null && $SUDO service "$svc" stop >/dev/null 2>&1) || true
  done
fi

# 3. npm packages, exactly as locked.
lock_hash="$(sha256sum package-lock.json | cut -c1-16)"
if ! stamp_ok node_modules/.steadystate-lock "$lock_hash"; then
  say "installing npm packages (npm ci)"
  npm ci --silent --no-audit --no-fund >/dev/null
  echo "$lock_hash" > node_modules/.steadystate-lock
fi

# 4. Python venv for Triton. The python-backend stub bundled in nvidia-pytriton embeds
#    CPython 3.11 and links libpython3.11.so.1.0, so the venv must be a 3.11 with a shared
#    libpython reachable (pyenv builds with --enable-shared, or Debian's libpython3.11).
pick_python() {
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && [[ "$("$cand" -c 'import sys;print("%d.%d"%sys.version_info[:2])')" == "3.11" ]]; then
      echo "$cand"; return
    fi
  done
  echo ""
}
req_hash="$(sha256sum "$PY_REQUIREMENTS" | cut -c1-16)"
if ! stamp_ok .venv/.steadystate-req "$req_hash"; then
  PY="$(pick_python)"
  if [[ -z "$PY" ]]; then
    say "error: Triton's python backend needs Python 3.11 (python3.11 or python3); none found. Install python3.11 and rerun."
    exit 1
  fi
  libdir="$("$PY" -c 'import sysconfig;print(sysconfig.get_config_var("LIBDIR"))')"
  if [[ ! -e "$libdir/libpython3.11.so.1.0" && ! -e /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 ]]; then
    say "installing Debian libpython3.11 (the Triton python backend stub links it)"
    SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpython3.11 >/dev/null
  fi
  say "creating the Python venv .venv with $PY and installing $PY_REQUIREMENTS (Triton, onnxruntime, scikit-learn)"
  rm -rf .venv
  "$PY" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS"
  echo "$req_hash" > .venv/.steadystate-req
fi

# 5. Reference implementations (scipy, gbstats, evidently, alibi-detect) for cross-checks.
peer_hash="$(sha256sum bench/peers/requirements.txt | cut -c1-16)"
if ! stamp_ok .venv-peers/.steadystate-req "$peer_hash"; then
  say "creating .venv-peers with the reference statistics packages (scipy, gbstats, evidently, alibi-detect)"
  rm -rf .venv-peers
  python3 -m venv .venv-peers
  .venv-peers/bin/pip install --quiet --disable-pip-version-check -r bench/peers/requirements.txt
  echo "$peer_hash" > .venv-peers/.steadystate-req
fi

# 6. Models: trained and exported by our own seeded script on data it generates.
train_hash="$(cat serving/models/*.py serving/requirements.txt | sha256sum | cut -c1-16)"
if ! stamp_ok serving/build/.steadystate-train "$train_hash"; then
  say "training fraud_v1, fraud_v2 and fraud_fallback (seeded) and exporting ONNX into serving/model_repository"
  .venv/bin/python serving/models/train.py --quiet
  mkdir -p serving/build && echo "$train_hash" > serving/build/.steadystate-train
fi
# 6b. The drift reference profile of the training split: the bins the gateway counts
#     features into and the baseline every drift verdict compares against. Rebuilt when the
#     data or the profile code changes (same stamp logic; the file is git-ignored like the data).
profile_hash="$(cat serving/build/.steadystate-train src/core/drift/build-profile.ts src/core/drift/profile.ts \
  src/services/drift/build-profile-file.ts | sha256sum | cut -c1-16)"
if ! stamp_ok serving/build/.steadystate-profile "$profile_hash" || [[ ! -f serving/model_repository/reference_profile.json ]]; then
  say "building the drift reference profile serving/model_repository/reference_profile.json"
  node src/cli/main.ts drift profile --data serving/data/train.csv \
    --out serving/model_repository/reference_profile.json >/dev/null
  echo "$profile_hash" > serving/build/.steadystate-profile
fi

# 7. Local S3-compatible storage (versitygw, Apache-2.0), built from the Go module proxy once
#    per version into .tools/go/ (~1-2 min cold): the model store deploys publish to and
#    Triton loads from, and where batch jobs read, write and checkpoint. The version must
#    match VERSITYGW_VERSION in src/adapters/process/object-store-server.ts.
VERSITYGW_VERSION=v1.8.0
scripts/tools/go-install.sh versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" >/dev/null
# 8. The feature store (Feast, issue 15): its own venv (Feast pins its own pandas/pyarrow).
#    The offline store (Parquet, serving/feature_repo/build_offline.py), `feast apply` and
#    materialization need a time axis anchored at "now" and a running Redis, so the game day
#    (feature-store phase) and the tests run them against their own Redis and folder:
#    `feast_tool.py prepare` (serving/feature_repo/feast_tool.py).
feast_hash="$(sha256sum serving/feature_repo/requirements.txt | cut -c1-16)"
if ! stamp_ok .venv-feast/.steadystate-req "$feast_hash"; then
  say "creating .venv-feast with Feast (serving/feature_repo/requirements.txt)"
  rm -rf .venv-feast
  python3 -m venv .venv-feast
  .venv-feast/bin/pip install --quiet --disable-pip-version-check -r serving/feature_repo/requirements.txt
  echo "$feast_hash" > .venv-feast/.steadystate-req
fi
# 9. A local Kubernetes control plane (kube-apiserver, controller-manager, scheduler, etcd) and
#    kwok (fake kubelet), built from the Go module proxy into .tools/kubernetes-<version>/ once
#    per machine (about 6-7 minutes cold, silent when built): `steadystate cluster up` and the
#    cluster tests run them. The script keeps its own version stamp.
scripts/tools/build-kubernetes.sh >/dev/null

# 10. The model registry: MLflow 3.17.2 in its own venv (its numpy 2 and pandas would break
#    Triton's numpy < 2 in .venv), then our deployments plugin (`mlflow deployments -t
#    steadystate`) installed editable from this checkout; its stamp names the checkout, so a
#    second worktree reinstalls it pointing at itself.
mlflow_hash="$(sha256sum serving/registry/requirements.txt | cut -c1-16)"
if ! stamp_ok .venv-mlflow/.steadystate-req "$mlflow_hash"; then
  say "creating .venv-mlflow with MLflow (serving/registry/requirements.txt)"
  rm -rf .venv-mlflow
  python3 -m venv .venv-mlflow
  .venv-mlflow/bin/pip install --quiet --disable-pip-version-check -r serving/registry/requirements.txt
  echo "$mlflow_hash" > .venv-mlflow/.steadystate-req
fi
plugin_hash="$( (echo "$ROOT"; cat serving/registry/mlflow_steadystate/pyproject.toml) | sha256sum | cut -c1-16)"
if ! stamp_ok .venv-mlflow/.steadystate-plugin "$plugin_hash"; then
  say "installing the MLflow deployments plugin (serving/registry/mlflow_steadystate) into .venv-mlflow"
  .venv-mlflow/bin/pip install --quiet --disable-pip-version-check --no-deps -e serving/registry/mlflow_steadystate
  echo "$plugin_hash" > .venv-mlflow/.steadystate-plugin
fi
