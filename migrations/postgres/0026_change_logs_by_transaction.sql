-- A commit stamps its own rows of the change logs with the version it commits
-- (catalog/src/store/mod.rs, Tx::commit). It found them by `version IS NULL`, through the
-- logs' (version) index; but every stamp leaves the row's old version, and its NULL entry in
-- that index, behind until a VACUUM. Without one (a bulk load between two autovacuum rounds,
-- or autovacuum off), each commit walked every NULL entry left by all the commits before it:
-- 5,000 put_software took 63 s on the national bench, the time going to those UPDATEs.
-- Each row now says which transaction wrote it, and a commit looks up its own: the entries
-- left behind carry other transactions' ids, which the lookup never visits.
-- Expand only: a binary that still stamps by `version IS NULL` works as before.
ALTER TABLE search_changes ADD COLUMN tx xid8 DEFAULT pg_current_xact_id();
ALTER TABLE organisation_changes ADD COLUMN tx xid8 DEFAULT pg_current_xact_id();
ALTER TABLE record_changes ADD COLUMN tx xid8 DEFAULT pg_current_xact_id();
CREATE INDEX search_changes_unstamped ON search_changes (tx) WHERE version IS NULL;
CREATE INDEX organisation_changes_unstamped ON organisation_changes (tx) WHERE version IS NULL;
CREATE INDEX record_changes_unstamped ON record_changes (tx) WHERE version IS NULL;
