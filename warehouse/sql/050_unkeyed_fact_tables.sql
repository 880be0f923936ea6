-- The fact tables without PRIMARY KEY and FOREIGN KEY constraints. DuckDB keeps each key as an
-- in-memory ART index checked on every insert: on 100k reports they made the single writer's inserts
-- twice as slow and its memory grow by hundreds of MiB. Their grain stays (doc_sha256, fact_id) and
-- (doc_sha256, finding_no), and every doc_sha256 names a report: the loader writes a report's rows
-- once, in the transaction that writes the report, and tests check both after every flow
-- (tests/test_warehouse_integrity.py). DuckDB cannot drop a constraint, so each table is rebuilt under
-- its name; NOT NULL and CHECK constraints stay, and the column comments are carried over.

CREATE TABLE amounts_unkeyed (
    doc_sha256      VARCHAR NOT NULL,
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
    half_width_yuan DOUBLE NOT NULL CHECK (half_width_yuan >= 0)
);
INSERT INTO amounts_unkeyed SELECT * FROM amounts ORDER BY doc_sha256, fact_id;
DROP TABLE amounts;
ALTER TABLE amounts_unkeyed RENAME TO amounts;

CREATE TABLE rates_unkeyed (
    doc_sha256     VARCHAR NOT NULL,
    fact_id        VARCHAR NOT NULL,
    concept        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('share', 'execution', 'indicator', 'growth')),
    value_pct      DOUBLE NOT NULL,
    as_written     VARCHAR NOT NULL,
    span_start     INTEGER NOT NULL CHECK (span_start >= 0),
    span_end       INTEGER NOT NULL CHECK (span_end >= span_start),
    decimals       INTEGER NOT NULL CHECK (decimals >= 0),
    amount_id      VARCHAR,
    half_width_pct DOUBLE NOT NULL CHECK (half_width_pct >= 0)
);
INSERT INTO rates_unkeyed SELECT * FROM rates ORDER BY doc_sha256, fact_id;
DROP TABLE rates;
ALTER TABLE rates_unkeyed RENAME TO rates;

CREATE TABLE staff_unkeyed (
    doc_sha256 VARCHAR NOT NULL,
    fact_id    VARCHAR NOT NULL,
    concept    VARCHAR NOT NULL,
    value      BIGINT NOT NULL CHECK (value >= 0),
    as_written VARCHAR NOT NULL,
    span_start INTEGER NOT NULL CHECK (span_start >= 0),
    span_end   INTEGER NOT NULL CHECK (span_end >= span_start)
);
INSERT INTO staff_unkeyed SELECT * FROM staff ORDER BY doc_sha256, fact_id;
DROP TABLE staff;
ALTER TABLE staff_unkeyed RENAME TO staff;

CREATE TABLE scores_unkeyed (
    doc_sha256 VARCHAR NOT NULL,
    fact_id    VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    as_written VARCHAR NOT NULL,
    span_start INTEGER NOT NULL CHECK (span_start >= 0),
    span_end   INTEGER NOT NULL CHECK (span_end >= span_start)
);
INSERT INTO scores_unkeyed SELECT * FROM scores ORDER BY doc_sha256, fact_id;
DROP TABLE scores;
ALTER TABLE scores_unkeyed RENAME TO scores;

CREATE TABLE findings_unkeyed (
    doc_sha256 VARCHAR NOT NULL,
    finding_no INTEGER NOT NULL CHECK (finding_no >= 1),
    rule       VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    message    VARCHAR NOT NULL,
    fact_ids   VARCHAR[] NOT NULL,
    run_id     VARCHAR NOT NULL
);
INSERT INTO findings_unkeyed SELECT * FROM findings ORDER BY doc_sha256, finding_no;
DROP TABLE findings;
ALTER TABLE findings_unkeyed RENAME TO findings;
