-- PostgreSQL's changes feed triggers become statement triggers (see its 0025). SQLite has
-- row triggers only, and its row triggers of 0023 read the key directly: nothing changes.
SELECT 1;
