-- Webhooks: an organisation's admins subscribe an address to kinds of changes of the
-- catalog; each change that matches becomes a delivery, written in the same transaction
-- as the change and its audit event, then sent (signed) and retried by the server's
-- background sender for a day. The secret signs the deliveries: the receiver keeps it too.

-- AUTOINCREMENT: a removed webhook's number is never given to another, whose log and
-- audit history would then seem to continue it.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    -- The kinds of change, comma-separated with a comma at each end (",adoption,funding,"),
    -- so that one LIKE matches a kind on both databases.
    kinds           TEXT NOT NULL,
    -- 'ours': changes of the organisation and of the software it maintains or publishes;
    -- 'catalog': every public change.
    scope           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
-- One address once per organisation: a second is a conflict on `url`.
CREATE UNIQUE INDEX webhooks_organisation ON webhooks (organisation_id, url);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        BIGINT NOT NULL REFERENCES audit_events (id),
    kind            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed' (still refused a day after the change).
    status          TEXT NOT NULL,
    -- When to try next; NULL once delivered or given up.
    next_attempt_at TEXT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    -- The receiver's HTTP status, when it answered.
    last_status     BIGINT,
    -- Why the last attempt failed, when it did.
    last_error      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
