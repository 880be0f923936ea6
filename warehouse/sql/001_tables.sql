-- The warehouse's tables. Applied once; change the schema with a new numbered file, never by editing this one.
-- Table and column names are an interface analysts query: English names, Chinese labels in the comments.

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    params      JSON,
    files_seen  INTEGER CHECK (files_seen >= 0),
    loaded      INTEGER CHECK (loaded >= 0),
    rejected    INTEGER CHECK (rejected >= 0),
    unchanged   INTEGER CHECK (unchanged >= 0),
    summary     JSON
);
COMMENT ON TABLE runs IS '运行记录：每次导入一行，只增不改（仅在运行结束时补写结果）';
COMMENT ON COLUMN runs.run_id IS '运行编号（uuid4）';
COMMENT ON COLUMN runs.flow IS '流程名称';
COMMENT ON COLUMN runs.started_at IS '开始时间';
COMMENT ON COLUMN runs.finished_at IS '结束时间';
COMMENT ON COLUMN runs.status IS '运行状态：running 进行中 / completed 完成 / failed 失败 / cancelled 取消';
COMMENT ON COLUMN runs.params IS '运行参数（JSON）';
COMMENT ON COLUMN runs.files_seen IS '处理文件数';
COMMENT ON COLUMN runs.loaded IS '新入库文件数';
COMMENT ON COLUMN runs.rejected IS '拒收文件数';
COMMENT ON COLUMN runs.unchanged IS '内容未变（已入库）文件数';
COMMENT ON COLUMN runs.summary IS '运行摘要（JSON）';

-- One row per distinct file content. A changed file under the same path is a new row; old versions stay.
CREATE TABLE documents (
    sha256         VARCHAR PRIMARY KEY CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    path           VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,
    encoding       VARCHAR,
    size_bytes     BIGINT NOT NULL CHECK (size_bytes >= 0),
    status         VARCHAR NOT NULL CHECK (status IN ('loaded', 'rejected')),
    reject_reason  VARCHAR,
    canonical_text VARCHAR,
    first_run_id   VARCHAR NOT NULL,  -- no FOREIGN KEY: DuckDB then refuses finish_run's UPDATE of runs
    loaded_at      TIMESTAMPTZ NOT NULL,
    load_seq       BIGINT NOT NULL UNIQUE,
    -- A rejection always says why; a loaded document never carries a reason.
    CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
COMMENT ON TABLE documents IS '文件：按内容（sha256）一行；同一路径内容变化即新增一个版本，旧版本保留';
COMMENT ON COLUMN documents.sha256 IS '文件内容哈希（sha256）';
COMMENT ON COLUMN documents.path IS '首次入库时的文件路径';
COMMENT ON COLUMN documents.file_name IS '文件名';
COMMENT ON COLUMN documents.format IS '文件格式';
COMMENT ON COLUMN documents.encoding IS '文本编码';
COMMENT ON COLUMN documents.size_bytes IS '文件大小（字节）';
COMMENT ON COLUMN documents.status IS '入库状态：loaded 已入库 / rejected 拒收';
COMMENT ON COLUMN documents.reject_reason IS '拒收原因';
COMMENT ON COLUMN documents.canonical_text IS '规范化全文（事实位置均指向此文本）';
COMMENT ON COLUMN documents.first_run_id IS '首次入库的运行编号';
COMMENT ON COLUMN documents.loaded_at IS '入库时间';
COMMENT ON COLUMN documents.load_seq IS '入库顺序号（决定同一路径的版本号）';

CREATE TABLE reports (
    sha256      VARCHAR PRIMARY KEY REFERENCES documents (sha256),
    unit_name   VARCHAR,
    province    VARCHAR,
    city        VARCHAR,
    county      VARCHAR,
    fiscal_year INTEGER CHECK (fiscal_year BETWEEN 1949 AND 2100),
    report_date VARCHAR CHECK (regexp_full_match(report_date, '\d{4}-\d{2}(-\d{2})?')),
    status      VARCHAR NOT NULL CHECK (status IN ('passed', 'warning', 'failed')),
    n_errors    INTEGER NOT NULL CHECK (n_errors >= 0),
    n_warnings  INTEGER NOT NULL CHECK (n_warnings >= 0)
);
COMMENT ON TABLE reports IS '自评报告：每个成功入库的文件一行';
COMMENT ON COLUMN reports.sha256 IS '文件内容哈希（= documents.sha256）';
COMMENT ON COLUMN reports.unit_name IS '单位名称';
COMMENT ON COLUMN reports.province IS '省';
COMMENT ON COLUMN reports.city IS '市';
COMMENT ON COLUMN reports.county IS '县（区）';
COMMENT ON COLUMN reports.fiscal_year IS '预算年度';
COMMENT ON COLUMN reports.report_date IS '报告日期（YYYY-MM-DD，或未写日时 YYYY-MM）';
COMMENT ON COLUMN reports.status IS '校验结果：passed 通过 / warning 有警告 / failed 有错误';
COMMENT ON COLUMN reports.n_errors IS '错误数';
COMMENT ON COLUMN reports.n_warnings IS '警告数';

CREATE TABLE amounts (
    doc_sha256      VARCHAR NOT NULL REFERENCES reports (sha256),
    fact_id         VARCHAR NOT NULL,
    concept         VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL CHECK (basis IN ('budget', 'adjusted_budget', 'final')),
    value_yuan      DOUBLE NOT NULL,
    as_written      VARCHAR NOT NULL,
    span_start      INTEGER NOT NULL CHECK (span_start >= 0),
    span_end        INTEGER NOT NULL CHECK (span_end >= span_start),
    unit            VARCHAR NOT NULL,
    decimals        INTEGER NOT NULL CHECK (decimals >= 0),
    unit_implied    BOOLEAN NOT NULL,
    half_width_yuan DOUBLE NOT NULL CHECK (half_width_yuan >= 0),
    PRIMARY KEY (doc_sha256, fact_id)
);
COMMENT ON TABLE amounts IS '金额：每个金额事实一行';
COMMENT ON COLUMN amounts.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN amounts.fact_id IS '事实编号（报告内唯一）';
COMMENT ON COLUMN amounts.concept IS '概念（见 concepts）';
COMMENT ON COLUMN amounts.basis IS '口径：budget 年初预算数 / adjusted_budget 调整后预算数 / final 决算数';
COMMENT ON COLUMN amounts.value_yuan IS '金额（元）';
COMMENT ON COLUMN amounts.as_written IS '原文写法';
COMMENT ON COLUMN amounts.span_start IS '原文起始位置（规范化全文中的字符偏移）';
COMMENT ON COLUMN amounts.span_end IS '原文结束位置（不含）';
COMMENT ON COLUMN amounts.unit IS '原文单位（元/万元/亿元/千元）';
COMMENT ON COLUMN amounts.decimals IS '原文小数位数';
COMMENT ON COLUMN amounts.unit_implied IS '单位未写明（由上下文推断）';
COMMENT ON COLUMN amounts.half_width_yuan IS '舍入容差（元）：原文精度的一半';

CREATE TABLE rates (
    doc_sha256     VARCHAR NOT NULL REFERENCES reports (sha256),
    fact_id        VARCHAR NOT NULL,
    concept        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('share', 'execution', 'indicator', 'growth')),
    value_pct      DOUBLE NOT NULL,
    as_written     VARCHAR NOT NULL,
    span_start     INTEGER NOT NULL CHECK (span_start >= 0),
    span_end       INTEGER NOT NULL CHECK (span_end >= span_start),
    decimals       INTEGER NOT NULL CHECK (decimals >= 0),
    amount_id      VARCHAR,
    half_width_pct DOUBLE NOT NULL CHECK (half_width_pct >= 0),
    PRIMARY KEY (doc_sha256, fact_id)
);
COMMENT ON TABLE rates IS '比率：每个百分比事实一行';
COMMENT ON COLUMN rates.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN rates.fact_id IS '事实编号（报告内唯一）';
COMMENT ON COLUMN rates.concept IS '概念：占比与执行率为金额概念，指标与增长为简短名称';
COMMENT ON COLUMN rates.kind IS '类别：share 占比 / execution 执行率 / indicator 指标 / growth 增长率';
COMMENT ON COLUMN rates.value_pct IS '百分比数值';
COMMENT ON COLUMN rates.as_written IS '原文写法';
COMMENT ON COLUMN rates.span_start IS '原文起始位置';
COMMENT ON COLUMN rates.span_end IS '原文结束位置（不含）';
COMMENT ON COLUMN rates.decimals IS '原文小数位数';
COMMENT ON COLUMN rates.amount_id IS '占比所指的金额事实编号';
COMMENT ON COLUMN rates.half_width_pct IS '舍入容差（百分点）';

CREATE TABLE staff (
    doc_sha256 VARCHAR NOT NULL REFERENCES reports (sha256),
    fact_id    VARCHAR NOT NULL,
    concept    VARCHAR NOT NULL,
    value      BIGINT NOT NULL CHECK (value >= 0),
    as_written VARCHAR NOT NULL,
    span_start INTEGER NOT NULL CHECK (span_start >= 0),
    span_end   INTEGER NOT NULL CHECK (span_end >= span_start),
    PRIMARY KEY (doc_sha256, fact_id)
);
COMMENT ON TABLE staff IS '人员：每个人数事实一行';
COMMENT ON COLUMN staff.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN staff.fact_id IS '事实编号（报告内唯一）';
COMMENT ON COLUMN staff.concept IS '概念（staff.*）';
COMMENT ON COLUMN staff.value IS '人数';
COMMENT ON COLUMN staff.as_written IS '原文写法';
COMMENT ON COLUMN staff.span_start IS '原文起始位置';
COMMENT ON COLUMN staff.span_end IS '原文结束位置（不含）';

CREATE TABLE scores (
    doc_sha256 VARCHAR NOT NULL REFERENCES reports (sha256),
    fact_id    VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    as_written VARCHAR NOT NULL,
    span_start INTEGER NOT NULL CHECK (span_start >= 0),
    span_end   INTEGER NOT NULL CHECK (span_end >= span_start),
    PRIMARY KEY (doc_sha256, fact_id)
);
COMMENT ON TABLE scores IS '得分：每个自评得分事实一行';
COMMENT ON COLUMN scores.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN scores.fact_id IS '事实编号（报告内唯一）';
COMMENT ON COLUMN scores.label IS '得分名称（self_eval_score 自评得分）';
COMMENT ON COLUMN scores.value IS '得分（百分制）';
COMMENT ON COLUMN scores.as_written IS '原文写法';
COMMENT ON COLUMN scores.span_start IS '原文起始位置';
COMMENT ON COLUMN scores.span_end IS '原文结束位置（不含）';

CREATE TABLE findings (
    doc_sha256 VARCHAR NOT NULL REFERENCES reports (sha256),
    finding_no INTEGER NOT NULL CHECK (finding_no >= 1),
    rule       VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    message    VARCHAR NOT NULL,
    fact_ids   VARCHAR[] NOT NULL,
    run_id     VARCHAR NOT NULL,
    PRIMARY KEY (doc_sha256, finding_no)
);
COMMENT ON TABLE findings IS '校验发现：每条错误或警告一行';
COMMENT ON COLUMN findings.doc_sha256 IS '所属报告（文件哈希）';
COMMENT ON COLUMN findings.finding_no IS '报告内序号（从 1 起）';
COMMENT ON COLUMN findings.rule IS '规则（见 rules）';
COMMENT ON COLUMN findings.severity IS '严重程度：error 错误 / warning 警告';
COMMENT ON COLUMN findings.message IS '说明';
COMMENT ON COLUMN findings.fact_ids IS '涉及的事实编号';
COMMENT ON COLUMN findings.run_id IS '产生此发现的运行编号';

-- Dimensions. `concepts` is upserted from expectations/concepts.csv on every read-write connect;
-- the others are small fixed vocabularies kept in 002_dimensions.sql.
CREATE TABLE concepts (
    concept           VARCHAR PRIMARY KEY,
    kind              VARCHAR NOT NULL CHECK (kind IN ('amount', 'rate', 'staff', 'score')),
    parent            VARCHAR,
    zh_label          VARCHAR NOT NULL,
    typical_phrasings VARCHAR,
    axis              VARCHAR,
    closed            BOOLEAN NOT NULL,
    multiple          BOOLEAN NOT NULL
);
COMMENT ON TABLE concepts IS '概念维表（来自 expectations/concepts.csv）';
COMMENT ON COLUMN concepts.concept IS '概念';
COMMENT ON COLUMN concepts.kind IS '类别：amount 金额 / rate 比率 / staff 人员 / score 得分';
COMMENT ON COLUMN concepts.parent IS '上级概念';
COMMENT ON COLUMN concepts.zh_label IS '中文名称';
COMMENT ON COLUMN concepts.typical_phrasings IS '常见表述（以 | 分隔）';
COMMENT ON COLUMN concepts.axis IS '分解维度：同一上级、同一维度的下级概念相加等于上级';
COMMENT ON COLUMN concepts.closed IS '该维度已列全所有下级';
COMMENT ON COLUMN concepts.multiple IS '一份报告可多次出现（逐项列示）';

CREATE TABLE bases (
    basis    VARCHAR PRIMARY KEY CHECK (basis IN ('budget', 'adjusted_budget', 'final')),
    zh_label VARCHAR NOT NULL
);
COMMENT ON TABLE bases IS '金额口径维表';
COMMENT ON COLUMN bases.basis IS '口径';
COMMENT ON COLUMN bases.zh_label IS '中文名称';

CREATE TABLE rate_kinds (
    kind     VARCHAR PRIMARY KEY CHECK (kind IN ('share', 'execution', 'indicator', 'growth')),
    zh_label VARCHAR NOT NULL
);
COMMENT ON TABLE rate_kinds IS '比率类别维表';
COMMENT ON COLUMN rate_kinds.kind IS '类别';
COMMENT ON COLUMN rate_kinds.zh_label IS '中文名称';

CREATE TABLE rules (
    rule        VARCHAR PRIMARY KEY,
    severity    VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    zh_label    VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE rules IS '校验规则维表';
COMMENT ON COLUMN rules.rule IS '规则';
COMMENT ON COLUMN rules.severity IS '严重程度：error 错误 / warning 警告';
COMMENT ON COLUMN rules.zh_label IS '中文名称';
COMMENT ON COLUMN rules.description IS '含义';
