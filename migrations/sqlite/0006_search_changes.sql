-- What the search index must read again. Triggers write here, in the same transaction as
-- the change itself, the software whose document a write touched; `Tx::commit` then stamps
-- the transaction's rows with the catalog version it commits (the version row's lock makes
-- versions follow commit order), so that an index that has applied every change up to
-- version V knows that anything it has not seen carries a higher one. Each process's index
-- remembers its V and catches up from it at start and after writes, on SQLite as on a
-- PostgreSQL shared by several processes.
CREATE TABLE search_changes (
    id          INTEGER PRIMARY KEY,
    software_id BIGINT NOT NULL,
    version     BIGINT
);
CREATE INDEX search_changes_version ON search_changes (version);

CREATE TRIGGER search_software_insert AFTER INSERT ON software FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.id);
END;

CREATE TRIGGER search_software_update AFTER UPDATE ON software FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.id);
END;

CREATE TRIGGER search_software_delete AFTER DELETE ON software FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.id);
END;

CREATE TRIGGER search_sw_texts_insert AFTER INSERT ON software_texts FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_texts_update AFTER UPDATE ON software_texts FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_texts_delete AFTER DELETE ON software_texts FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;

CREATE TRIGGER search_sw_categories_insert AFTER INSERT ON software_categories FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_categories_update AFTER UPDATE ON software_categories FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_categories_delete AFTER DELETE ON software_categories FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;

CREATE TRIGGER search_sw_organisations_insert AFTER INSERT ON software_organisations FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_organisations_update AFTER UPDATE ON software_organisations FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_organisations_delete AFTER DELETE ON software_organisations FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;

CREATE TRIGGER search_sw_stats_insert AFTER INSERT ON software_stats FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_stats_update AFTER UPDATE ON software_stats FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_sw_stats_delete AFTER DELETE ON software_stats FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;

CREATE TRIGGER search_repo_snapshots_insert AFTER INSERT ON repository_snapshots FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) SELECT software_id FROM repositories WHERE id = NEW.repository_id;
END;

CREATE TRIGGER search_repo_snapshots_update AFTER UPDATE ON repository_snapshots FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) SELECT software_id FROM repositories WHERE id = NEW.repository_id;
END;

CREATE TRIGGER search_repo_snapshots_delete AFTER DELETE ON repository_snapshots FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) SELECT software_id FROM repositories WHERE id = OLD.repository_id;
END;

CREATE TRIGGER search_organisation_renamed AFTER UPDATE OF name, kind, country ON organisations FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) SELECT software_id FROM adoptions WHERE organisation_id = NEW.id UNION SELECT software_id FROM software_organisations WHERE organisation_id = NEW.id UNION SELECT id FROM software WHERE publisher_id = NEW.id;
END;
