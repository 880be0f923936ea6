"""The settings live in `flows/settings.py` (flows and the CLI both build on them; tasks get values)."""

from flows.settings import PROJECT_ROOT, Settings, describe, is_url

__all__ = ["PROJECT_ROOT", "Settings", "describe", "is_url"]
