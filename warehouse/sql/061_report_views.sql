-- repeatable: re-applied whenever this file changes (every statement is CREATE OR REPLACE).
-- Views over the columns added in 060 (document kind, how each figure was read, unclassified money).

-- One row per report: the latest version of each path (a path whose latest file was rejected has none).
CREATE OR REPLACE VIEW v_report_summary AS
WITH headline AS (
    SELECT
        doc_sha256,
        arg_min(value_yuan, span_start) FILTER (concept = 'expenditure.total' AND basis = 'budget') AS exp_budget,
        arg_min(value_yuan, span_start) FILTER (concept = 'expenditure.total' AND basis = 'adjusted_budget') AS exp_adjusted,
        arg_min(value_yuan, span_start) FILTER (concept = 'expenditure.total' AND basis = 'final') AS exp_final,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.total' AND basis = 'budget') AS inc_total_budget,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.total' AND basis = 'adjusted_budget') AS inc_total_adjusted,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.total' AND basis = 'final') AS inc_total_final,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.fiscal' AND basis = 'budget') AS inc_fiscal_budget,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.fiscal' AND basis = 'adjusted_budget') AS inc_fiscal_adjusted,
        arg_min(value_yuan, span_start) FILTER (concept = 'income.fiscal' AND basis = 'final') AS inc_fiscal_final
    FROM amounts
    WHERE concept IN ('expenditure.total', 'income.total', 'income.fiscal')
    GROUP BY doc_sha256
),
stated_execution AS (
    SELECT doc_sha256, arg_min(value_pct, span_start) AS pct
    FROM rates
    WHERE kind = 'execution' AND concept = 'expenditure.total'
    GROUP BY doc_sha256
),
best_score AS (
    SELECT doc_sha256, max(value) AS score FROM scores GROUP BY doc_sha256
),
unread AS (
    SELECT doc_sha256, count(*) AS n FROM unclassified GROUP BY doc_sha256
),
read_amounts AS (
    SELECT doc_sha256, count(*) AS n FROM amounts GROUP BY doc_sha256
)
SELECT
    r.sha256,
    d.path,
    d.file_name,
    d.version,
    r.unit_name,
    r.province,
    r.city,
    r.county,
    r.fiscal_year,
    r.report_date,
    r.report_kind,
    CASE r.report_kind WHEN 'department_overall' THEN '部门整体支出' WHEN 'project' THEN '项目支出'
        WHEN 'transfer_payment' THEN '转移支付' WHEN 'final_accounts' THEN '决算（预算）说明' ELSE '其他' END
        AS report_kind_zh,
    r.subject,
    h.exp_budget AS expenditure_budget_yuan,
    h.exp_adjusted AS expenditure_adjusted_budget_yuan,
    h.exp_final AS expenditure_final_yuan,
    coalesce(h.inc_total_budget, h.inc_fiscal_budget) AS income_budget_yuan,
    coalesce(h.inc_total_adjusted, h.inc_fiscal_adjusted) AS income_adjusted_budget_yuan,
    coalesce(h.inc_total_final, h.inc_fiscal_final) AS income_final_yuan,
    e.pct AS expenditure_execution_pct_stated,
    -- final over the budget side: the adjusted budget when stated, else the initial budget
    round(100.0 * h.exp_final / nullif(coalesce(h.exp_adjusted, h.exp_budget), 0), 2)
        AS expenditure_execution_pct_computed,
    s.score AS self_eval_score,
    r.status,
    CASE r.status WHEN 'passed' THEN '通过' WHEN 'warning' THEN '有警告' WHEN 'failed' THEN '有错误' END
        AS status_zh,
    r.n_errors,
    r.n_warnings,
    coalesce(u.n, 0) AS n_unclassified,
    -- the share of the money figures read that were given a concept
    round(100.0 * coalesce(m.n, 0) / nullif(coalesce(m.n, 0) + coalesce(u.n, 0), 0), 1) AS classified_pct
FROM reports AS r
JOIN v_documents AS d ON d.sha256 = r.sha256 AND d.is_latest
LEFT JOIN headline AS h ON h.doc_sha256 = r.sha256
LEFT JOIN stated_execution AS e ON e.doc_sha256 = r.sha256
LEFT JOIN best_score AS s ON s.doc_sha256 = r.sha256
LEFT JOIN unread AS u ON u.doc_sha256 = r.sha256
LEFT JOIN read_amounts AS m ON m.doc_sha256 = r.sha256;
COMMENT ON VIEW v_report_summary IS '报告概览：每个路径的最新版本一行';
COMMENT ON COLUMN v_report_summary.sha256 IS '文件内容哈希';
COMMENT ON COLUMN v_report_summary.path IS '文件路径';
COMMENT ON COLUMN v_report_summary.file_name IS '文件名';
COMMENT ON COLUMN v_report_summary.version IS '版本号';
COMMENT ON COLUMN v_report_summary.unit_name IS '单位名称';
COMMENT ON COLUMN v_report_summary.province IS '省';
COMMENT ON COLUMN v_report_summary.city IS '市';
COMMENT ON COLUMN v_report_summary.county IS '县（区）';
COMMENT ON COLUMN v_report_summary.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_report_summary.report_date IS '报告日期';
COMMENT ON COLUMN v_report_summary.report_kind IS '报告类型：department_overall / project / transfer_payment / final_accounts / other';
COMMENT ON COLUMN v_report_summary.report_kind_zh IS '报告类型（中文）';
COMMENT ON COLUMN v_report_summary.subject IS '项目或资金名称（项目、转移支付报告）';
COMMENT ON COLUMN v_report_summary.expenditure_budget_yuan IS '支出合计 年初预算数（元）';
COMMENT ON COLUMN v_report_summary.expenditure_adjusted_budget_yuan IS '支出合计 调整后预算数（元）';
COMMENT ON COLUMN v_report_summary.expenditure_final_yuan IS '支出合计 决算数（元）';
COMMENT ON COLUMN v_report_summary.income_budget_yuan IS '收入合计 年初预算数（元；无合计时取财政拨款收入）';
COMMENT ON COLUMN v_report_summary.income_adjusted_budget_yuan IS '收入合计 调整后预算数（元；无合计时取财政拨款收入）';
COMMENT ON COLUMN v_report_summary.income_final_yuan IS '收入合计 决算数（元；无合计时取财政拨款收入）';
COMMENT ON COLUMN v_report_summary.expenditure_execution_pct_stated IS '支出执行率（报告所述，%）';
COMMENT ON COLUMN v_report_summary.expenditure_execution_pct_computed IS '支出执行率（决算数÷调整后预算数，无则÷年初预算数，%）';
COMMENT ON COLUMN v_report_summary.self_eval_score IS '自评得分（所述最高分）';
COMMENT ON COLUMN v_report_summary.status IS '校验结果';
COMMENT ON COLUMN v_report_summary.status_zh IS '校验结果（中文）';
COMMENT ON COLUMN v_report_summary.n_errors IS '错误数';
COMMENT ON COLUMN v_report_summary.n_warnings IS '警告数';
COMMENT ON COLUMN v_report_summary.n_unclassified IS '未能归类的金额个数';
COMMENT ON COLUMN v_report_summary.classified_pct IS '已归类金额占读到金额的比例（%）';

CREATE OR REPLACE VIEW v_amounts AS
SELECT
    a.doc_sha256,
    d.file_name,
    d.is_latest,
    r.unit_name,
    r.province,
    r.city,
    r.county,
    r.fiscal_year,
    a.fact_id,
    a.concept,
    coalesce(c.zh_label, a.concept) AS concept_zh,
    c.parent AS parent_concept,
    c.axis,
    a.basis,
    b.zh_label AS basis_zh,
    a.value_yuan,
    a.value_yuan / 10000 AS value_wan_yuan,
    a.as_written,
    a.unit,
    a.decimals,
    a.unit_implied,
    a.half_width_yuan,
    a.span_start,
    a.span_end,
    a.read_by,
    a.label
FROM amounts AS a
JOIN reports AS r ON r.sha256 = a.doc_sha256
JOIN v_documents AS d ON d.sha256 = a.doc_sha256
LEFT JOIN concepts AS c ON c.concept = a.concept
LEFT JOIN bases AS b ON b.basis = a.basis;
COMMENT ON VIEW v_amounts IS '金额明细（含概念与口径中文名）';
COMMENT ON COLUMN v_amounts.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN v_amounts.file_name IS '文件名';
COMMENT ON COLUMN v_amounts.is_latest IS '是否该路径的最新版本';
COMMENT ON COLUMN v_amounts.unit_name IS '单位名称';
COMMENT ON COLUMN v_amounts.province IS '省';
COMMENT ON COLUMN v_amounts.city IS '市';
COMMENT ON COLUMN v_amounts.county IS '县（区）';
COMMENT ON COLUMN v_amounts.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_amounts.fact_id IS '事实编号';
COMMENT ON COLUMN v_amounts.concept IS '概念';
COMMENT ON COLUMN v_amounts.concept_zh IS '概念（中文）';
COMMENT ON COLUMN v_amounts.parent_concept IS '上级概念';
COMMENT ON COLUMN v_amounts.axis IS '分解维度';
COMMENT ON COLUMN v_amounts.basis IS '口径';
COMMENT ON COLUMN v_amounts.basis_zh IS '口径（中文）';
COMMENT ON COLUMN v_amounts.value_yuan IS '金额（元）';
COMMENT ON COLUMN v_amounts.value_wan_yuan IS '金额（万元）';
COMMENT ON COLUMN v_amounts.as_written IS '原文写法';
COMMENT ON COLUMN v_amounts.unit IS '原文单位';
COMMENT ON COLUMN v_amounts.decimals IS '原文小数位数';
COMMENT ON COLUMN v_amounts.unit_implied IS '单位未写明';
COMMENT ON COLUMN v_amounts.half_width_yuan IS '舍入容差（元）';
COMMENT ON COLUMN v_amounts.span_start IS '原文起始位置';
COMMENT ON COLUMN v_amounts.span_end IS '原文结束位置（不含）';
COMMENT ON COLUMN v_amounts.read_by IS '读取方式：label 文字标签 / column_header 表头 / column_position 按列位置推断 / joined_cells 跨行拼接';
COMMENT ON COLUMN v_amounts.label IS '行标签（同一概念多次出现时，如项目名称）';


-- Money figures read but given no concept: nothing read is silently dropped.
CREATE OR REPLACE VIEW v_unclassified AS
SELECT
    u.doc_sha256,
    d.file_name,
    d.is_latest,
    r.unit_name,
    r.fiscal_year,
    u.item_no,
    u.as_written,
    u.label,
    u.reason,
    u.value,
    u.unit,
    u.span_start,
    u.span_end
FROM unclassified AS u
JOIN reports AS r ON r.sha256 = u.doc_sha256
JOIN v_documents AS d ON d.sha256 = u.doc_sha256;
COMMENT ON VIEW v_unclassified IS '未能归类的金额（原文写法、周围标签、原因）';
COMMENT ON COLUMN v_unclassified.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN v_unclassified.file_name IS '文件名';
COMMENT ON COLUMN v_unclassified.is_latest IS '是否该路径的最新版本';
COMMENT ON COLUMN v_unclassified.unit_name IS '单位名称';
COMMENT ON COLUMN v_unclassified.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_unclassified.item_no IS '序号';
COMMENT ON COLUMN v_unclassified.as_written IS '原文写法';
COMMENT ON COLUMN v_unclassified.label IS '周围的标签文字';
COMMENT ON COLUMN v_unclassified.reason IS '未归类原因';
COMMENT ON COLUMN v_unclassified.value IS '数值（按原文单位）';
COMMENT ON COLUMN v_unclassified.unit IS '原文单位（未写明时为空）';
COMMENT ON COLUMN v_unclassified.span_start IS '原文起始位置';
COMMENT ON COLUMN v_unclassified.span_end IS '原文结束位置（不含）';
