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

CREATE TABLE IF NOT EXISTS erp_sandbox.price_changes (
    seq              bigserial   PRIMARY KEY,
    price_list       text        NOT NULL,
    sku              text        NOT NULL,
    currency         text        NOT NULL,
    unit_price_minor bigint      NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now()
);
