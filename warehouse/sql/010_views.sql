-- repeatable: re-applied whenever this file changes (every statement is CREATE OR REPLACE).
-- Views for analysts: English column names, Chinese labels in `*_zh` columns and in the comments.
-- Where a report states the same concept and basis twice, the views take the first statement in the
-- text (a `conflicting_values` finding flags it when the two disagree).

-- Every file content with its version per path: 1, 2, ... in order of first load.
-- The window runs over the narrow columns only; the text joins afterwards (much faster on big text).
CREATE OR REPLACE VIEW v_documents AS
WITH versions AS (
    SELECT
        sha256,
        row_number() OVER (PARTITION BY path ORDER BY load_seq) AS version,
        count(*) OVER (PARTITION BY path) AS n_versions,
        row_number() OVER (PARTITION BY path ORDER BY load_seq DESC) = 1 AS is_latest
    FROM documents
)
SELECT
    d.sha256, d.path, d.file_name, d.format, d.encoding, d.size_bytes, d.status, d.reject_reason,
    d.canonical_text, d.first_run_id, d.loaded_at, v.version, v.n_versions, v.is_latest
FROM documents AS d
JOIN versions AS v ON v.sha256 = d.sha256;
COMMENT ON VIEW v_documents IS '文件及其版本：同一路径按首次入库先后编号';
COMMENT ON COLUMN v_documents.sha256 IS '文件内容哈希（sha256）';
COMMENT ON COLUMN v_documents.path IS '文件路径';
COMMENT ON COLUMN v_documents.file_name IS '文件名';
COMMENT ON COLUMN v_documents.format IS '文件格式';
COMMENT ON COLUMN v_documents.encoding IS '文本编码';
COMMENT ON COLUMN v_documents.size_bytes IS '文件大小（字节）';
COMMENT ON COLUMN v_documents.status IS '入库状态：loaded 已入库 / rejected 拒收';
COMMENT ON COLUMN v_documents.reject_reason IS '拒收原因';
COMMENT ON COLUMN v_documents.canonical_text IS '规范化全文';
COMMENT ON COLUMN v_documents.first_run_id IS '首次入库的运行编号';
COMMENT ON COLUMN v_documents.loaded_at IS '入库时间';
COMMENT ON COLUMN v_documents.version IS '版本号（同一路径按首次入库顺序，从 1 起）';
COMMENT ON COLUMN v_documents.n_versions IS '该路径的版本数';
COMMENT ON COLUMN v_documents.is_latest IS '是否该路径的最新版本';

-- Every fact of every kind in one long shape, with Chinese labels.
CREATE OR REPLACE VIEW v_facts AS
WITH all_facts AS (
    SELECT doc_sha256, fact_id, 'amount' AS fact_type, concept, basis AS qualifier,
           value_yuan AS value, '元' AS value_unit, as_written, span_start, span_end
    FROM amounts
    UNION ALL
    SELECT doc_sha256, fact_id, 'rate', concept, kind, value_pct, '%', as_written, span_start, span_end
    FROM rates
    UNION ALL
    SELECT doc_sha256, fact_id, 'staff', concept, NULL, value, '人', as_written, span_start, span_end
    FROM staff
    UNION ALL
    SELECT doc_sha256, fact_id, 'score', label, NULL, value, '分', as_written, span_start, span_end
    FROM scores
)
SELECT
    f.doc_sha256,
    d.file_name,
    d.is_latest,
    r.unit_name,
    r.province,
    r.city,
    r.county,
    r.fiscal_year,
    f.fact_id,
    f.fact_type,
    CASE f.fact_type WHEN 'amount' THEN '金额' WHEN 'rate' THEN '比率' WHEN 'staff' THEN '人员' ELSE '得分' END
        AS fact_type_zh,
    f.concept,
    -- indicator and growth rates carry a short Chinese label instead of a concept
    coalesce(c.zh_label, f.concept) AS concept_zh,
    f.qualifier,
    coalesce(b.zh_label, k.zh_label) AS qualifier_zh,
    f.value,
    f.value_unit,
    f.as_written,
    f.span_start,
    f.span_end
FROM all_facts AS f
JOIN reports AS r ON r.sha256 = f.doc_sha256
JOIN v_documents AS d ON d.sha256 = f.doc_sha256
LEFT JOIN concepts AS c ON c.concept = f.concept
LEFT JOIN bases AS b ON f.fact_type = 'amount' AND b.basis = f.qualifier
LEFT JOIN rate_kinds AS k ON f.fact_type = 'rate' AND k.kind = f.qualifier;
COMMENT ON VIEW v_facts IS '全部事实（金额、比率、人员、得分）长表';
COMMENT ON COLUMN v_facts.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN v_facts.file_name IS '文件名';
COMMENT ON COLUMN v_facts.is_latest IS '是否该路径的最新版本';
COMMENT ON COLUMN v_facts.unit_name IS '单位名称';
COMMENT ON COLUMN v_facts.province IS '省';
COMMENT ON COLUMN v_facts.city IS '市';
COMMENT ON COLUMN v_facts.county IS '县（区）';
COMMENT ON COLUMN v_facts.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_facts.fact_id IS '事实编号';
COMMENT ON COLUMN v_facts.fact_type IS '事实类别：amount / rate / staff / score';
COMMENT ON COLUMN v_facts.fact_type_zh IS '事实类别（中文）';
COMMENT ON COLUMN v_facts.concept IS '概念';
COMMENT ON COLUMN v_facts.concept_zh IS '概念（中文）';
COMMENT ON COLUMN v_facts.qualifier IS '口径（金额）或类别（比率）';
COMMENT ON COLUMN v_facts.qualifier_zh IS '口径或类别（中文）';
COMMENT ON COLUMN v_facts.value IS '数值（单位见 value_unit）';
COMMENT ON COLUMN v_facts.value_unit IS '数值单位：元 / % / 人 / 分';
COMMENT ON COLUMN v_facts.as_written IS '原文写法';
COMMENT ON COLUMN v_facts.span_start IS '原文起始位置';
COMMENT ON COLUMN v_facts.span_end IS '原文结束位置（不含）';

-- Each finding with where it came from: the text around its first fact (40 characters either side).
CREATE OR REPLACE VIEW v_findings AS
WITH fact_spans AS (
    SELECT doc_sha256, fact_id, as_written, span_start, span_end FROM amounts
    UNION ALL SELECT doc_sha256, fact_id, as_written, span_start, span_end FROM rates
    UNION ALL SELECT doc_sha256, fact_id, as_written, span_start, span_end FROM staff
    UNION ALL SELECT doc_sha256, fact_id, as_written, span_start, span_end FROM scores
)
SELECT
    f.doc_sha256,
    f.finding_no,
    d.file_name,
    d.is_latest,
    r.unit_name,
    r.province,
    r.city,
    r.county,
    r.fiscal_year,
    f.rule,
    coalesce(ru.zh_label, f.rule) AS rule_zh,
    f.severity,
    CASE f.severity WHEN 'error' THEN '错误' ELSE '警告' END AS severity_zh,
    f.message,
    f.fact_ids,
    s.as_written AS first_fact_as_written,
    -- spans are 0-based [start, end) Python offsets; substr is 1-based and counts characters
    substr(
        d.canonical_text,
        greatest(s.span_start - 40, 0) + 1,
        s.span_end + 40 - greatest(s.span_start - 40, 0)
    ) AS source_snippet,
    f.run_id
FROM findings AS f
JOIN reports AS r ON r.sha256 = f.doc_sha256
JOIN v_documents AS d ON d.sha256 = f.doc_sha256
LEFT JOIN rules AS ru ON ru.rule = f.rule
LEFT JOIN fact_spans AS s ON s.doc_sha256 = f.doc_sha256 AND s.fact_id = f.fact_ids[1];
COMMENT ON VIEW v_findings IS '校验发现（含单位、年度与原文片段）';
COMMENT ON COLUMN v_findings.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN v_findings.finding_no IS '报告内序号';
COMMENT ON COLUMN v_findings.file_name IS '文件名';
COMMENT ON COLUMN v_findings.is_latest IS '是否该路径的最新版本';
COMMENT ON COLUMN v_findings.unit_name IS '单位名称';
COMMENT ON COLUMN v_findings.province IS '省';
COMMENT ON COLUMN v_findings.city IS '市';
COMMENT ON COLUMN v_findings.county IS '县（区）';
COMMENT ON COLUMN v_findings.fiscal_year IS '预算年度';
COMMENT ON COLUMN v_findings.rule IS '规则';
COMMENT ON COLUMN v_findings.rule_zh IS '规则（中文）';
COMMENT ON COLUMN v_findings.severity IS '严重程度';
COMMENT ON COLUMN v_findings.severity_zh IS '严重程度（中文）';
COMMENT ON COLUMN v_findings.message IS '说明';
COMMENT ON COLUMN v_findings.fact_ids IS '涉及的事实编号';
COMMENT ON COLUMN v_findings.first_fact_as_written IS '首个涉及事实的原文写法';
COMMENT ON COLUMN v_findings.source_snippet IS '原文片段（首个涉及事实前后各 40 字）';
COMMENT ON COLUMN v_findings.run_id IS '产生此发现的运行编号';
