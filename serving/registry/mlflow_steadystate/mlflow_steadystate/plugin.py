"""`mlflow deployments create -t steadystate --name fraud -m models:/fraud/4 -C spec=steadystate.yaml`

A thin client: every call runs the project's own CLI (`steadystate deploy ...`), which owns
the rollout (fetch, validate, publish, shadow, canary, promote or roll back) and its journal.
This module only translates MLflow's deployment verbs and `-C key=value` options (strings)
into that command line and its JSON answer back into MLflow's dictionaries.

Config keys (`-C`): spec (steadystate.yaml), gateway (URL), triton (URL), registry (URL),
store (deploy repository), journal (dir), any other `--<key> <value>` the CLI takes.
The project root is this checkout (the package is installed editable by scripts/setup.sh),
or STEADYSTATE_ROOT.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from mlflow.deployments import BaseDeploymentClient
from mlflow.exceptions import MlflowException

ROOT = Path(os.environ.get("STEADYSTATE_ROOT") or Path(__file__).resolve().parents[4])
MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w-]+))$")


def node_binary() -> str:
    bundled = ROOT / ".tools" / "node" / "node_modules" / "node" / "bin" / "node"
    return str(bundled) if bundled.exists() else (shutil.which("node") or "node")


def parse_model_uri(model_uri: str) -> list[str]:
    """models:/fraud/4 -> --version 4; models:/fraud@challenger -> --alias challenger."""
    match = MODEL_URI.match(model_uri or "")
    if not match:
        raise MlflowException(
            f"steadystate: model uri {model_uri!r} is not models:/NAME/VERSION or models:/NAME@ALIAS")
    if match["version"]:
        return ["--version", match["version"]]
    return ["--alias", match["alias"]]


def config_flags(config: dict | None) -> list[str]:
    flags = []
    for key, value in (config or {}).items():
        if not re.fullmatch(r"[a-z][a-z0-9-]*", key):
            raise MlflowException(f"steadystate: config key {key!r} is not a CLI flag name (lowercase, dashes)")
        flags += [f"--{key}", str(value)]
    return flags


def run_cli(args: list[str]) -> dict:
    command = [node_binary(), str(ROOT / "src" / "cli" / "main.ts"), *args, "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    answer = json.loads(lines[-1]) if lines else {}
    if done.returncode != 0:
        why = answer.get("reason") or done.stderr.strip()[-2000:] or f"exit code {done.returncode}"
        raise MlflowException(f"steadystate {' '.join(args[:3])}: {why}")
    return answer


class SteadystateDeploymentClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        return run_cli(["deploy", name, *parse_model_uri(model_uri), *config_flags(config)])

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        if not model_uri:
            raise MlflowException("steadystate: update needs -m models:/NAME/VERSION (what to roll out)")
        return self.create_deployment(name, model_uri, flavor, config, endpoint)

    def delete_deployment(self, name, config=None, endpoint=None):
        raise MlflowException(
            "steadystate: a served model is not deleted; deploy another version (it replaces the champion)")

    def list_deployments(self, endpoint=None):
        return run_cli(["deploy-status"]).get("deployments", [])

    def get_deployment(self, name, endpoint=None):
        return run_cli(["deploy-status", name])

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        raise MlflowException("steadystate: predictions go through the gateway (POST /v1/predict), not MLflow")


def run_local(target, name, model_uri, flavor=None, config=None):
    raise MlflowException("steadystate: no local mode; `steadystate gameday` starts a whole local stack")


def target_help():
    return __doc__
