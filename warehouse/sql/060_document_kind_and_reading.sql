-- Document kind and subject (spec, Dec 2026), how each fact was read, and the money figures that
-- could not be classified. Rows loaded before this migration read 'label' (prose was all there was).
ALTER TABLE reports ADD COLUMN report_kind VARCHAR DEFAULT 'department_overall';
ALTER TABLE reports ADD COLUMN subject VARCHAR;
COMMENT ON COLUMN reports.report_kind IS '报告类型：department_overall 部门整体 / project 项目 / transfer_payment 转移支付 / final_accounts 决算说明 / other';
COMMENT ON COLUMN reports.subject IS '项目或资金名称（项目、转移支付报告）';

ALTER TABLE amounts ADD COLUMN read_by VARCHAR DEFAULT 'label';
ALTER TABLE amounts ADD COLUMN label VARCHAR;
ALTER TABLE rates ADD COLUMN read_by VARCHAR DEFAULT 'label';
ALTER TABLE staff ADD COLUMN read_by VARCHAR DEFAULT 'label';
ALTER TABLE scores ADD COLUMN read_by VARCHAR DEFAULT 'label';
COMMENT ON COLUMN amounts.read_by IS '读取方式：label 文字标签 / column_header 表头 / column_position 按列位置推断 / joined_cells 跨行拼接';
COMMENT ON COLUMN amounts.label IS '行标签（同一概念多次出现时，如项目名称）';
COMMENT ON COLUMN rates.read_by IS '读取方式';
COMMENT ON COLUMN staff.read_by IS '读取方式';
COMMENT ON COLUMN scores.read_by IS '读取方式';

CREATE TABLE unclassified (
    doc_sha256 VARCHAR NOT NULL,
    item_no    INTEGER NOT NULL,
    as_written VARCHAR NOT NULL,
    span_start INTEGER NOT NULL CHECK (span_start >= 0),
    span_end   INTEGER NOT NULL CHECK (span_end >= span_start),
    label      VARCHAR,
    reason     VARCHAR NOT NULL,
    value      DOUBLE,
    unit       VARCHAR
);
COMMENT ON TABLE unclassified IS '读到但未能归类的金额：每个金额要么是事实，要么在此（原文写法与周围标签）';
COMMENT ON COLUMN unclassified.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN unclassified.item_no IS '序号';
COMMENT ON COLUMN unclassified.as_written IS '原文写法';
COMMENT ON COLUMN unclassified.span_start IS '原文起始位置';
COMMENT ON COLUMN unclassified.span_end IS '原文结束位置（不含）';
COMMENT ON COLUMN unclassified.label IS '周围的标签文字';
COMMENT ON COLUMN unclassified.reason IS '未归类原因';
COMMENT ON COLUMN unclassified.value IS '数值（按原文单位）';
COMMENT ON COLUMN unclassified.unit IS '原文单位（未写明时为空）';
