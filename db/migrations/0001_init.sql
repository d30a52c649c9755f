-- Orderflow foundation: companies, customers, catalogue, stock, carts, orders,
-- the checkout's reservations and credit holds, timelines and idempotency keys.
-- Money is always an integer amount of minor units plus a currency code.

CREATE TABLE companies (
    id           uuid PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> ''),
    currency     char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    credit_limit bigint      NOT NULL CHECK (credit_limit >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customers (
    id         uuid PRIMARY KEY,
    company_id uuid        NOT NULL REFERENCES companies (id),
    email      text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_company_idx ON customers (company_id);

-- Bearer tokens are random; only their SHA-256 is stored.
CREATE TABLE api_tokens (
    token_hash  bytea PRIMARY KEY,
    customer_id uuid        NOT NULL REFERENCES customers (id),
    label       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE products (
    sku        text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_prices (
    sku        text    NOT NULL REFERENCES products (sku),
    currency   char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    unit_price bigint  NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (sku, currency)
);

-- Stock per SKU. reserved counts units held by checkouts and placed orders that
-- have not shipped; available = on_hand - reserved.
CREATE TABLE stock (
    sku      text PRIMARY KEY REFERENCES products (sku),
    on_hand  bigint NOT NULL CHECK (on_hand >= 0),
    reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    CHECK (reserved <= on_hand)
);

CREATE TABLE carts (
    id             uuid PRIMARY KEY,
    company_id     uuid        NOT NULL REFERENCES companies (id),
    customer_id    uuid        NOT NULL REFERENCES customers (id),
    currency       char(3)     NOT NULL,
    -- open → checking_out → completed, or back to open when a checkout fails.
    status         text        NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'checking_out', 'completed')),
    failure_code   text        NOT NULL DEFAULT '',
    failure_reason text        NOT NULL DEFAULT '',
    order_id       uuid,
    -- Counts checkouts of this cart; a failed checkout reopens the cart and the next
    -- one is a new attempt, so its reservations and holds get keys of their own.
    checkout_attempt integer   NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX carts_customer_idx ON carts (customer_id, created_at DESC);

CREATE TABLE cart_lines (
    cart_id  uuid    NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    sku      text    NOT NULL REFERENCES products (sku),
    quantity integer NOT NULL CHECK (quantity > 0),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, sku)
);

-- One reservation per checkout attempt and SKU: reserving twice for the same attempt
-- is a no-op, releasing twice too.
CREATE TABLE stock_reservations (
    cart_id    uuid        NOT NULL REFERENCES carts (id),
    attempt    integer     NOT NULL,
    sku        text        NOT NULL REFERENCES stock (sku),
    quantity   bigint      NOT NULL CHECK (quantity > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, attempt, sku)
);

-- Payment on account: an authorization holds part of the company's credit limit.
-- Keyed by the checkout's payment key, so a retried authorization finds its hold.
CREATE TABLE credit_holds (
    payment_key text        PRIMARY KEY,
    cart_id     uuid        NOT NULL REFERENCES carts (id),
    company_id  uuid        NOT NULL REFERENCES companies (id),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    currency    char(3)     NOT NULL,
    status      text        NOT NULL DEFAULT 'authorized'
                CHECK (status IN ('authorized', 'released')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz
);
CREATE INDEX credit_holds_open_idx ON credit_holds (company_id) WHERE status = 'authorized';

CREATE TABLE orders (
    id          uuid PRIMARY KEY,
    -- A cart gives at most one order, whatever retries or races happen.
    cart_id     uuid        NOT NULL UNIQUE REFERENCES carts (id),
    company_id  uuid        NOT NULL REFERENCES companies (id),
    customer_id uuid        NOT NULL REFERENCES customers (id),
    status      text        NOT NULL,
    currency    char(3)     NOT NULL,
    subtotal    bigint      NOT NULL CHECK (subtotal >= 0),
    total       bigint      NOT NULL CHECK (total >= 0),
    placed_at   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at DESC, id DESC);
CREATE INDEX orders_company_idx ON orders (company_id, placed_at DESC, id DESC);

CREATE TABLE order_lines (
    order_id   uuid    NOT NULL REFERENCES orders (id),
    line_no    integer NOT NULL,
    sku        text    NOT NULL REFERENCES products (sku),
    name       text    NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price bigint  NOT NULL CHECK (unit_price >= 0),
    line_total bigint  NOT NULL CHECK (line_total >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- The timeline of a cart's checkout and of the order it became: who, when, what.
-- dedup_key makes each event written by a retried activity land once.
CREATE TABLE timeline_events (
    id          bigserial PRIMARY KEY,
    cart_id     uuid        NOT NULL REFERENCES carts (id),
    order_id    uuid,
    kind        text        NOT NULL,
    actor       text        NOT NULL,
    detail      text        NOT NULL DEFAULT '',
    dedup_key   text        NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_events_cart_idx ON timeline_events (cart_id, id);

-- Idempotency-Key store: the first answer to a mutating request, replayed to retries.
CREATE TABLE idempotency_keys (
    customer_id   uuid        NOT NULL REFERENCES customers (id),
    key           text        NOT NULL,
    request_hash  bytea       NOT NULL,
    -- NULL while the first request is still being handled.
    status_code   integer,
    response_body bytea,
    locked_at     timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, key)
);
