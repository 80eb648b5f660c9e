-- A software proposed by its repository's address alone: the next harvest reads its
-- publiccode.yml. Until then the proposal is `reading`, its name the address's last part
-- and its document empty; after, `waiting` with the document, or `unreadable` with why.
ALTER TABLE proposals ADD COLUMN repository TEXT;
ALTER TABLE proposals ADD COLUMN read_at TEXT;
CREATE INDEX proposals_repository ON proposals (repository) WHERE repository IS NOT NULL;
