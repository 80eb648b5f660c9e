-- Public bodies' accounts on forges (a GitHub organisation, a GitLab group, a body's own
-- forge), as code.gouv.fr lists them: where their repositories can later be discovered.
-- An account belongs to one organisation; an import keeps where it read it and when.
CREATE TABLE forge_accounts (
    id              INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- https://github.com/etalab, or https://git.example.gouv.fr for a whole forge.
    url             TEXT NOT NULL UNIQUE,
    -- github, gitlab, sourcehut, gitea...: how the forge is to be asked.
    forge           TEXT NOT NULL,
    -- The body's free software policy, when the list gives one.
    floss_policy    TEXT,
    -- Since when the list no longer follows the account, when it says so.
    ignored_since   TEXT,
    source          TEXT NOT NULL,
    imported_at     TEXT NOT NULL
);
CREATE INDEX forge_accounts_organisation ON forge_accounts (organisation_id);
