-- repeatable: re-applied whenever this file changes (every statement is CREATE OR REPLACE).
-- Views of the annual audit.

-- What the audit looks at: one row per report (latest version of each path), with a normalized unit
-- key (whitespace removed) for matching against the roster and across years.
CREATE OR REPLACE VIEW v_audit_reports AS
WITH error_rules AS (
    SELECT doc_sha256, list(DISTINCT rule ORDER BY rule) AS rules
    FROM findings
    WHERE severity = 'error'
    GROUP BY doc_sha256
)
SELECT
    s.sha256,
    s.path,
    s.file_name,
    s.unit_name,
    nullif(regexp_replace(s.unit_name, '\s+', '', 'g'), '') AS unit_key,
    s.province,
    s.city,
    s.county,
    s.fiscal_year,
    s.report_date,
    s.expenditure_final_yuan,
    coalesce(s.expenditure_execution_pct_computed, s.expenditure_execution_pct_stated) AS execution_pct,
    s.self_eval_score,
    s.status,
    s.n_errors,
    s.n_warnings,
    coalesce(e.rules, []::VARCHAR[]) AS error_rules
FROM v_report_summary AS s
LEFT JOIN error_rules AS e ON e.doc_sha256 = s.sha256;
COMMENT ON VIEW v_audit_reports IS '年度审核输入：每个路径最新版本的报告一行（含规范化单位名）';
COMMENT ON COLUMN v_audit_reports.sha256 IS '文件内容哈希';
COMMENT ON COLUMN v_audit_reports.path IS '文件路径';
COMMENT ON COLUMN v_audit_reports.file_name IS '文件名';
COMMENT ON COLUMN v_audit_reports.unit_name IS '单位名称';
COMMENT ON COLUMN v_audit_reports.unit_key IS '单位名称（去空白，用于比对名录与跨年）';
COMMENT ON COLUMN v_audit_reports.province IS '省';
COMMENT ON COLUMN v_audit_reports.city IS '市';
COMMENT ON COLUMN v_audit_reports.county IS '县（区）';
COMMENT ON COLUMN v_audit_reports.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_audit_reports.report_date IS '报告日期';
COMMENT ON COLUMN v_audit_reports.expenditure_final_yuan IS '支出合计 决算数（元）';
COMMENT ON COLUMN v_audit_reports.execution_pct IS '支出执行率（%，计算值优先，否则所述值）';
COMMENT ON COLUMN v_audit_reports.self_eval_score IS '自评得分（所述最高分）';
COMMENT ON COLUMN v_audit_reports.status IS '校验结果';
COMMENT ON COLUMN v_audit_reports.n_errors IS '错误数';
COMMENT ON COLUMN v_audit_reports.n_warnings IS '警告数';
COMMENT ON COLUMN v_audit_reports.error_rules IS '错误类校验规则（去重）';

-- The findings of the latest completed audit run of each fiscal year, with labels and the file name.
CREATE OR REPLACE VIEW v_audit_findings AS
WITH latest AS (
    SELECT fiscal_year, arg_max(run_id, started_at) AS run_id
    FROM audit_runs
    WHERE status = 'completed'
    GROUP BY fiscal_year
)
SELECT
    f.fiscal_year,
    f.run_id,
    f.finding_no,
    f.check_name,
    coalesce(c.zh_label, f.check_name) AS check_zh,
    c.engine,
    f.severity,
    CASE f.severity WHEN 'error' THEN '错误' ELSE '警告' END AS severity_zh,
    f.unit_name,
    d.file_name,
    f.doc_sha256,
    f.message,
    f.evidence
FROM audit_findings AS f
JOIN latest AS l ON l.run_id = f.run_id
LEFT JOIN audit_checks AS c ON c.check_name = f.check_name
LEFT JOIN documents AS d ON d.sha256 = f.doc_sha256;
COMMENT ON VIEW v_audit_findings IS '年度审核发现（各年度最近一次完成的审核）';
COMMENT ON COLUMN v_audit_findings.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_audit_findings.run_id IS '审核运行编号';
COMMENT ON COLUMN v_audit_findings.finding_no IS '运行内序号';
COMMENT ON COLUMN v_audit_findings.check_name IS '检查项';
COMMENT ON COLUMN v_audit_findings.check_zh IS '检查项（中文）';
COMMENT ON COLUMN v_audit_findings.engine IS '执行方式：sql / python / gx';
COMMENT ON COLUMN v_audit_findings.severity IS '严重程度';
COMMENT ON COLUMN v_audit_findings.severity_zh IS '严重程度（中文）';
COMMENT ON COLUMN v_audit_findings.unit_name IS '单位名称';
COMMENT ON COLUMN v_audit_findings.file_name IS '文件名';
COMMENT ON COLUMN v_audit_findings.doc_sha256 IS '所涉报告（文件哈希）';
COMMENT ON COLUMN v_audit_findings.message IS '说明';
COMMENT ON COLUMN v_audit_findings.evidence IS '证据（JSON）';
