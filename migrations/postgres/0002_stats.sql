-- Aggregates of a software's adoptions and fundings. They are derived data, kept in step
-- by every write that changes adoptions or fundings, in the same transaction, so that a
-- software's page reads a count instead of counting tens of thousands of rows. (An
-- organisation has a few dozen at most: its counts are read directly.)

CREATE TABLE software_stats (
    software_id      BIGINT NOT NULL PRIMARY KEY REFERENCES software (id) ON DELETE CASCADE,
    adoptions        BIGINT NOT NULL,
    active_adoptions BIGINT NOT NULL,
    fundings         BIGINT NOT NULL
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

INSERT INTO software_funding_totals (software_id, currency, amount_minor, fundings)
SELECT software_id, currency, CAST(SUM(amount_minor) AS BIGINT), COUNT(*)
FROM fundings GROUP BY software_id, currency;
