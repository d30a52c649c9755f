-- Quote negotiation: buyers request quotes, sales reps answer with numbered
-- revisions, managers approve discounts beyond a rep's authority, an accepted
-- quote becomes an order through the normal checkout.

-- The company's account sales rep gets its new quotes; without one they wait in
-- the queue any rep may claim from.
ALTER TABLE companies ADD COLUMN sales_rep_id uuid REFERENCES staff (id);

-- What a unit costs us, per currency: quotes show the margin and judge it
-- against the author's authority. NULL: unknown (judged on discount only).
ALTER TABLE product_prices ADD COLUMN cost_price bigint CHECK (cost_price >= 0);

-- How far each sales role may go without a sales manager, per line.
CREATE TABLE quote_authorities (
    role            text PRIMARY KEY CHECK (role IN ('sales_rep', 'sales_manager')),
    max_discount_bp integer     NOT NULL CHECK (max_discount_bp BETWEEN 0 AND 10000),
    min_margin_bp   integer     NOT NULL CHECK (min_margin_bp BETWEEN 0 AND 10000),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO quote_authorities (role, max_discount_bp, min_margin_bp)
VALUES ('sales_rep', 1000, 1500), ('sales_manager', 2500, 0);

CREATE TABLE quotes (
    id             uuid PRIMARY KEY,
    company_id     uuid        NOT NULL REFERENCES companies (id),
    -- The employee who requested it: only they accept, decline or withdraw.
    customer_id    uuid        NOT NULL REFERENCES customers (id),
    currency       char(3)     NOT NULL,
    status         text        NOT NULL DEFAULT 'requested' CHECK (status IN (
                       'requested', 'drafting', 'awaiting_manager', 'offered', 'changes_requested',
                       'accepted', 'ordered', 'declined', 'expired', 'withdrawn', 'cancelled')),
    assignee_id    uuid REFERENCES staff (id),
    source_cart_id uuid REFERENCES carts (id),
    message        text        NOT NULL DEFAULT '',
    target_total   bigint CHECK (target_total >= 0),
    -- The revision on offer (or accepted, or expired); 0 before the first is sent.
    offered_revision integer   NOT NULL DEFAULT 0,
    offered_total  bigint,
    valid_until    timestamptz,
    -- The cart acceptance checks out, and how that went.
    order_cart_id  uuid REFERENCES carts (id),
    order_id       uuid,
    order_failure_code   text  NOT NULL DEFAULT '',
    order_failure_reason text  NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quotes_company_created ON quotes (company_id, created_at, id);
CREATE INDEX quotes_assignee_created ON quotes (assignee_id, created_at, id);

-- What the buyer asked for.
CREATE TABLE quote_request_lines (
    quote_id uuid    NOT NULL REFERENCES quotes (id),
    line_no  integer NOT NULL CHECK (line_no > 0),
    sku      text    NOT NULL REFERENCES products (sku),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (quote_id, line_no)
);

-- Offers, numbered per quote. A draft (or one waiting for a manager) may still
-- change; once sent it never does.
CREATE TABLE quote_revisions (
    quote_id          uuid        NOT NULL REFERENCES quotes (id),
    revision          integer     NOT NULL CHECK (revision > 0),
    status            text        NOT NULL CHECK (status IN ('draft', 'awaiting_manager', 'sent')),
    author_id         uuid        NOT NULL REFERENCES staff (id),
    author_role       text        NOT NULL,
    currency          char(3)     NOT NULL,
    shipping          bigint      NOT NULL CHECK (shipping >= 0),
    subtotal          bigint      NOT NULL,
    total             bigint      NOT NULL,
    valid_days        integer     NOT NULL CHECK (valid_days BETWEEN 1 AND 365),
    note              text        NOT NULL DEFAULT '',
    needs_manager     boolean     NOT NULL DEFAULT false,
    authority_reasons text[]      NOT NULL DEFAULT '{}',
    decided_by        uuid REFERENCES staff (id),
    decision_comment  text        NOT NULL DEFAULT '',
    sent_at           timestamptz,
    valid_until       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (quote_id, revision)
);

CREATE TABLE quote_revision_lines (
    quote_id        uuid    NOT NULL,
    revision        integer NOT NULL,
    line_no         integer NOT NULL CHECK (line_no > 0),
    sku             text    NOT NULL REFERENCES products (sku),
    name            text    NOT NULL,
    quantity        integer NOT NULL CHECK (quantity > 0),
    list_unit_price bigint  NOT NULL CHECK (list_unit_price >= 0),
    unit_price      bigint  NOT NULL CHECK (unit_price >= 0),
    cost_price      bigint CHECK (cost_price >= 0),
    line_total      bigint  NOT NULL CHECK (line_total >= 0),
    PRIMARY KEY (quote_id, revision, line_no),
    FOREIGN KEY (quote_id, revision) REFERENCES quote_revisions (quote_id, revision) ON DELETE CASCADE
);

-- Buyer and sales write to each other at any time.
CREATE TABLE quote_messages (
    id          bigserial PRIMARY KEY,
    quote_id    uuid        NOT NULL REFERENCES quotes (id),
    author      text        NOT NULL,
    author_name text        NOT NULL DEFAULT '',
    body        text        NOT NULL CHECK (body <> ''),
    dedup_key   text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quote_messages_quote ON quote_messages (quote_id, id);

-- The quote's timeline: who did what, when.
CREATE TABLE quote_events (
    id          bigserial PRIMARY KEY,
    quote_id    uuid        NOT NULL REFERENCES quotes (id),
    kind        text        NOT NULL,
    actor       text        NOT NULL,
    detail      text        NOT NULL DEFAULT '',
    dedup_key   text        NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quote_events_quote ON quote_events (quote_id, id);

-- A cart a quote was requested from is frozen ('quoted') while the quote runs;
-- the cart an accepted quote checks out names the quote and the revision whose
-- prices it is sold at.
ALTER TABLE carts DROP CONSTRAINT carts_status_check;
ALTER TABLE carts ADD CONSTRAINT carts_status_check
    CHECK (status IN ('open', 'checking_out', 'completed', 'quoted'));
ALTER TABLE carts
    ADD COLUMN quote_id       uuid REFERENCES quotes (id),
    ADD COLUMN quote_revision integer NOT NULL DEFAULT 0;

-- An order line sold at a quote's price says which quote and revision.
ALTER TABLE order_lines
    ADD COLUMN quote_id       uuid,
    ADD COLUMN quote_revision integer NOT NULL DEFAULT 0;

-- Notifications to seller staff (the assigned sales rep) name them.
ALTER TABLE notification_outbox ADD COLUMN staff_id uuid REFERENCES staff (id);
