-- The changes feed (`GET /api/v1/changes`): every create, update and removal of the
-- catalog's records (software, organisations, adoptions, fundings, roadmap items), one row
-- each, written by triggers in the same transaction as the change (bulk imports too, which
-- write one audit event for a whole batch). `Tx::commit` stamps the transaction's rows with
-- the catalog version it commits, as it does the search changes, so that a reader who has
-- seen every change up to (version, id) misses none. Never pruned: a follower may come back
-- after months.
CREATE TABLE record_changes (
    id         INTEGER PRIMARY KEY,
    entity     TEXT NOT NULL,
    -- A software's or an organisation's slug; an adoption's, funding's or item's id.
    record_key TEXT NOT NULL,
    deleted    BOOLEAN NOT NULL,
    version    BIGINT
);
CREATE INDEX record_changes_version ON record_changes (version, id);

CREATE TRIGGER record_software_insert AFTER INSERT ON software FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('software', NEW.slug, FALSE);
END;

CREATE TRIGGER record_software_update AFTER UPDATE ON software FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('software', NEW.slug, FALSE);
END;

CREATE TRIGGER record_software_delete AFTER DELETE ON software FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('software', OLD.slug, TRUE);
END;

CREATE TRIGGER record_organisations_insert AFTER INSERT ON organisations FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('organisation', NEW.slug, FALSE);
END;

CREATE TRIGGER record_organisations_update AFTER UPDATE ON organisations FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('organisation', NEW.slug, FALSE);
END;

CREATE TRIGGER record_organisations_delete AFTER DELETE ON organisations FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('organisation', OLD.slug, TRUE);
END;

CREATE TRIGGER record_adoptions_insert AFTER INSERT ON adoptions FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('adoption', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_adoptions_update AFTER UPDATE ON adoptions FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('adoption', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_adoptions_delete AFTER DELETE ON adoptions FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('adoption', CAST(OLD.id AS TEXT), TRUE);
END;

CREATE TRIGGER record_fundings_insert AFTER INSERT ON fundings FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('funding', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_fundings_update AFTER UPDATE ON fundings FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('funding', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_fundings_delete AFTER DELETE ON fundings FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('funding', CAST(OLD.id AS TEXT), TRUE);
END;

CREATE TRIGGER record_roadmap_items_insert AFTER INSERT ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('roadmap_item', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_roadmap_items_update AFTER UPDATE ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('roadmap_item', CAST(NEW.id AS TEXT), FALSE);
END;

CREATE TRIGGER record_roadmap_items_delete AFTER DELETE ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO record_changes (entity, record_key, deleted) VALUES ('roadmap_item', CAST(OLD.id AS TEXT), TRUE);
END;
