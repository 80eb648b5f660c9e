-- A counter that every write transaction increments before it commits. Readers compare it
-- to tell whether anything changed (response caches, ETags, a search index catching up),
-- whichever process made the change.
CREATE TABLE catalog_version (
    id      BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);
