-- The dashboards' aggregates are kept in memory by each server and refreshed for the
-- software a write touched, read from the change log of 0006: adoptions and fundings now
-- write there too (a change of date or amount moves no count the log saw before).
CREATE TRIGGER changes_adoptions_insert AFTER INSERT ON adoptions FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;
CREATE TRIGGER changes_adoptions_update AFTER UPDATE ON adoptions FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;
CREATE TRIGGER changes_adoptions_delete AFTER DELETE ON adoptions FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;
CREATE TRIGGER changes_fundings_insert AFTER INSERT ON fundings FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;
CREATE TRIGGER changes_fundings_update AFTER UPDATE ON fundings FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;
CREATE TRIGGER changes_fundings_delete AFTER DELETE ON fundings FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;

-- Organisations of a similar size, for an organisation's peers.
CREATE INDEX organisations_size ON organisations (kind, country, population);
