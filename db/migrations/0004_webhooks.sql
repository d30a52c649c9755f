-- Signed inbound webhooks: the systems that post them (integrations, each with
-- its own secret) and every event they posted, deduplicated by the sender's
-- event ID.

-- A system that posts webhooks: a warehouse, a carrier, the ERP. Its secret
-- signs the requests (HMAC-SHA256), so the secret itself is needed to verify
-- them: it is stored encrypted (AES-256-GCM under WEBHOOK_SECRET_KEY, the
-- integration's ID authenticated with it), never in clear.
CREATE TABLE integrations (
    id                uuid PRIMARY KEY,
    -- Names the integration in the webhook URL: /v1/webhooks/<name>.
    name              text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    kind              text        NOT NULL,
    secret_ciphertext bytea       NOT NULL,
    secret_nonce      bytea       NOT NULL,
    -- After a rotation the previous secret still verifies until
    -- previous_secret_expires_at, so senders can switch without losing events.
    previous_secret_ciphertext bytea,
    previous_secret_nonce      bytea,
    previous_secret_expires_at timestamptz,
    active            boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    rotated_at        timestamptz,
    CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_nonce IS NULL)
       AND (previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL))
);

-- Every event an integration posted with a good signature, whatever became of
-- it: nothing a sender was told is accepted (202) is lost.
CREATE TABLE webhook_events (
    id             uuid PRIMARY KEY,
    integration_id uuid        NOT NULL REFERENCES integrations (id),
    -- The sender's event ID: a replay of the same event is recognised by it.
    event_id       text        NOT NULL,
    type           text        NOT NULL,
    -- The order the event names, if any. No foreign key: an event about an
    -- order Orderflow does not know is recorded (unmatched), not refused.
    order_id       uuid,
    -- The envelope as posted.
    payload        jsonb       NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    -- pending: recorded, not yet handed to its workflow (or the hand-over
    -- failed and will be tried again); delivered: its workflow has it;
    -- unmatched: no workflow owns it (unknown order), for ops to look at;
    -- rejected: its workflow refused it (error says why).
    status         text        NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'unmatched', 'rejected')),
    delivered_at   timestamptz,
    -- Why the last delivery failed, or why the event was rejected.
    error          text        NOT NULL DEFAULT '',
    UNIQUE (integration_id, event_id)
);

-- Ops list events by status (unmatched, pending) and by integration, newest
-- last, with a keyset cursor.
CREATE INDEX webhook_events_by_status ON webhook_events (status, received_at, id);
CREATE INDEX webhook_events_by_integration ON webhook_events (integration_id, received_at, id);
