SELECT check_name, zh_label FROM audit_checks
