-- The roster from the registered frame `incoming_roster`.
INSERT INTO roster (unit_name, province, city, county, first_year, last_year, source)
SELECT unit_name, province, city, county, first_year, last_year, source FROM incoming_roster
