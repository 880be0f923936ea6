-- The annual consistency audit: the roster of units expected to report, audit runs, and their findings.
-- Applied once; change the schema with a new numbered file.

CREATE TABLE roster (
    unit_name  VARCHAR PRIMARY KEY,
    province   VARCHAR,
    city       VARCHAR,
    county     VARCHAR,
    first_year INTEGER CHECK (first_year BETWEEN 1949 AND 2100),
    last_year  INTEGER CHECK (last_year BETWEEN 1949 AND 2100),
    source     VARCHAR NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    CHECK (first_year IS NULL OR last_year IS NULL OR first_year <= last_year)
);
COMMENT ON TABLE roster IS '应报单位名录：每个应提交自评报告的单位一行（由 CSV 整表替换）';
COMMENT ON COLUMN roster.unit_name IS '单位名称（与报告中的单位名称比对）';
COMMENT ON COLUMN roster.province IS '省';
COMMENT ON COLUMN roster.city IS '市';
COMMENT ON COLUMN roster.county IS '县（区）';
COMMENT ON COLUMN roster.first_year IS '自该预算年度起应报（空 = 不限）';
COMMENT ON COLUMN roster.last_year IS '至该预算年度止应报（空 = 不限）';
COMMENT ON COLUMN roster.source IS '名录来源文件';
COMMENT ON COLUMN roster.loaded_at IS '载入时间';

CREATE TABLE audit_runs (
    run_id      VARCHAR PRIMARY KEY,
    fiscal_year INTEGER NOT NULL CHECK (fiscal_year BETWEEN 1949 AND 2100),
    started_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    params      JSON,
    n_reports   INTEGER CHECK (n_reports >= 0),
    n_findings  INTEGER CHECK (n_findings >= 0),
    gx_success  BOOLEAN,
    summary     JSON
);
COMMENT ON TABLE audit_runs IS '年度审核运行记录：每次审核一行';
COMMENT ON COLUMN audit_runs.run_id IS '审核运行编号（uuid4）';
COMMENT ON COLUMN audit_runs.fiscal_year IS '审核的预算年度';
COMMENT ON COLUMN audit_runs.started_at IS '开始时间';
COMMENT ON COLUMN audit_runs.finished_at IS '结束时间';
COMMENT ON COLUMN audit_runs.status IS '运行状态：running 进行中 / completed 完成 / failed 失败';
COMMENT ON COLUMN audit_runs.params IS '运行参数（JSON：阈值、名录、输出目录）';
COMMENT ON COLUMN audit_runs.n_reports IS '该年度参与审核的报告数';
COMMENT ON COLUMN audit_runs.n_findings IS '审核发现数';
COMMENT ON COLUMN audit_runs.gx_success IS 'Great Expectations 校验套件是否全部通过';
COMMENT ON COLUMN audit_runs.summary IS '运行摘要（JSON）';

-- Audit findings are never rewritten: each run adds its own rows (v_audit_findings shows the latest run).
CREATE TABLE audit_findings (
    run_id      VARCHAR NOT NULL,
    finding_no  INTEGER NOT NULL CHECK (finding_no >= 1),
    fiscal_year INTEGER NOT NULL,
    check_name  VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    doc_sha256  VARCHAR,
    unit_name   VARCHAR,
    message     VARCHAR NOT NULL,
    evidence    JSON NOT NULL,
    PRIMARY KEY (run_id, finding_no),
    -- a finding is about a report, or (e.g. a unit that did not report) about a unit
    CHECK (doc_sha256 IS NOT NULL OR unit_name IS NOT NULL)
);
COMMENT ON TABLE audit_findings IS '年度审核发现：跨报告检查的每条问题一行，附证据';
COMMENT ON COLUMN audit_findings.run_id IS '审核运行编号（见 audit_runs）';
COMMENT ON COLUMN audit_findings.finding_no IS '运行内序号（从 1 起）';
COMMENT ON COLUMN audit_findings.fiscal_year IS '预算年度';
COMMENT ON COLUMN audit_findings.check_name IS '检查项（见 audit_checks）';
COMMENT ON COLUMN audit_findings.severity IS '严重程度：error 错误 / warning 警告';
COMMENT ON COLUMN audit_findings.doc_sha256 IS '所涉报告（文件哈希；未提交报告时为空）';
COMMENT ON COLUMN audit_findings.unit_name IS '所涉单位';
COMMENT ON COLUMN audit_findings.message IS '说明';
COMMENT ON COLUMN audit_findings.evidence IS '证据（JSON：数值、相关报告、原文片段）';

CREATE TABLE audit_checks (
    check_name  VARCHAR PRIMARY KEY,
    severity    VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    engine      VARCHAR NOT NULL CHECK (engine IN ('sql', 'python', 'gx')),
    zh_label    VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE audit_checks IS '年度审核检查项维表';
COMMENT ON COLUMN audit_checks.check_name IS '检查项';
COMMENT ON COLUMN audit_checks.severity IS '严重程度';
COMMENT ON COLUMN audit_checks.engine IS '执行方式：sql（DuckDB 查询）/ python（MinHash、词表）/ gx（Great Expectations 套件）';
COMMENT ON COLUMN audit_checks.zh_label IS '中文名称';
COMMENT ON COLUMN audit_checks.description IS '含义';
