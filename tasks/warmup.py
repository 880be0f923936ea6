"""Build the pipeline's lazy state once, at import: imported by the worker pool's fork server.

The first batch a fresh process validates costs ~2.5 s more than the next (pandera builds its
schemas and imports dask for its type hints; phrasings compile; the region index and jionlp's own
region dictionary load). The fork server of `flows/runners.py` imports this module, so every worker
forks from a warm process and the cost is paid once per run instead of once per worker.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io

from tasks.extract.gazetteer import quiet_jionlp
from tasks.pipeline import process_batch

# A short report in the genre, written for this purpose: one figure of each kind and a region, so
# every extractor and every rule's code path is touched once.
WARM_UP_REPORT = """浙江省杭州市西湖区教育局2023年度部门整体支出绩效自评报告

一、部门基本情况
编制人数30人，实有人数28人。
二、预算执行情况
2023年年初预算收入合计120.50万元，其中财政拨款收入110.50万元。全年支出合计118.20万元，其中基本支出
80.10万元，项目支出38.10万元。预算执行率98.09%，基本支出占比67.77%。
三、自评结论
部门整体支出绩效自评得分95.5分。
西湖区教育局
2024年3月15日
"""

process_batch([("warm-up.txt", WARM_UP_REPORT.encode("utf-8"))])
# The gazetteer settles the report's region, so jionlp's own parser never ran: it loads its region
# dictionary on first use (~1.2 s, which each worker would otherwise pay in its first batch).
with contextlib.redirect_stdout(io.StringIO()):
    quiet_jionlp().parse_location("西湖区教育局")

# Everything alive now (modules, compiled patterns, schemas) lives as long as the process: move it out
# of the collector's generations. Workers forked from here then neither rescan it on every full
# collection (~1.5% of a batch's time) nor copy the pages the collector would write to. At exit they
# go back to the collector: DuckDB's bindings report objects still alive at teardown as leaks.
gc.freeze()
atexit.register(gc.unfreeze)
