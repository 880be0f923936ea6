"""Prefect deployments of jixiao: `prefect.yaml` and the module that serves them (`serve.py`)."""
