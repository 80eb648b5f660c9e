-- What the organisation search must read again, kept as search_changes is (0006): triggers
-- write the organisations a write touched, in its transaction, and `Tx::commit` stamps them
-- with the catalog version it commits. An organisation's document holds its name, kind,
-- country, population, official identifiers and its parents' names.
CREATE TABLE organisation_changes (
    id              INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL,
    version         BIGINT
);
CREATE INDEX organisation_changes_version ON organisation_changes (version);

CREATE TRIGGER org_search_insert AFTER INSERT ON organisations FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.id);
END;

CREATE TRIGGER org_search_update AFTER UPDATE ON organisations FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.id);
END;

CREATE TRIGGER org_search_delete AFTER DELETE ON organisations FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (OLD.id);
END;

-- A renamed EPCI or département changes the documents of the organisations under it.
CREATE TRIGGER org_search_parent_renamed AFTER UPDATE OF name ON organisations FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id)
    SELECT organisation_id FROM organisation_parents WHERE parent_id = NEW.id;
END;

CREATE TRIGGER org_search_parents_insert AFTER INSERT ON organisation_parents FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.organisation_id);
END;

CREATE TRIGGER org_search_parents_update AFTER UPDATE ON organisation_parents FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.organisation_id);
END;

CREATE TRIGGER org_search_parents_delete AFTER DELETE ON organisation_parents FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (OLD.organisation_id);
END;

CREATE TRIGGER org_search_identifiers_insert AFTER INSERT ON organisation_identifiers FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.organisation_id);
END;

CREATE TRIGGER org_search_identifiers_update AFTER UPDATE ON organisation_identifiers FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (NEW.organisation_id);
END;

CREATE TRIGGER org_search_identifiers_delete AFTER DELETE ON organisation_identifiers FOR EACH ROW BEGIN
    INSERT INTO organisation_changes (organisation_id) VALUES (OLD.organisation_id);
END;
