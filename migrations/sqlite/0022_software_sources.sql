-- Where a software record's facts came from, besides a publiccode.yml (which keeps its own
-- source): another catalogue's record (`comptoir-du-libre:123`), and when it last changed
-- the record.
CREATE TABLE software_sources (
    software_id BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (software_id, source)
);

-- Imports find an organisation a file names by its name when no slug or identifier does
-- (publiccode.yml's usedBy, the Comptoir's users): without an index, each such name was a
-- scan of every organisation.
CREATE INDEX organisations_name ON organisations (name);
