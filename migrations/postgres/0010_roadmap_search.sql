-- The search index now reads the titles of a software's roadmap items (the trade's words
-- for what it is asked to do): a change of an item is a change of its software's document.
CREATE TRIGGER search_roadmap_items AFTER INSERT OR UPDATE OR DELETE ON roadmap_items
    FOR EACH ROW EXECUTE FUNCTION search_change('software_id');
