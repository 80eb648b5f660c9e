-- The registry's schema. The same tables exist in migrations/sqlite and
-- migrations/postgres; only the column types differ.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    population  BIGINT,
    website     TEXT,
    demo        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX organisations_kind ON organisations (kind, country);

-- One official identifier belongs to one organisation at most.
CREATE TABLE organisation_identifiers (
    scheme          TEXT NOT NULL,
    value           TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX organisation_identifiers_org ON organisation_identifiers (organisation_id);

CREATE TABLE organisation_parents (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    parent_id       BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, parent_id)
);
CREATE INDEX organisation_parents_parent ON organisation_parents (parent_id);

CREATE TABLE organisation_email_domains (
    domain          TEXT NOT NULL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE
);
CREATE INDEX organisation_email_domains_org ON organisation_email_domains (organisation_id);

CREATE TABLE software (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    licence      TEXT NOT NULL,
    maturity     TEXT NOT NULL,
    website      TEXT,
    logo_url     TEXT,
    publisher_id BIGINT REFERENCES organisations (id),
    demo         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX software_publisher ON software (publisher_id);
CREATE INDEX software_licence ON software (licence);

CREATE TABLE software_texts (
    software_id BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    summary     TEXT,
    description TEXT,
    PRIMARY KEY (software_id, lang)
);

CREATE TABLE software_categories (
    software_id BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    PRIMARY KEY (software_id, category)
);
CREATE INDEX software_categories_category ON software_categories (category, software_id);

-- Maintainers and service providers.
CREATE TABLE software_organisations (
    software_id     BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    position        BIGINT NOT NULL,
    PRIMARY KEY (software_id, organisation_id, role)
);
CREATE INDEX software_organisations_org ON software_organisations (organisation_id);

CREATE TABLE software_similar (
    software_id BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    similar_id  BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    PRIMARY KEY (software_id, similar_id)
);

CREATE TABLE repositories (
    id          INTEGER PRIMARY KEY,
    software_id BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    url         TEXT NOT NULL UNIQUE,
    forge       TEXT NOT NULL,
    position    BIGINT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX repositories_software ON repositories (software_id);

CREATE TABLE roadmap_items (
    id                 INTEGER PRIMARY KEY,
    software_id        BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    slug               TEXT NOT NULL,
    title              TEXT NOT NULL,
    body               TEXT,
    status             TEXT NOT NULL,
    cost_minor         BIGINT CHECK (cost_minor >= 0),
    cost_currency      TEXT,
    target_date        TEXT,
    demo               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (software_id, slug)
);

-- "We need this too": organisations that want a roadmap item.
CREATE TABLE roadmap_needs (
    roadmap_item_id BIGINT NOT NULL REFERENCES roadmap_items (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (roadmap_item_id, organisation_id)
);
CREATE INDEX roadmap_needs_org ON roadmap_needs (organisation_id);

CREATE TABLE adoptions (
    id              INTEGER PRIMARY KEY,
    software_id     BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    since           TEXT NOT NULL,
    status          TEXT NOT NULL,
    scope           TEXT,
    evidence_url    TEXT,
    state           TEXT NOT NULL,
    last_confirmed  TEXT,
    demo            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (software_id, organisation_id)
);
CREATE INDEX adoptions_software_since ON adoptions (software_id, since, id);
CREATE INDEX adoptions_organisation ON adoptions (organisation_id, since, id);

CREATE TABLE fundings (
    id              INTEGER PRIMARY KEY,
    funder_id       BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    software_id     BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    roadmap_item_id BIGINT REFERENCES roadmap_items (id) ON DELETE SET NULL,
    amount_minor    BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT NOT NULL,
    funded_on       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    evidence_url    TEXT,
    demo            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX fundings_software ON fundings (software_id, funded_on, id);
CREATE INDEX fundings_funder ON fundings (funder_id, funded_on, id);
CREATE INDEX fundings_roadmap_item ON fundings (roadmap_item_id);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT,
    site_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

-- Links a user to an identity provider's subject; login fills it.
CREATE TABLE user_identities (
    provider TEXT NOT NULL,
    subject  TEXT NOT NULL,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (provider, subject)
);

CREATE TABLE memberships (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_org ON memberships (organisation_id);

-- Every change, with the record before and after it as JSON text.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_key, id);
