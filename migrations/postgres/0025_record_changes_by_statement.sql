-- The changes feed's triggers (0023), one call per statement instead of one per row. The
-- row triggers turned every row into JSON to read its key; a million adoptions imported
-- took 158.5 s with them and 147.9 s without (bench/README.md, "Scale"). Statement
-- triggers with transition tables, as the dashboards' (0008), write the same rows: each
-- record touched, its key, whether it was removed; statements keep their order, and a
-- statement's records are distinct.
DROP TRIGGER record_software ON software;
DROP TRIGGER record_organisations ON organisations;
DROP TRIGGER record_adoptions ON adoptions;
DROP TRIGGER record_fundings ON fundings;
DROP TRIGGER record_roadmap_items ON roadmap_items;
DROP FUNCTION record_change();

-- One function for the five tables, as 0023's was: the entity and the key's column are its
-- arguments, read into one statement (the transition tables are visible to EXECUTE).
CREATE FUNCTION record_rows_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO record_changes (entity, record_key, deleted) SELECT %L, CAST(%I AS TEXT), %L FROM %I ORDER BY id',
        TG_ARGV[0], TG_ARGV[1], TG_OP = 'DELETE', CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END);
    RETURN NULL;
END $$;
CREATE TRIGGER record_software_insert AFTER INSERT ON software
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('software', 'slug');
CREATE TRIGGER record_software_update AFTER UPDATE ON software
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('software', 'slug');
CREATE TRIGGER record_software_delete AFTER DELETE ON software
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('software', 'slug');
CREATE TRIGGER record_organisations_insert AFTER INSERT ON organisations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('organisation', 'slug');
CREATE TRIGGER record_organisations_update AFTER UPDATE ON organisations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('organisation', 'slug');
CREATE TRIGGER record_organisations_delete AFTER DELETE ON organisations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('organisation', 'slug');
CREATE TRIGGER record_adoptions_insert AFTER INSERT ON adoptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('adoption', 'id');
CREATE TRIGGER record_adoptions_update AFTER UPDATE ON adoptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('adoption', 'id');
CREATE TRIGGER record_adoptions_delete AFTER DELETE ON adoptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('adoption', 'id');
CREATE TRIGGER record_fundings_insert AFTER INSERT ON fundings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('funding', 'id');
CREATE TRIGGER record_fundings_update AFTER UPDATE ON fundings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('funding', 'id');
CREATE TRIGGER record_fundings_delete AFTER DELETE ON fundings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('funding', 'id');
CREATE TRIGGER record_roadmap_items_insert AFTER INSERT ON roadmap_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('roadmap_item', 'id');
CREATE TRIGGER record_roadmap_items_update AFTER UPDATE ON roadmap_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('roadmap_item', 'id');
CREATE TRIGGER record_roadmap_items_delete AFTER DELETE ON roadmap_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_rows_change('roadmap_item', 'id');
