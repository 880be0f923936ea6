SELECT coalesce(max(load_seq), 0) FROM documents
