SELECT count(*) FROM roster
