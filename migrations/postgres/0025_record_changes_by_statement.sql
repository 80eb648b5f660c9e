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

CREATE FUNCTION record_software_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'software', slug, TRUE FROM old_rows ORDER BY id;
    ELSE
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'software', slug, FALSE FROM new_rows ORDER BY id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_software_insert AFTER INSERT ON software
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_software_rows();
CREATE TRIGGER record_software_update AFTER UPDATE ON software
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_software_rows();
CREATE TRIGGER record_software_delete AFTER DELETE ON software
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_software_rows();

CREATE FUNCTION record_organisations_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'organisation', slug, TRUE FROM old_rows ORDER BY id;
    ELSE
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'organisation', slug, FALSE FROM new_rows ORDER BY id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_organisations_insert AFTER INSERT ON organisations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_organisations_rows();
CREATE TRIGGER record_organisations_update AFTER UPDATE ON organisations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_organisations_rows();
CREATE TRIGGER record_organisations_delete AFTER DELETE ON organisations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_organisations_rows();

CREATE FUNCTION record_adoptions_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'adoption', CAST(id AS TEXT), TRUE FROM old_rows ORDER BY id;
    ELSE
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'adoption', CAST(id AS TEXT), FALSE FROM new_rows ORDER BY id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_adoptions_insert AFTER INSERT ON adoptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_adoptions_rows();
CREATE TRIGGER record_adoptions_update AFTER UPDATE ON adoptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_adoptions_rows();
CREATE TRIGGER record_adoptions_delete AFTER DELETE ON adoptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_adoptions_rows();

CREATE FUNCTION record_fundings_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'funding', CAST(id AS TEXT), TRUE FROM old_rows ORDER BY id;
    ELSE
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'funding', CAST(id AS TEXT), FALSE FROM new_rows ORDER BY id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_fundings_insert AFTER INSERT ON fundings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_fundings_rows();
CREATE TRIGGER record_fundings_update AFTER UPDATE ON fundings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_fundings_rows();
CREATE TRIGGER record_fundings_delete AFTER DELETE ON fundings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_fundings_rows();

CREATE FUNCTION record_roadmap_items_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'roadmap_item', CAST(id AS TEXT), TRUE FROM old_rows ORDER BY id;
    ELSE
        INSERT INTO record_changes (entity, record_key, deleted) SELECT 'roadmap_item', CAST(id AS TEXT), FALSE FROM new_rows ORDER BY id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_roadmap_items_insert AFTER INSERT ON roadmap_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_roadmap_items_rows();
CREATE TRIGGER record_roadmap_items_update AFTER UPDATE ON roadmap_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_roadmap_items_rows();
CREATE TRIGGER record_roadmap_items_delete AFTER DELETE ON roadmap_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_roadmap_items_rows();
