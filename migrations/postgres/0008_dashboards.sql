-- The dashboards' aggregates are kept in memory by each server and refreshed for the
-- software a write touched, read from the change log of 0006: adoptions and fundings now
-- write there too (a change of date or amount moves no count the log saw before).
-- Statement triggers with transition tables: an import of a million adoptions writes one
-- row per software it touched, not one per adoption.
CREATE FUNCTION rows_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_changes (software_id) SELECT DISTINCT software_id FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO search_changes (software_id) SELECT DISTINCT software_id FROM old_rows;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER changes_adoptions_insert AFTER INSERT ON adoptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();
CREATE TRIGGER changes_adoptions_update AFTER UPDATE ON adoptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();
CREATE TRIGGER changes_adoptions_delete AFTER DELETE ON adoptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();
CREATE TRIGGER changes_fundings_insert AFTER INSERT ON fundings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();
CREATE TRIGGER changes_fundings_update AFTER UPDATE ON fundings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();
CREATE TRIGGER changes_fundings_delete AFTER DELETE ON fundings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_change();

-- Organisations of a similar size, for an organisation's peers.
CREATE INDEX organisations_size ON organisations (kind, country, population);
