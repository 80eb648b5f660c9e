-- Service offers: who can run or support a software for a public body (an OPSN, a syndicat
-- informatique, an association, a company, a State service), of which kind, where, for
-- whom, and at what indicative cost. One offer per provider, software and kind: an import
-- of the same three again updates it.
CREATE TABLE offers (
    id                  INTEGER PRIMARY KEY,
    provider_id         BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    software_id         BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    -- Kinds of organisation that may subscribe, separated by commas; empty: any.
    subscribers         TEXT NOT NULL,
    membership_required BOOLEAN NOT NULL,
    price_model         TEXT NOT NULL,
    url                 TEXT,
    checked_on          TEXT NOT NULL,
    demo                BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (provider_id, software_id, kind)
);
CREATE INDEX offers_software ON offers (software_id);

-- The places an offer serves: an area of the catalog (a région, département, canton,
-- province or EPCI, and everything inside it) or a whole country.
CREATE TABLE offer_territories (
    offer_id        BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    country         TEXT,
    PRIMARY KEY (offer_id, position)
);
CREATE INDEX offer_territories_organisation ON offer_territories (organisation_id);
CREATE INDEX offer_territories_country ON offer_territories (country);

-- Indicative yearly amounts by population bracket, when the provider publishes them.
CREATE TABLE offer_prices (
    offer_id       BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    min_population BIGINT NOT NULL,
    max_population BIGINT,
    amount_minor   BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency       TEXT NOT NULL,
    PRIMARY KEY (offer_id, min_population)
);
