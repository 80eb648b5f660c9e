-- What harvests learn about repositories, and how they share the work.
--
-- A harvester claims a due repository by writing its lease (owner and expiry) on the row;
-- another process skips leased rows until the lease expires, so a killed harvester's
-- repositories come back by themselves. Failures are kept with their class and message,
-- and the next try waits longer after each failure in a row.
ALTER TABLE repositories ADD COLUMN fetch_url TEXT;
ALTER TABLE repositories ADD COLUMN next_harvest_at TEXT;
ALTER TABLE repositories ADD COLUMN lease_owner TEXT;
ALTER TABLE repositories ADD COLUMN lease_until TEXT;
ALTER TABLE repositories ADD COLUMN last_harvest_at TEXT;
ALTER TABLE repositories ADD COLUMN last_outcome TEXT;
ALTER TABLE repositories ADD COLUMN failure_class TEXT;
ALTER TABLE repositories ADD COLUMN failure_message TEXT;
ALTER TABLE repositories ADD COLUMN failure_at TEXT;
ALTER TABLE repositories ADD COLUMN consecutive_failures BIGINT NOT NULL DEFAULT 0;
CREATE INDEX repositories_due ON repositories (next_harvest_at);

-- The latest facts of each repository (JSON of catalog::RepositorySnapshot) and its health
-- (JSON of catalog::Health); the score is a column of its own for sorting and facets.
CREATE TABLE repository_snapshots (
    repository_id BIGINT NOT NULL PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    harvested_at  TEXT NOT NULL,
    head_commit   TEXT NOT NULL,
    facts         TEXT NOT NULL,
    health_score  BIGINT NOT NULL,
    health        TEXT NOT NULL
);

-- Every harvest of every repository: who ran it, when, and how it ended.
CREATE TABLE repository_harvests (
    id            INTEGER PRIMARY KEY,
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    harvester     TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    ended_at      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    failure_class TEXT,
    message       TEXT
);
CREATE INDEX repository_harvests_repository ON repository_harvests (repository_id, ended_at);
