"""MLflow deployments plugin for steadystate (entry point group `mlflow.deployments`)."""
