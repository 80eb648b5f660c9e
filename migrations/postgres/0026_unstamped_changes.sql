-- Each commit stamps the change logs' new rows with its catalog version (`Tx::commit`:
-- `UPDATE … SET version = … WHERE version IS NULL`). The logs hold every change until they
-- are pruned (the changes feed's, never): by a national load, tens of thousands of rows in
-- organisation_changes and a million in record_changes, and PostgreSQL, without statistics
-- on them, scanned them whole at every commit (a third of the time of a put_software,
-- sampled in pg_stat_activity). The rows still to stamp are a handful: an index of them
-- alone.
CREATE INDEX search_changes_unstamped ON search_changes (id) WHERE version IS NULL;
CREATE INDEX organisation_changes_unstamped ON organisation_changes (id) WHERE version IS NULL;
CREATE INDEX record_changes_unstamped ON record_changes (id) WHERE version IS NULL;
