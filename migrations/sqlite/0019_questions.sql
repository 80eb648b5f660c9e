-- Asking the adopters: an official preparing a tender asks the organisations that use a
-- software one question, through the registry; the members who said they answer such
-- questions (the referents) read it and answer. No address is ever shown to the asker.
-- These are messages between people, not facts of the catalog: they leave no audit event
-- and do not change the catalog's version.

-- A member who answers other public bodies' questions about what their organisation uses.
ALTER TABLE memberships ADD COLUMN answers_questions BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX memberships_answering ON memberships (organisation_id) WHERE answers_questions = TRUE;

CREATE TABLE questions (
    id              INTEGER PRIMARY KEY,
    software_id     BIGINT NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    asker_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The organisation the asker acts for.
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX questions_asker ON questions (asker_id, created_at);
CREATE INDEX questions_organisation ON questions (organisation_id, created_at);

-- The adopters a question was sent to.
CREATE TABLE question_recipients (
    question_id     BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, organisation_id)
);
CREATE INDEX question_recipients_organisation ON question_recipients (organisation_id, question_id);

-- An answer, by a member of an organisation the question was sent to.
CREATE TABLE question_answers (
    id              INTEGER PRIMARY KEY,
    question_id     BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX question_answers_question ON question_answers (question_id, id);
