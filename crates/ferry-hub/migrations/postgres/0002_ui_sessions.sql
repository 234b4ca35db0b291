-- Browser sessions of the web UI. Only the SHA-256 of the session token is kept, so a copy
-- of the database cannot be used to log in; the CSRF token is not a credential by itself.
CREATE TABLE ui_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- A one-time message for the next page, sealed with the hub key (it may hold a connect
    -- command with a target secret).
    flash BYTEA
);
CREATE INDEX ui_sessions_by_last_seen ON ui_sessions (last_seen_at);
