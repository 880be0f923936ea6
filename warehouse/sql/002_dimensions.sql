-- repeatable: re-applied whenever this file changes (every statement is an upsert).
-- Small fixed vocabularies with their Chinese labels, for the views and for analysts.

INSERT INTO bases (basis, zh_label) VALUES
    ('budget', '年初预算数'),
    ('adjusted_budget', '调整后预算数'),
    ('final', '决算数')
ON CONFLICT (basis) DO UPDATE SET zh_label = excluded.zh_label;

INSERT INTO rate_kinds (kind, zh_label) VALUES
    ('share', '占比'),
    ('execution', '执行率'),
    ('indicator', '绩效指标'),
    ('growth', '增长率')
ON CONFLICT (kind) DO UPDATE SET zh_label = excluded.zh_label;

INSERT INTO rules (rule, severity, zh_label, description) VALUES
    ('sum_mismatch', 'error', '合计与明细不符',
     'a total differs from the sum of its stated components beyond the rounding of the stated precision'),
    ('rate_mismatch', 'error', '比率与金额不符',
     'a stated share or execution rate differs from the ratio computed from the stated amounts beyond rounding'),
    ('rate_over_100', 'error', '比率超过100%',
     'a share or proportion-type indicator above 100%'),
    ('shares_not_100', 'error', '构成比例合计不为100%',
     'the shares of a total''s components do not add up to 100% beyond rounding'),
    ('conflicting_values', 'error', '同一数据前后不一致',
     'the same concept and basis stated twice with values that differ beyond rounding'),
    ('over_budget', 'warning', '超预算',
     'a final figure above its budget (or adjusted budget)'),
    ('expenditure_exceeds_income', 'warning', '支出大于收入',
     'final expenditure above final income, with no carryover-in stated'),
    ('staff_sum_mismatch', 'error', '人数明细与合计不符',
     'staff sub-counts do not add up to the stated total'),
    ('staff_over_authorized', 'warning', '实有人数超编',
     'actual staff above the authorized number'),
    ('no_figures', 'warning', '未找到数据',
     'no figures found: the report was read but holds no amount, rate, head count or score')
ON CONFLICT (rule) DO UPDATE SET
    severity = excluded.severity, zh_label = excluded.zh_label, description = excluded.description;
