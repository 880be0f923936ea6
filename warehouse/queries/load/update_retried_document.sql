-- A document rejected before that now reads differently: its row brought up to date, its version kept.
UPDATE documents
SET status = ?, reject_reason = ?, format = ?, encoding = ?, canonical_text = ?, loaded_at = now()
WHERE sha256 = ?
