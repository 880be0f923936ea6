-- Reviewed corrections of extracted amounts (`jixiao correct FILE.csv`): an overlay, never an edit of
-- the extracted facts. A row is keyed by what it corrects plus a hash of its content, so loading the
-- same file twice adds nothing; when several rows correct the same fact, the latest loaded one counts.

CREATE TABLE corrections (
    doc_sha256           VARCHAR NOT NULL,
    concept              VARCHAR NOT NULL,
    basis                VARCHAR NOT NULL CHECK (basis IN ('budget', 'adjusted_budget', 'final')),
    fact_id              VARCHAR NOT NULL DEFAULT '',
    corrected_value_yuan DOUBLE NOT NULL CHECK (corrected_value_yuan >= 0),
    reason               VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    author               VARCHAR NOT NULL CHECK (length(trim(author)) > 0),
    row_hash             VARCHAR NOT NULL,
    document_ref         VARCHAR NOT NULL,
    source_file          VARCHAR NOT NULL,
    loaded_at            TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    load_seq             BIGINT NOT NULL UNIQUE,
    PRIMARY KEY (doc_sha256, concept, basis, fact_id, row_hash)
);
COMMENT ON TABLE corrections IS '人工更正：经审核的金额更正，作为叠加层使用，不改动提取结果';
COMMENT ON COLUMN corrections.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN corrections.concept IS '概念';
COMMENT ON COLUMN corrections.basis IS '口径';
COMMENT ON COLUMN corrections.fact_id IS '事实编号（为空则更正该概念与口径的全部金额）';
COMMENT ON COLUMN corrections.corrected_value_yuan IS '更正后金额（元）';
COMMENT ON COLUMN corrections.reason IS '更正原因';
COMMENT ON COLUMN corrections.author IS '更正人';
COMMENT ON COLUMN corrections.row_hash IS '行内容哈希（同一文件重复导入不新增）';
COMMENT ON COLUMN corrections.document_ref IS '更正文件中的报告写法（文件名或哈希前缀）';
COMMENT ON COLUMN corrections.source_file IS '更正文件';
COMMENT ON COLUMN corrections.loaded_at IS '导入时间';
COMMENT ON COLUMN corrections.load_seq IS '导入顺序号（同一事实多次更正时以最后一次为准）';
