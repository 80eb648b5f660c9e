-- Federation: the other Communs instances this one follows (`communs federation add`), and
-- which of the records here came from them. A follower reads a peer's changes feed from
-- the cursor it keeps, and writes the peer's records as its own, marked as the peer's:
-- they are shown with a link back and never edited here.
CREATE TABLE federation_peers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    -- The peer's site address (https://communs.example.org), without a trailing slash.
    url           TEXT NOT NULL UNIQUE,
    -- Where this instance is in the peer's changes feed: VERSION.ID (0 for the start).
    cursor        TEXT NOT NULL DEFAULT '0',
    added_at      TEXT NOT NULL,
    last_round_at TEXT,
    -- What the last round found wrong (an unreachable peer, records refused), if anything.
    last_problem  TEXT
);

-- A peer's record, by the key the peer gives it (a slug, an id), and the record here it
-- stands for. `owned`: written here from the peer, which alone changes it; otherwise the
-- peer's record matched one already here (same repository, same official identifier), which
-- stays as it is and is only used to place the peer's adoptions and fundings.
CREATE TABLE federated_records (
    peer_id    BIGINT NOT NULL REFERENCES federation_peers (id) ON DELETE CASCADE,
    entity     TEXT NOT NULL,
    remote_key TEXT NOT NULL,
    local_id   BIGINT NOT NULL,
    owned      BOOLEAN NOT NULL,
    PRIMARY KEY (peer_id, entity, remote_key)
);
CREATE INDEX federated_records_local ON federated_records (entity, local_id);
-- A record here comes from one peer at most.
CREATE UNIQUE INDEX federated_records_owner ON federated_records (entity, local_id) WHERE owned;

-- The changes written from a peer's feed: marked, so that this instance's own feed does not
-- carry them (a loop of instances following one another does not echo; a follower reads
-- each record from the instance where it is written).
ALTER TABLE record_changes ADD COLUMN peer_id BIGINT;
