-- Sales desk sessions: a person signs in to /desk/ with their API token once
-- and works under a session cookie. Only the SHA-256 of the session ID is
-- stored, so a copy of the table signs nobody in; the session names the API
-- token it was opened with (itself stored hashed in api_tokens), so revoking
-- the token ends its sessions too, and every page the desk serves goes through
-- the API with that token's principal.
CREATE TABLE desk_sessions (
    id_hash      bytea PRIMARY KEY,
    token_hash   bytea       NOT NULL REFERENCES api_tokens (token_hash) ON DELETE CASCADE,
    principal_id uuid        NOT NULL,
    -- csrf_token is the form token of every page of the session, checked on
    -- every POST.
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- idle_timeout ends a session nobody used for that long; expires_at ends
    -- it regardless (absolute expiry).
    idle_timeout interval    NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX desk_sessions_expires_at ON desk_sessions (expires_at);
