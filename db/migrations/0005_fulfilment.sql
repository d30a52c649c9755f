-- The order's life after checkout: shipments (stock leaves), invoices against
-- the company's credit (payment on account), cancellation of unshipped
-- quantities, SLA deadlines. (0004 is the webhooks' migration.)

-- What happened to each line, in units.
ALTER TABLE order_lines
    ADD COLUMN cancelled bigint NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
    ADD COLUMN shipped   bigint NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    ADD COLUMN delivered bigint NOT NULL DEFAULT 0 CHECK (delivered >= 0),
    ADD COLUMN returned  bigint NOT NULL DEFAULT 0 CHECK (returned >= 0),
    ADD CONSTRAINT order_lines_quantities CHECK (
        cancelled + shipped <= quantity AND delivered <= shipped AND returned <= delivered);

ALTER TABLE orders
    ADD COLUMN fulfilment_status text NOT NULL DEFAULT 'unfulfilled',
    ADD COLUMN payment_status    text NOT NULL DEFAULT 'authorized',
    -- Deadlines from the shipping method, and whether one passed.
    ADD COLUMN ship_by      timestamptz,
    ADD COLUMN deliver_by   timestamptz,
    ADD COLUMN sla_breached boolean NOT NULL DEFAULT false,
    ADD COLUMN delivered_at timestamptz,
    -- The order's money after checkout, in minor units of its currency.
    ADD COLUMN cancelled_amount bigint NOT NULL DEFAULT 0 CHECK (cancelled_amount >= 0),
    ADD COLUMN invoiced_amount  bigint NOT NULL DEFAULT 0 CHECK (invoiced_amount >= 0),
    ADD COLUMN paid_amount      bigint NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    ADD COLUMN credited_amount  bigint NOT NULL DEFAULT 0 CHECK (credited_amount >= 0);

-- How long a shipping method may take, from placing the order.
ALTER TABLE shipping_methods
    ADD COLUMN ship_within_hours    integer NOT NULL DEFAULT 48 CHECK (ship_within_hours > 0),
    ADD COLUMN deliver_within_hours integer NOT NULL DEFAULT 120 CHECK (deliver_within_hours > 0);

-- The company's payment terms (invoices are due net N days) and how long after
-- delivery its buyers may return goods.
ALTER TABLE companies
    ADD COLUMN payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
    ADD COLUMN return_window_days integer NOT NULL DEFAULT 30 CHECK (return_window_days BETWEEN 0 AND 365);

CREATE TABLE shipments (
    id            uuid PRIMARY KEY,
    order_id      uuid        NOT NULL REFERENCES orders (id),
    -- Numbered 1, 2, … per order.
    number        integer     NOT NULL CHECK (number > 0),
    carrier       text        NOT NULL,
    tracking      text        NOT NULL,
    -- Who told us: "ops:<staff id>" or "webhook:<integration>/<event id>".
    source        text        NOT NULL,
    shipped_at    timestamptz NOT NULL,
    delivered_at  timestamptz,
    UNIQUE (order_id, number)
);

CREATE TABLE shipment_lines (
    shipment_id uuid    NOT NULL REFERENCES shipments (id),
    sku         text    NOT NULL REFERENCES products (sku),
    quantity    bigint  NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, sku)
);

-- An invoice turns part of the order's credit hold into a receivable of the
-- company: open until paid, counted against its credit limit meanwhile.
CREATE TABLE invoices (
    number      text PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id),
    shipment_id uuid UNIQUE REFERENCES shipments (id),
    company_id  uuid        NOT NULL REFERENCES companies (id),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    currency    char(3)     NOT NULL,
    issued_at   timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    paid_amount bigint      NOT NULL DEFAULT 0 CHECK (paid_amount >= 0 AND paid_amount <= amount),
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid'))
);
CREATE INDEX invoices_company_open ON invoices (company_id) WHERE status = 'open';

-- Each change to an authorization after it was made (part captured, part
-- released, part of a capture refunded), once per ID: the payment provider's calls are retried, and a
-- retried capture must not capture twice.
CREATE TABLE payment_adjustments (
    id          text PRIMARY KEY,
    payment_key text        NOT NULL REFERENCES credit_holds (payment_key),
    kind        text        NOT NULL CHECK (kind IN ('capture', 'release', 'refund')),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
