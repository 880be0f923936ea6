"""Commands beyond the core four, one module each.

A module here defines `register(app: typer.Typer) -> None`, which adds its command(s) to the app;
every module of this package is registered, so a new command needs no edit elsewhere. Keep module
imports light: heavy libraries (Prefect, Great Expectations) are imported inside the command.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_commands(app: typer.Typer) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(app)
