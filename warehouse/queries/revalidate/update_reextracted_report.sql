UPDATE reports
SET unit_name = ?, province = ?, city = ?, county = ?, fiscal_year = ?, report_date = ?, report_kind = ?,
    subject = ?
WHERE sha256 = ?
