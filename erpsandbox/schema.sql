-- The ERP sandbox's own tables, in a schema of their own so that they never
-- mix with Orderflow's: the sandbox plays a separate system that merely shares
-- the Postgres server. Every statement is idempotent; the sandbox runs this
-- file at every start.
CREATE SCHEMA IF NOT EXISTS erp_sandbox;

-- ERP order numbers (SO-000123) come from this sequence; gaps are fine.
CREATE SEQUENCE IF NOT EXISTS erp_sandbox.order_number_seq;

CREATE TABLE IF NOT EXISTS erp_sandbox.orders (
    id              bigserial   PRIMARY KEY,
    number          text        NOT NULL UNIQUE,
    reference       text        NOT NULL CONSTRAINT orders_reference_key UNIQUE,
    idempotency_key text        NOT NULL CONSTRAINT orders_idempotency_key_key UNIQUE,
    customer        text        NOT NULL,
    status          text        NOT NULL,
    currency        text        NOT NULL,
    total_minor     bigint      NOT NULL,
    placed_at       timestamptz NOT NULL,
    lines           jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS orders_placed_at_idx ON erp_sandbox.orders (placed_at, id);

-- The change feeds: seq is the cursor, so a page is "everything after seq N".
CREATE TABLE IF NOT EXISTS erp_sandbox.stock_changes (
    seq        bigserial   PRIMARY KEY,
    sku        text        NOT NULL,
    on_hand    bigint      NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
-- The Orderflow stock location a count is for ('' for none: the default).
ALTER TABLE erp_sandbox.stock_changes ADD COLUMN IF NOT EXISTS location text NOT NULL DEFAULT '';

CREATE TABLE IF NOT EXISTS erp_sandbox.price_changes (
    seq              bigserial   PRIMARY KEY,
    price_list       text        NOT NULL,
    sku              text        NOT NULL,
    currency         text        NOT NULL,
    unit_price_minor bigint      NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now()
);

-- What the ERP has done with each order since: shipments, invoices and
-- payments made through the admin routes, counted to name the next one.
ALTER TABLE erp_sandbox.orders ADD COLUMN IF NOT EXISTS shipments int NOT NULL DEFAULT 0;
ALTER TABLE erp_sandbox.orders ADD COLUMN IF NOT EXISTS invoices  int NOT NULL DEFAULT 0;
ALTER TABLE erp_sandbox.orders ADD COLUMN IF NOT EXISTS payments  int NOT NULL DEFAULT 0;

-- The webhook outbox: every piece of news (erpapi.Event*) is written here in
-- the transaction that made it, and the dispatcher posts it to Orderflow,
-- signed, retrying with backoff until it is answered 2xx.
CREATE TABLE IF NOT EXISTS erp_sandbox.webhook_outbox (
    seq             bigserial   PRIMARY KEY,
    event_id        text        NOT NULL UNIQUE,
    type            text        NOT NULL,
    body            bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text        NOT NULL DEFAULT ''
);

CREATE INDEX IF NOT EXISTS webhook_outbox_due_idx ON erp_sandbox.webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
