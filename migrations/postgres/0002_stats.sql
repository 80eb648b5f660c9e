-- Aggregates of adoptions and fundings. They are derived data: every write that changes
-- adoptions or fundings recomputes the rows of what it touched, in its own transaction, so
-- that a page reads a count instead of counting tens of thousands of rows.

CREATE TABLE software_stats (
    software_id      BIGINT NOT NULL PRIMARY KEY REFERENCES software (id) ON DELETE CASCADE,
    adoptions        BIGINT NOT NULL,
    active_adoptions BIGINT NOT NULL,
    fundings         BIGINT NOT NULL
);

CREATE TABLE organisation_stats (
    organisation_id BIGINT NOT NULL PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    adoptions       BIGINT NOT NULL,
    fundings        BIGINT NOT NULL
);

CREATE TABLE software_funding_totals (
    software_id  BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    currency     TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    fundings     BIGINT NOT NULL,
    PRIMARY KEY (software_id, currency)
);

INSERT INTO software_stats (software_id, adoptions, active_adoptions, fundings)
SELECT s.id,
       (SELECT COUNT(*) FROM adoptions a WHERE a.software_id = s.id),
       (SELECT COUNT(*) FROM adoptions a WHERE a.software_id = s.id AND a.status <> 'ended'),
       (SELECT COUNT(*) FROM fundings f WHERE f.software_id = s.id)
FROM software s;

INSERT INTO organisation_stats (organisation_id, adoptions, fundings)
SELECT o.id,
       (SELECT COUNT(*) FROM adoptions a WHERE a.organisation_id = o.id),
       (SELECT COUNT(*) FROM fundings f WHERE f.funder_id = o.id)
FROM organisations o
WHERE EXISTS (SELECT 1 FROM adoptions a WHERE a.organisation_id = o.id)
   OR EXISTS (SELECT 1 FROM fundings f WHERE f.funder_id = o.id);

INSERT INTO software_funding_totals (software_id, currency, amount_minor, fundings)
SELECT software_id, currency, CAST(SUM(amount_minor) AS BIGINT), COUNT(*)
FROM fundings GROUP BY software_id, currency;
