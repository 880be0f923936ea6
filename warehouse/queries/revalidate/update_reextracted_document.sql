UPDATE documents SET canonical_text = ?, encoding = ?, format = ? WHERE sha256 = ?
