-- Findings history: which reports each run validated, and which findings it raised, cleared or kept.
-- A finding is followed across runs by its key: the report (doc_sha256), the rule and the sorted fact ids
-- (`rule:id,id,...`, with `#2`, `#3` ... for a repeat of the same rule over the same facts).
-- No foreign keys: DuckDB then refuses the UPDATEs of reports and runs that every run makes.

CREATE TABLE run_reports (
    run_id        VARCHAR NOT NULL,
    doc_sha256    VARCHAR NOT NULL,
    status_before VARCHAR CHECK (status_before IN ('passed', 'warning', 'failed')),
    status_after  VARCHAR NOT NULL CHECK (status_after IN ('passed', 'warning', 'failed')),
    n_errors      INTEGER NOT NULL CHECK (n_errors >= 0),
    n_warnings    INTEGER NOT NULL CHECK (n_warnings >= 0),
    PRIMARY KEY (run_id, doc_sha256)
);
COMMENT ON TABLE run_reports IS '运行校验记录：每次运行校验过的每份报告一行';
COMMENT ON COLUMN run_reports.run_id IS '运行编号';
COMMENT ON COLUMN run_reports.doc_sha256 IS '报告（文件哈希）';
COMMENT ON COLUMN run_reports.status_before IS '运行前的校验结果（首次入库时为空）';
COMMENT ON COLUMN run_reports.status_after IS '运行后的校验结果';
COMMENT ON COLUMN run_reports.n_errors IS '运行后的错误数';
COMMENT ON COLUMN run_reports.n_warnings IS '运行后的警告数';

CREATE TABLE finding_history (
    run_id      VARCHAR NOT NULL,
    doc_sha256  VARCHAR NOT NULL,
    finding_key VARCHAR NOT NULL,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    message     VARCHAR NOT NULL,
    fact_ids    VARCHAR[] NOT NULL,
    change      VARCHAR NOT NULL CHECK (change IN ('raised', 'persisting', 'cleared')),
    PRIMARY KEY (run_id, doc_sha256, finding_key)
);
COMMENT ON TABLE finding_history IS '校验发现历史：每次运行对每条发现的处理（新增、消除、保留）';
COMMENT ON COLUMN finding_history.run_id IS '运行编号';
COMMENT ON COLUMN finding_history.doc_sha256 IS '报告（文件哈希）';
COMMENT ON COLUMN finding_history.finding_key IS '发现标识：规则与排序后的事实编号（跨运行追踪同一发现）';
COMMENT ON COLUMN finding_history.rule IS '规则';
COMMENT ON COLUMN finding_history.severity IS '严重程度';
COMMENT ON COLUMN finding_history.message IS '说明（消除的发现为其最后一次的说明）';
COMMENT ON COLUMN finding_history.fact_ids IS '涉及的事实编号';
COMMENT ON COLUMN finding_history.change IS '变化：raised 新增 / persisting 保留 / cleared 消除';

-- Warehouses loaded before this file: each report's findings count as raised by the run that loaded it.
INSERT INTO run_reports
SELECT d.first_run_id, r.sha256, NULL, r.status, r.n_errors, r.n_warnings
FROM reports AS r JOIN documents AS d ON d.sha256 = r.sha256;

INSERT INTO finding_history
SELECT
    d.first_run_id, f.doc_sha256,
    f.rule || ':' || array_to_string(list_sort(f.fact_ids), ',')
        || CASE WHEN row_number() OVER same_key > 1 THEN '#' || row_number() OVER same_key ELSE '' END,
    f.rule, f.severity, f.message, f.fact_ids, 'raised'
FROM findings AS f JOIN documents AS d ON d.sha256 = f.doc_sha256
WINDOW same_key AS (PARTITION BY f.doc_sha256, f.rule, list_sort(f.fact_ids) ORDER BY f.finding_no);
