"""Run the audit's Great Expectations suites over frames pulled from the warehouse.

GX's SQL path does not work reliably on DuckDB (it fails silently), so the audit pulls the tables into
pandas and validates them with GX's pandas datasource. Each suite is a JSON file in `suites/`: its
name, the frame it validates, the columns that key a row (`key_columns`) and name its report
(`report_column`), the Chinese labels of its columns, and its expectations.

Every unexpected row of a failed expectation becomes a finding, with its report's unit name and fiscal
year taken from the validated frame (which therefore holds `unit_name` and `fiscal_year`): GX returns
all of them with the COMPLETE result format (`unexpected_index_list` is cut to
`partial_unexpected_count` only in the other formats).

With an output folder, the suites run in a file-backed GX project (`OUT/gx/`: suites, validation
definitions, checkpoints and the validation-result store), each run under its own run name, and the
Data Docs site (`OUT/data_docs/`) keeps every run. GX's own index page lists the runs with
JavaScript from CDNs, so offline it is empty: `index.html` is replaced by a static page that lists
every stored validation result (GX's page stays beside it as `gx_index.html`).
Great Expectations is imported here only (it takes seconds to import); its progress bars are off.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd

from expectations.audit.findings import AuditFinding

SUITES_DIR = Path(__file__).with_name("suites")
SITE_NAME = "audit"
DATA_DOCS_DIR = "data_docs"  # beside the GX project folder (`gx/`), in the audit output folder
GX_INDEX_NAME = "gx_index.html"  # GX's own (JavaScript) index, kept beside the static one
INDEX_MARKER = '<meta name="generator" content="jixiao audit">'  # in the head of our static index
# the frame of every suite names each row's report, unit and year (findings carry them)
CONTEXT_COLUMNS = ("unit_name", "fiscal_year")
_SCALAR_KINDS = {"string", "empty", "bytes", "integer", "floating", "boolean", "decimal"}


class GxSuiteError(ValueError):
    """A suite file does not fit its frame; the message names the suite and what is missing."""


@dataclass(slots=True)
class GxOutcome:
    success: bool
    results: list[dict[str, Any]] = field(default_factory=list)  # one per expectation
    findings: list[AuditFinding] = field(default_factory=list)  # one per unexpected row
    data_docs_index: Path | None = None
    run_name: str | None = None


def import_gx_in_background() -> None:
    """Start importing Great Expectations (~3 s) in a thread, so that an audit's first GX call finds it
    imported (or waits on its import lock) while the audit reads the warehouse meanwhile."""
    if "great_expectations" not in sys.modules:
        threading.Thread(target=_import_gx_quietly, name="import-gx", daemon=True).start()


def _import_gx_quietly() -> None:
    # a failed import is reported where GX is used (its import there raises the same error), not here
    with contextlib.suppress(Exception):
        importlib.import_module("great_expectations")


def load_suites(suites_dir: Path = SUITES_DIR) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(suites_dir.glob("*.json"))]


def run_suites(frames: dict[str, pd.DataFrame], out_dir: Path | None = None, run_name: str | None = None,
               suites_dir: Path = SUITES_DIR, run_meta: dict[str, Any] | None = None) -> GxOutcome:
    """Validate each suite's frame; every unexpected row of a failed expectation is a `gx_expectation` finding.

    With `out_dir`, the GX project is `out_dir/gx` and the Data Docs `out_dir/data_docs` (every run so
    far, under its `run_name`); without it nothing is written. `run_meta` goes into each stored result.
    """
    return run_suites_by_run([GxRun(frames, run_name, run_meta or {})], out_dir, suites_dir)[0]


@dataclass(slots=True)
class GxRun:
    """One named run of the suites: the frames it validates (e.g. one fiscal year's) and its meta."""

    frames: dict[str, pd.DataFrame]
    run_name: str | None
    run_meta: dict[str, Any] = field(default_factory=dict)


def run_suites_by_run(runs: list[GxRun], out_dir: Path | None = None, suites_dir: Path = SUITES_DIR) -> list[GxOutcome]:
    """`run_suites` for each of `runs` (one per audited year), with one GX context, suite, validation
    definition and checkpoint per suite for all of them, and one Data Docs build at the end: each
    run is validated and stored under its own run name, as separate audits would have been."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # offline: no usage statistics
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines are noise on a CLI

    context = _context(gx, out_dir)
    source = context.data_sources.add_or_update_pandas("warehouse")
    outcomes = [GxOutcome(success=True, run_name=run.run_name) for run in runs]
    run_ids = [RunIdentifier(run_name=run.run_name, run_time=datetime.now(UTC)) for run in runs]
    stored: list[Any] = []
    for spec in load_suites(suites_dir):
        frames = [_plain_columns(run.frames[spec["frame"]]) for run in runs]
        for frame in frames:
            _check_spec(spec, frame)
        # add_or_update throughout: a second audit into the same folder reuses the project
        asset = next((a for a in source.assets if a.name == spec["name"]), None) or source.add_dataframe_asset(spec["name"])
        batch_definition = next((b for b in asset.batch_definitions if b.name == "all"), None) \
            or asset.add_batch_definition_whole_dataframe("all")
        suite = context.suites.add_or_update(gx.ExpectationSuite(
            name=spec["name"], expectations=spec["expectations"], meta={"description": spec.get("description", "")}))
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=spec["name"], data=batch_definition, suite=suite))
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"audit-{spec['name']}", validation_definitions=[validation],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": spec["key_columns"]},
        ))
        for run, run_id, outcome, frame in zip(runs, run_ids, outcomes, frames, strict=True):
            result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
            outcome.success = outcome.success and bool(result.success)
            for key, run_result in result.run_results.items():
                for expectation_result in run_result.results:
                    _record(outcome, spec, frame, expectation_result)
                # a dataframe batch names no asset in its batch spec: Data Docs would say "Data asset: None"
                run_result.meta["batch_spec"]["data_asset_name"] = spec["name"]
                run_result.meta["audit"] = {"frame": spec["frame"], **run.run_meta}
                stored.append((key, run_result))
    if out_dir is not None:
        for key, run_result in stored:
            context.validation_results_store.set(key, run_result)
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        # the new results' pages and the suites' (the results link to them); older pages stay as built
        suites = [ExpectationSuiteIdentifier(name=name) for name in dict.fromkeys(
            key.expectation_suite_identifier.name for key, _ in stored)]
        context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[*suites, *(key for key, _ in stored)])
        index = write_static_index(context, out_dir / DATA_DOCS_DIR)
        for outcome in outcomes:
            outcome.data_docs_index = index
    return outcomes


def _context(gx: Any, out_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if out_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        context = gx.get_context(mode="file", project_root_dir=out_dir)
        # one site, in OUT/data_docs (relative to the project: the folder can move as a whole)
        site = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": f"../{DATA_DOCS_DIR}/"},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
        sites = context.list_data_docs_sites()
        for name in [name for name in sites if name != SITE_NAME]:
            context.delete_data_docs_site(name)  # GX's default local_site: one copy of the docs is enough
        if SITE_NAME not in sites:
            context.add_data_docs_site(site_name=SITE_NAME, site_config=site)
        elif sites[SITE_NAME] != site:
            context.update_data_docs_site(site_name=SITE_NAME, site_config=site)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _check_spec(spec: dict[str, Any], frame: pd.DataFrame) -> None:
    needed = [*spec["key_columns"], spec["report_column"], *CONTEXT_COLUMNS, *spec.get("evidence_columns", [])]
    missing = [column for column in dict.fromkeys(needed) if column not in frame.columns]
    if missing:
        raise GxSuiteError(f"suite {spec['name']}: frame {spec['frame']!r} has no column {', '.join(missing)}")


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    # list-valued columns (e.g. error_rules) are not needed by any expectation and trip GX's metrics
    # (only object columns can hold them: typed columns are not scanned value by value)
    # (a column pandas infers as plain strings or empty is skipped without a Python call per value)
    listy = [c for c in frame.columns
             if frame[c].dtype == object and pd.api.types.infer_dtype(frame[c], skipna=True) not in _SCALAR_KINDS
             and frame[c].map(lambda v: isinstance(v, list | tuple)).any()]
    return frame.drop(columns=listy).reset_index(drop=True)


def _record(outcome: GxOutcome, spec: dict[str, Any], frame: pd.DataFrame, expectation_result: Any) -> None:
    config = expectation_result.expectation_config
    kwargs = _jsonable({k: v for k, v in config.kwargs.items() if k not in ("batch_id",)})
    label = (config.meta or {}).get("zh", config.type)
    column = kwargs.get("column")
    details = expectation_result.result or {}
    outcome.results.append({"suite": spec["name"], "expectation": config.type, "label": label,
                            "column": column, "success": bool(expectation_result.success),
                            "element_count": details.get("element_count"),
                            "unexpected_count": details.get("unexpected_count", 0)})
    if expectation_result.success:
        return
    message = f"GX 期望未满足：{label}（{spec['name']}.{config.type}）"
    base = {"suite": spec["name"], "expectation": config.type, "label": label, "column": column,
            "column_label": spec.get("columns", {}).get(column, column), "kwargs": kwargs,
            "unexpected_count": details.get("unexpected_count")}
    index_rows = [row for row in details.get("unexpected_index_list") or [] if isinstance(row, dict)]
    if index_rows and len(index_rows) < (details.get("unexpected_count") or 0):  # a GX that cuts the list
        logging.getLogger(__name__).warning("GX returned %d of %d unexpected rows of %s.%s: findings are incomplete",
                                            len(index_rows), details["unexpected_count"], spec["name"], config.type)
    if not index_rows:  # a table-level expectation (no rows to name): one finding for the suite
        outcome.findings.append(AuditFinding(check_name="gx_expectation", severity="warning", message=message,
                                             unit_name=f"（{spec['name']}）", evidence=base))
        return
    # the unexpected rows joined back to their frame by key (one merge, not a lookup per row)
    keys = spec["key_columns"]
    shown = [c for c in dict.fromkeys([spec["report_column"], *CONTEXT_COLUMNS, *spec.get("evidence_columns", []),
                                       *([column] if column in frame.columns else [])]) if c not in keys]
    rows = pd.DataFrame(index_rows, columns=keys).merge(frame[[*keys, *shown]], on=keys, how="left")
    values = {c: [_jsonable(v) for v in rows[c].tolist()] for c in dict.fromkeys([*keys, *shown])}
    reports, units, years = values[spec["report_column"]], values["unit_name"], values["fiscal_year"]
    extra = spec.get("evidence_columns", [])
    for i in range(len(rows)):
        evidence = {**base, "value": values[column][i] if column in values else None, "fiscal_year": years[i],
                    "row": {c: values[c][i] for c in dict.fromkeys([*keys, *extra])}}
        outcome.findings.append(AuditFinding(
            check_name="gx_expectation", severity="warning", message=message,
            doc_sha256=reports[i] if isinstance(reports[i], str) else None,
            unit_name=units[i] if isinstance(units[i], str) else None, evidence=evidence))


def write_static_index(context: Any, data_docs_dir: Path) -> Path:
    """Replace GX's index page (a list built by JavaScript from CDNs) with a static one: every stored
    validation result, grouped by run name (newest first), and every suite, linked to their pages."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
    from jinja2 import Environment, PackageLoader, select_autoescape

    index = data_docs_dir / "index.html"
    if index.is_file() and INDEX_MARKER not in index.read_text(encoding="utf-8", errors="replace")[:2000]:
        index.replace(data_docs_dir / GX_INDEX_NAME)  # GX's page, just built: keep it beside ours
    store = context.validation_results_store
    runs: dict[str, dict[str, Any]] = {}
    for key in store.list_keys():
        page = _page(context, key, data_docs_dir)
        if page is None:
            continue
        result = store.get(key)
        stats = result.statistics or {}
        run = runs.setdefault(key.run_id.run_name or "", {
            "name": key.run_id.run_name or "（未命名）", "time": key.run_id.run_time, "meta": result.meta.get("audit", {}),
            "validations": []})
        run["time"] = max(run["time"], key.run_id.run_time)
        run["validations"].append({
            "suite": key.expectation_suite_identifier.name, "success": bool(result.success), "page": page,
            "evaluated": stats.get("evaluated_expectations"), "failed": stats.get("unsuccessful_expectations"),
        })
    suites = [{"name": name, "page": _page(context, ExpectationSuiteIdentifier(name=name), data_docs_dir)}
              for name in sorted(suite.name for suite in context.suites.all())]
    ordered = sorted(runs.values(), key=lambda r: r["time"], reverse=True)
    for run in ordered:
        run["validations"].sort(key=lambda v: v["suite"])
        run["time"] = run["time"].astimezone().isoformat(" ", "seconds")
        run["success"] = all(v["success"] for v in run["validations"])
    environment = Environment(loader=PackageLoader("expectations.audit", "templates"), autoescape=select_autoescape(["j2"]))
    index.write_text(environment.get_template("data_docs_index.html.j2").render(
        runs=ordered, suites=[s for s in suites if s["page"]], marker=INDEX_MARKER, gx_index=GX_INDEX_NAME
        if (data_docs_dir / GX_INDEX_NAME).is_file() else None), encoding="utf-8")
    return index


def _page(context: Any, key: Any, data_docs_dir: Path) -> str | None:
    """The page of a resource in the site, relative to the site's folder (None if not built)."""
    for site in context.get_docs_sites_urls(resource_identifier=key, site_name=SITE_NAME, only_if_exists=True):
        url = site.get("site_url")
        if url:
            path = Path(unquote(urlparse(url).path))
            try:
                return path.resolve().relative_to(data_docs_dir.resolve()).as_posix()
            except ValueError:
                return None
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN -> null
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    if value is pd.NaT or value is pd.NA:
        return None
    return str(value)
