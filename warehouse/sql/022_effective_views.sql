-- repeatable: re-applied whenever this file changes (every statement is CREATE OR REPLACE).
-- Corrections as an overlay on the extracted amounts, and the findings history with its context.

-- Each amount with the value extracted from the text, the correction that applies to it (if any) and
-- the value the rules use: the correction naming this very fact wins over one naming its concept and
-- basis; among those, the latest loaded.
CREATE OR REPLACE VIEW v_amounts_effective AS
WITH applicable AS (
    SELECT
        a.doc_sha256, a.fact_id, c.corrected_value_yuan, c.reason, c.author, c.loaded_at, c.source_file
    FROM amounts AS a
    JOIN corrections AS c
      ON c.doc_sha256 = a.doc_sha256 AND c.concept = a.concept AND c.basis = a.basis
     AND (c.fact_id = '' OR c.fact_id = a.fact_id)
    QUALIFY row_number() OVER (
        PARTITION BY a.doc_sha256, a.fact_id ORDER BY (c.fact_id <> '') DESC, c.load_seq DESC) = 1
)
SELECT
    a.doc_sha256,
    d.file_name,
    d.is_latest,
    r.unit_name,
    r.fiscal_year,
    a.fact_id,
    a.concept,
    coalesce(cn.zh_label, a.concept) AS concept_zh,
    a.basis,
    a.as_written,
    a.value_yuan AS extracted_value_yuan,
    x.corrected_value_yuan,
    coalesce(x.corrected_value_yuan, a.value_yuan) AS effective_value_yuan,
    x.corrected_value_yuan IS NOT NULL AS is_corrected,
    x.reason AS correction_reason,
    x.author AS correction_author,
    x.loaded_at AS corrected_at,
    x.source_file AS correction_file,
    a.span_start,
    a.span_end
FROM amounts AS a
JOIN reports AS r ON r.sha256 = a.doc_sha256
JOIN v_documents AS d ON d.sha256 = a.doc_sha256
LEFT JOIN concepts AS cn ON cn.concept = a.concept
LEFT JOIN applicable AS x ON x.doc_sha256 = a.doc_sha256 AND x.fact_id = a.fact_id;
COMMENT ON VIEW v_amounts_effective IS '金额的有效值：提取值、人工更正及其原因、校验所用的有效值';
COMMENT ON COLUMN v_amounts_effective.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN v_amounts_effective.file_name IS '文件名';
COMMENT ON COLUMN v_amounts_effective.is_latest IS '是否该路径的最新版本';
COMMENT ON COLUMN v_amounts_effective.unit_name IS '单位名称';
COMMENT ON COLUMN v_amounts_effective.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_amounts_effective.fact_id IS '事实编号';
COMMENT ON COLUMN v_amounts_effective.concept IS '概念';
COMMENT ON COLUMN v_amounts_effective.concept_zh IS '概念（中文）';
COMMENT ON COLUMN v_amounts_effective.basis IS '口径';
COMMENT ON COLUMN v_amounts_effective.as_written IS '原文写法';
COMMENT ON COLUMN v_amounts_effective.extracted_value_yuan IS '提取值（元）';
COMMENT ON COLUMN v_amounts_effective.corrected_value_yuan IS '更正值（元；无更正为空）';
COMMENT ON COLUMN v_amounts_effective.effective_value_yuan IS '有效值（元）：有更正取更正值，否则取提取值';
COMMENT ON COLUMN v_amounts_effective.is_corrected IS '是否已更正';
COMMENT ON COLUMN v_amounts_effective.correction_reason IS '更正原因';
COMMENT ON COLUMN v_amounts_effective.correction_author IS '更正人';
COMMENT ON COLUMN v_amounts_effective.corrected_at IS '更正导入时间';
COMMENT ON COLUMN v_amounts_effective.correction_file IS '更正文件';
COMMENT ON COLUMN v_amounts_effective.span_start IS '原文起始位置';
COMMENT ON COLUMN v_amounts_effective.span_end IS '原文结束位置（不含）';

-- Every run's verdict on every finding of the reports it validated.
CREATE OR REPLACE VIEW v_finding_history AS
SELECT
    h.run_id,
    ru.flow,
    ru.started_at,
    h.doc_sha256,
    d.file_name,
    r.unit_name,
    r.fiscal_year,
    h.finding_key,
    h.rule,
    coalesce(rl.zh_label, h.rule) AS rule_zh,
    h.severity,
    h.change,
    CASE h.change WHEN 'raised' THEN '新增' WHEN 'persisting' THEN '保留' ELSE '消除' END AS change_zh,
    h.message,
    h.fact_ids
FROM finding_history AS h
LEFT JOIN runs AS ru ON ru.run_id = h.run_id
LEFT JOIN reports AS r ON r.sha256 = h.doc_sha256
LEFT JOIN v_documents AS d ON d.sha256 = h.doc_sha256
LEFT JOIN rules AS rl ON rl.rule = h.rule;
COMMENT ON VIEW v_finding_history IS '校验发现历史（含运行、单位、年度）';
COMMENT ON COLUMN v_finding_history.run_id IS '运行编号';
COMMENT ON COLUMN v_finding_history.flow IS '流程（ingest 导入 / revalidate 重新校验）';
COMMENT ON COLUMN v_finding_history.started_at IS '运行开始时间';
COMMENT ON COLUMN v_finding_history.doc_sha256 IS '报告（文件哈希）';
COMMENT ON COLUMN v_finding_history.file_name IS '文件名';
COMMENT ON COLUMN v_finding_history.unit_name IS '单位名称';
COMMENT ON COLUMN v_finding_history.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_finding_history.finding_key IS '发现标识';
COMMENT ON COLUMN v_finding_history.rule IS '规则';
COMMENT ON COLUMN v_finding_history.rule_zh IS '规则（中文）';
COMMENT ON COLUMN v_finding_history.severity IS '严重程度';
COMMENT ON COLUMN v_finding_history.change IS '变化：raised / persisting / cleared';
COMMENT ON COLUMN v_finding_history.change_zh IS '变化（中文）';
COMMENT ON COLUMN v_finding_history.message IS '说明';
COMMENT ON COLUMN v_finding_history.fact_ids IS '涉及的事实编号';
