"""Run the audit's Great Expectations suites over frames pulled from the warehouse.

GX's SQL path does not work reliably on DuckDB (it fails silently), so the audit pulls the tables into
pandas and validates them with GX's pandas datasource. Each suite is a JSON file in `suites/`: its
name, the frame it validates, the id column that names a row in findings, and its expectations.
Great Expectations is imported here only (it takes seconds to import); its progress bars are off.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tasks.audit import AuditFinding

SUITES_DIR = Path(__file__).with_name("suites")
MAX_UNEXPECTED = 20  # unexpected values / rows quoted per failed expectation


@dataclass(slots=True)
class GxOutcome:
    success: bool
    results: list[dict[str, Any]] = field(default_factory=list)  # one per expectation
    findings: list[AuditFinding] = field(default_factory=list)  # one per failed expectation
    data_docs_index: Path | None = None


def load_suites(suites_dir: Path = SUITES_DIR) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(suites_dir.glob("*.json"))]


def run_suites(frames: dict[str, pd.DataFrame], data_docs_dir: Path | None = None,
               suites_dir: Path = SUITES_DIR) -> GxOutcome:
    """Validate each suite's frame; failed expectations become `gx_expectation` findings.

    With `data_docs_dir`, GX's Data Docs (a static HTML site) are built there.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # offline: no usage statistics
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines are noise on a CLI

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    actions = []
    if data_docs_dir is not None:
        context.add_data_docs_site(site_name="audit", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        actions.append(gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["audit"]))
    source = context.data_sources.add_pandas("warehouse")

    outcome = GxOutcome(success=True)
    for spec in load_suites(suites_dir):
        frame = _plain_columns(frames[spec["frame"]])
        batch_definition = source.add_dataframe_asset(spec["name"]).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"],
                                                       meta={"description": spec.get("description", "")}))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec["name"], data=batch_definition, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"audit-{spec['name']}", validation_definitions=[validation], actions=actions,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [spec["id_column"]]},
        ))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        outcome.success = outcome.success and bool(result.success)
        for run_result in result.run_results.values():
            for expectation_result in run_result.results:
                _record(outcome, spec, expectation_result)
    if data_docs_dir is not None and (data_docs_dir / "index.html").is_file():
        outcome.data_docs_index = data_docs_dir / "index.html"
    return outcome


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    # list-valued columns (e.g. error_rules) are not needed by any expectation and trip GX's metrics
    # (only object columns can hold them: typed columns are not scanned value by value)
    listy = [c for c in frame.columns
             if frame[c].dtype == object and frame[c].map(lambda v: isinstance(v, list | tuple)).any()]
    return frame.drop(columns=listy).reset_index(drop=True)


def _record(outcome: GxOutcome, spec: dict[str, Any], expectation_result: Any) -> None:
    config = expectation_result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    label = (config.meta or {}).get("zh", config.type)
    details = expectation_result.result or {}
    outcome.results.append({"suite": spec["name"], "expectation": config.type, "label": label,
                            "column": kwargs.get("column"), "success": bool(expectation_result.success),
                            "unexpected_count": details.get("unexpected_count", 0)})
    if expectation_result.success:
        return
    ids = [row.get(spec["id_column"]) for row in details.get("unexpected_index_list") or []
           if isinstance(row, dict)]
    unexpected = [_jsonable(value) for value in (details.get("partial_unexpected_list") or [])[:MAX_UNEXPECTED]]
    message = f"GX 期望未满足：{label}（{spec['name']}.{config.type}）"
    evidence = {"suite": spec["name"], "expectation": config.type, "kwargs": _jsonable(kwargs),
                "unexpected_count": details.get("unexpected_count"), "unexpected_values": unexpected}
    # One finding per report that breaks the expectation, so each report links to its evidence.
    reports = list(dict.fromkeys(str(i) for i in ids if i is not None))
    for sha256 in reports[:MAX_UNEXPECTED]:
        outcome.findings.append(AuditFinding(check_name="gx_expectation", severity="warning", message=message,
                                             doc_sha256=sha256, evidence=evidence))
    if not reports:
        outcome.findings.append(AuditFinding(check_name="gx_expectation", severity="warning", message=message,
                                             unit_name=f"（{spec['name']}）", evidence=evidence))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN -> null
    return str(value)
