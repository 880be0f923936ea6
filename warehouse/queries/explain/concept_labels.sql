-- The Chinese label of every concept.
SELECT concept, zh_label FROM concepts
