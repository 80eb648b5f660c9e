-- The publiccode.yml a software was imported from (or that its fixture ships), kept as the
-- JSON of the validated document. What the catalog does not model (platforms, software
-- type, features, contacts, dependencies...) lives only here, so that an export writes it
-- back; what the catalog models is read from the catalog's own tables, which win when they
-- have been edited since.
CREATE TABLE software_publiccode (
    software_id BIGINT NOT NULL PRIMARY KEY REFERENCES software (id) ON DELETE CASCADE,
    document    TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
