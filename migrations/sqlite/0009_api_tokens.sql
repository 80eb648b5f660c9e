-- API tokens: who may write through the API. Only a hash of each token is kept; the
-- token itself is shown once, when it is made. The accounts issue ties tokens to users.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    -- The token's first characters, to look it up and to tell tokens apart in lists.
    prefix       TEXT NOT NULL UNIQUE,
    -- Hex SHA-256 of the whole token.
    hash         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
-- A name is taken while its token is live; a revoked token's name may be given again.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
