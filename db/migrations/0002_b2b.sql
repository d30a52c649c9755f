-- B2B core: roles, seller staff, price lists with tiers, tax and shipping,
-- order references, spending limits, approval rules and requests, and the
-- notification outbox.

-- Company-side roles live on the customer (an employee of the buying company).
ALTER TABLE customers
    ADD COLUMN role text NOT NULL DEFAULT 'buyer'
        CHECK (role IN ('buyer', 'approver', 'company_admin'));

-- Seller-side staff: sales reps and managers act on quotes; ops see everything.
CREATE TABLE staff (
    id         uuid PRIMARY KEY,
    email      text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('sales_rep', 'sales_manager', 'ops')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A token belongs to exactly one principal: a customer or a staff member.
ALTER TABLE api_tokens
    ALTER COLUMN customer_id DROP NOT NULL,
    ADD COLUMN staff_id uuid REFERENCES staff (id),
    ADD CONSTRAINT api_tokens_one_principal CHECK ((customer_id IS NULL) <> (staff_id IS NULL));

ALTER TABLE companies
    ADD COLUMN customer_group   text    NOT NULL DEFAULT '',
    ADD COLUMN tax_exempt       boolean NOT NULL DEFAULT false,
    -- How long a checkout waits for an approver before it is rejected.
    ADD COLUMN approval_timeout_seconds integer NOT NULL DEFAULT 259200
        CHECK (approval_timeout_seconds > 0),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE products ADD COLUMN weight_grams integer NOT NULL DEFAULT 0 CHECK (weight_grams >= 0);

-- Price lists: for one company, or for a customer group; one currency; an
-- optional validity window [valid_from, valid_until); a priority; volume tiers.
CREATE TABLE price_lists (
    id             uuid PRIMARY KEY,
    name           text        NOT NULL CHECK (name <> ''),
    company_id     uuid REFERENCES companies (id),
    customer_group text,
    currency       char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    priority       integer     NOT NULL DEFAULT 0,
    valid_from     timestamptz,
    valid_until    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((company_id IS NULL) <> (customer_group IS NULL)),
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until)
);
CREATE INDEX price_lists_company_idx ON price_lists (company_id);
CREATE INDEX price_lists_group_idx ON price_lists (customer_group);

CREATE TABLE price_list_tiers (
    price_list_id uuid    NOT NULL REFERENCES price_lists (id) ON DELETE CASCADE,
    sku           text    NOT NULL REFERENCES products (sku),
    min_quantity  integer NOT NULL CHECK (min_quantity >= 1),
    unit_price    bigint  NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (price_list_id, sku, min_quantity)
);

-- Tax by ship-to country, in basis points (2000 = 20 %).
CREATE TABLE tax_rates (
    country    char(2) PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    rate_bp    integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000)
);

-- Shipping: base + per started kg, free when the goods total reaches free_above.
CREATE TABLE shipping_methods (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,32}$'),
    name          text    NOT NULL,
    currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    base_amount   bigint  NOT NULL DEFAULT 0 CHECK (base_amount >= 0),
    per_kg_amount bigint  NOT NULL DEFAULT 0 CHECK (per_kg_amount >= 0),
    free_above    bigint CHECK (free_above >= 0)
);

ALTER TABLE carts
    ADD COLUMN ship_name        text    NOT NULL DEFAULT '',
    ADD COLUMN ship_line1       text    NOT NULL DEFAULT '',
    ADD COLUMN ship_line2       text    NOT NULL DEFAULT '',
    ADD COLUMN ship_city        text    NOT NULL DEFAULT '',
    ADD COLUMN ship_postal_code text    NOT NULL DEFAULT '',
    ADD COLUMN ship_country     text    NOT NULL DEFAULT '',
    ADD COLUMN shipping_method  text    NOT NULL DEFAULT '',
    ADD COLUMN po_number        text    NOT NULL DEFAULT '',
    ADD COLUMN buyer_reference  text    NOT NULL DEFAULT '',
    -- What the checkout waits for, when it waits (awaiting_approval).
    ADD COLUMN checkout_status  text    NOT NULL DEFAULT '';

ALTER TABLE orders
    ADD COLUMN discount         bigint  NOT NULL DEFAULT 0 CHECK (discount >= 0),
    ADD COLUMN shipping         bigint  NOT NULL DEFAULT 0 CHECK (shipping >= 0),
    ADD COLUMN tax              bigint  NOT NULL DEFAULT 0 CHECK (tax >= 0),
    ADD COLUMN tax_rate_bp      integer NOT NULL DEFAULT 0,
    ADD COLUMN shipping_method  text    NOT NULL DEFAULT '',
    ADD COLUMN ship_to          jsonb   NOT NULL DEFAULT '{}',
    ADD COLUMN po_number        text    NOT NULL DEFAULT '',
    ADD COLUMN buyer_reference  text    NOT NULL DEFAULT '',
    ADD COLUMN approved_by      uuid;

ALTER TABLE order_lines
    ADD COLUMN base_unit_price  bigint  NOT NULL DEFAULT 0,
    ADD COLUMN price_list_id    uuid,
    ADD COLUMN price_list_name  text    NOT NULL DEFAULT '',
    ADD COLUMN tier_min_quantity integer NOT NULL DEFAULT 0;

-- Spending limits per employee (customer_id set) or per company, per period.
CREATE TABLE spending_limits (
    id          uuid PRIMARY KEY,
    company_id  uuid        NOT NULL REFERENCES companies (id),
    customer_id uuid REFERENCES customers (id),
    period      text        NOT NULL CHECK (period IN ('order', 'month', 'quarter')),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    currency    char(3)     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (company_id, customer_id, period)
);

-- Spend held by a checkout attempt: reserved when checkout starts, committed when
-- the order is placed, released when the checkout fails or is withdrawn.
CREATE TABLE spend_reservations (
    spend_key   text PRIMARY KEY,
    cart_id     uuid        NOT NULL REFERENCES carts (id),
    company_id  uuid        NOT NULL REFERENCES companies (id),
    customer_id uuid        NOT NULL REFERENCES customers (id),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    currency    char(3)     NOT NULL,
    status      text        NOT NULL DEFAULT 'reserved'
                CHECK (status IN ('reserved', 'committed', 'released')),
    reserved_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spend_reservations_company_idx ON spend_reservations (company_id, reserved_at)
    WHERE status <> 'released';

CREATE TABLE approval_rules (
    id           uuid PRIMARY KEY,
    company_id   uuid        NOT NULL REFERENCES companies (id),
    kind         text        NOT NULL CHECK (kind IN ('total_above', 'over_spending_limit', 'restricted_sku')),
    threshold    bigint      NOT NULL DEFAULT 0 CHECK (threshold >= 0),
    skus         text[]      NOT NULL DEFAULT '{}',
    approver_max bigint CHECK (approver_max >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_rules_company_idx ON approval_rules (company_id);

-- A checkout waiting for (or decided by) an approver.
CREATE TABLE approval_requests (
    cart_id       uuid        NOT NULL REFERENCES carts (id),
    attempt       integer     NOT NULL,
    company_id    uuid        NOT NULL REFERENCES companies (id),
    customer_id   uuid        NOT NULL REFERENCES customers (id),
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'expired')),
    required_role text        NOT NULL CHECK (required_role IN ('approver', 'company_admin')),
    reasons       text[]      NOT NULL DEFAULT '{}',
    total         bigint      NOT NULL,
    currency      char(3)     NOT NULL,
    deadline      timestamptz NOT NULL,
    decided_by    uuid,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, attempt)
);
CREATE INDEX approval_requests_pending_idx ON approval_requests (company_id, created_at) WHERE status = 'pending';

-- Notifications to buyers and approvers; a mailer drains rows with sent_at NULL.
CREATE TABLE notification_outbox (
    id           bigserial PRIMARY KEY,
    dedup_key    text        NOT NULL UNIQUE,
    kind         text        NOT NULL,
    company_id   uuid        NOT NULL REFERENCES companies (id),
    customer_id  uuid REFERENCES customers (id),
    -- Set when the notification goes to every employee with this role instead.
    to_role      text        NOT NULL DEFAULT '',
    subject      text        NOT NULL,
    body         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX notification_outbox_unsent_idx ON notification_outbox (id) WHERE sent_at IS NULL;

-- Idempotency keys belong to whoever calls, customer or staff.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_customer_id_fkey;
ALTER TABLE idempotency_keys RENAME COLUMN customer_id TO principal_id;
