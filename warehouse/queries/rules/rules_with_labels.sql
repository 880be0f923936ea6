SELECT rule, zh_label FROM rules ORDER BY rule
