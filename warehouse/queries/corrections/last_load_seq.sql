-- The load sequence number of the last correction loaded (0 before the first).
SELECT coalesce(max(load_seq), 0) FROM corrections
