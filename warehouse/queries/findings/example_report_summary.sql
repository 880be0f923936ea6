SELECT file_name, unit_name, fiscal_year, expenditure_final_yuan, self_eval_score, status_zh FROM v_report_summary ORDER BY fiscal_year, unit_name
