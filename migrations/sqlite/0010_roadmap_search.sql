-- The search index now reads the titles of a software's roadmap items (the trade's words
-- for what it is asked to do): a change of an item is a change of its software's document.
CREATE TRIGGER search_roadmap_items_insert AFTER INSERT ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_roadmap_items_update AFTER UPDATE ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (NEW.software_id);
END;

CREATE TRIGGER search_roadmap_items_delete AFTER DELETE ON roadmap_items FOR EACH ROW BEGIN
    INSERT INTO search_changes (software_id) VALUES (OLD.software_id);
END;
