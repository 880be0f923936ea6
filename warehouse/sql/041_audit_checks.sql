-- repeatable: re-applied whenever this file changes (every statement is an upsert).
-- The checks of the annual audit, with where each one runs (see README, "Annual audit").

INSERT INTO audit_checks (check_name, severity, engine, zh_label, description) VALUES
    ('missing_report', 'error', 'sql', '应报未报',
     'a unit on the roster has no report for the fiscal year'),
    ('not_on_roster', 'warning', 'sql', '名录外单位',
     'a report names a unit that is not on the roster'),
    ('duplicate_report', 'error', 'sql', '重复报告',
     'more than one report (different files) for the same unit and fiscal year'),
    ('expenditure_swing', 'warning', 'sql', '支出年度波动过大',
     'final total expenditure changed from the previous fiscal year by more than the threshold'),
    ('execution_outlier', 'warning', 'sql', '执行率异常',
     'the expenditure execution rate lies far from the distribution of the year (robust z-score on median and MAD)'),
    ('score_inflation', 'error', 'sql', '自评得分虚高',
     'a self-evaluation score of 95 or more on a report with error findings'),
    ('dated_before_year_end', 'error', 'sql', '报告日期早于年度结束',
     'the report is dated before its fiscal year ended'),
    ('copied_text', 'warning', 'python', '段落雷同',
     'paragraphs shared with another unit''s report (MinHash LSH over paragraph shingles)'),
    ('foreign_text', 'warning', 'python', '套用他类单位文字',
     'the text speaks as another kind of unit (e.g. a 科协 report speaking of 广播电视事业 or 我台)'),
    ('gx_expectation', 'warning', 'gx', 'GX 数据质量期望未满足',
     'a Great Expectations expectation of the suites in expectations/audit/suites failed')
ON CONFLICT (check_name) DO UPDATE SET
    severity = excluded.severity, engine = excluded.engine, zh_label = excluded.zh_label,
    description = excluded.description;
