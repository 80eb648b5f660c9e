-- People: who signs in (with OpenID Connect, or as a demo account), their sessions, the
-- organisations they act for and the requests to join one. The tables users,
-- user_identities and memberships of 0001 were waiting for this; no row was ever written.

-- A short name, unique, to name a person on the command line (`token create --user`).
ALTER TABLE users ADD COLUMN handle TEXT;
CREATE UNIQUE INDEX users_handle ON users (handle);
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
CREATE INDEX users_email ON users (email);

-- A browser signed in. The cookie holds a secret; only its SHA-256 is kept, so that a copy
-- of the database opens no session. csrf is the synchronizer token of the session's forms.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    -- Which configured provider signed the person in (NULL: a demo account), and its ID
    -- token, which RP-initiated logout hands back to the provider.
    provider     TEXT,
    id_token     TEXT,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- The absolute end; the idle end is last_seen_at plus the configured idle lifetime.
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A login under way with a provider: what the callback must find again. Taken (deleted)
-- by the callback, so that a state, and the code that comes with it, serve once.
CREATE TABLE login_attempts (
    id            INTEGER PRIMARY KEY,
    state_hash    TEXT NOT NULL UNIQUE,
    -- SHA-256 of the secret of the cookie that binds the attempt to the browser that began it.
    browser_hash  TEXT NOT NULL,
    provider      TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    next          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

-- Roles in an organisation: member or admin.
CREATE INDEX memberships_user ON memberships (user_id);

-- A person asks to act for an organisation; one of its admins (or a site administrator)
-- accepts or refuses.
CREATE TABLE membership_requests (
    id              INTEGER PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    message         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'refused')),
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX membership_requests_pending ON membership_requests (user_id, organisation_id)
    WHERE status = 'pending';
CREATE INDEX membership_requests_organisation ON membership_requests (organisation_id, status);

-- Personal tokens: a user's, acting for one organisation (NULL: reading only), until a date.
ALTER TABLE api_tokens ADD COLUMN organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- A token's name is unique among its owner's live tokens (the operator's have no owner).
DROP INDEX api_tokens_live_name;
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (COALESCE(user_id, 0), name) WHERE revoked_at IS NULL;
