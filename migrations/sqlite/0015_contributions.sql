-- What people bring under their own name: adoptions they declare, edit, end and have
-- confirmed; fundings with the council's deliberation; and the trace of who changed what.

-- The instance or the provider an organisation uses the software through (both optional),
-- when it stopped, and when the adoption is next to be checked: 24 months after it was last
-- confirmed by the maintainers or by its organisation ("still in use"), or declared.
ALTER TABLE adoptions ADD COLUMN instance_url TEXT;
ALTER TABLE adoptions ADD COLUMN provider_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL;
ALTER TABLE adoptions ADD COLUMN ended_on TEXT;
ALTER TABLE adoptions ADD COLUMN check_due TEXT;
UPDATE adoptions SET check_due = date(COALESCE(last_confirmed, substr(created_at, 1, 10)), '+24 months');
CREATE INDEX adoptions_check_due ON adoptions (organisation_id, check_due);

-- A vote's deliberation: its reference ("D2024-117") or its address.
ALTER TABLE fundings ADD COLUMN deliberation TEXT;

-- Which organisation the person acted for, and which records the change concerns, so that
-- each software's, organisation's and roadmap item's history is one indexed read.
ALTER TABLE audit_events ADD COLUMN acting_for TEXT;
ALTER TABLE audit_events ADD COLUMN software TEXT;
ALTER TABLE audit_events ADD COLUMN organisation TEXT;
ALTER TABLE audit_events ADD COLUMN roadmap_item BIGINT;
UPDATE audit_events SET software = entity_key WHERE entity IN ('software', 'publiccode');
UPDATE audit_events SET organisation = entity_key WHERE entity = 'organisation';
UPDATE audit_events SET software = substr(entity_key, 1, instr(entity_key, '/') - 1),
    organisation = substr(entity_key, instr(entity_key, '/') + 1)
    WHERE entity = 'adoption' AND instr(entity_key, '/') > 0;
UPDATE audit_events SET software = substr(entity_key, 1, instr(entity_key, '/') - 1),
    roadmap_item = (SELECT r.id FROM roadmap_items r JOIN software s ON s.id = r.software_id
                    WHERE s.slug || '/' || r.slug = audit_events.entity_key)
    WHERE entity = 'roadmap_item' AND instr(entity_key, '/') > 0;
CREATE INDEX audit_events_software ON audit_events (software, id);
CREATE INDEX audit_events_organisation ON audit_events (organisation, id);
CREATE INDEX audit_events_roadmap_item ON audit_events (roadmap_item, id);

-- A write sent twice (a form posted again, an API call retried with the same
-- Idempotency-Key) is done once: the key is taken in the write's own transaction, and a
-- second write with it finds what the first made. Keys are per author; old ones are pruned.
CREATE TABLE idempotency_keys (
    author     TEXT NOT NULL,
    key        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    entity     TEXT,
    entity_key TEXT,
    PRIMARY KEY (author, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- When each person was last sent the daily digest of what their organisations are asked.
CREATE TABLE mail_digests (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sent_at TEXT NOT NULL
);

-- A record a site administrator hid (an adoption, a funding, a roadmap item): gone from the
-- catalog and its figures, kept here whole with the reason, so that its address answers
-- 410 with it and nothing is deleted without trace.
CREATE TABLE hidden_records (
    entity     TEXT NOT NULL,
    record_id  BIGINT NOT NULL,
    software   TEXT,
    reason     TEXT NOT NULL,
    hidden_by  TEXT NOT NULL,
    hidden_at  TEXT NOT NULL,
    record     TEXT NOT NULL,
    PRIMARY KEY (entity, record_id)
);

-- New software proposed by anyone signed in, as a publiccode.yml: it enters the catalog
-- when a site administrator accepts it.
CREATE TABLE proposals (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    proposed_by TEXT NOT NULL,
    acting_for  TEXT,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    publiccode  TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    software    TEXT,
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT
);
CREATE INDEX proposals_status ON proposals (status, id);
