-- PostgreSQL's change logs say which transaction wrote each row (see
-- migrations/postgres/0026). SQLite updates its indexes in place and has one writer at a
-- time: `version IS NULL` finds a commit's rows alone already. The same number keeps both
-- lists of migrations in step.
SELECT 1;
