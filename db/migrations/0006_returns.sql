-- Returns (RMA) and payments of invoices: a buyer asks to return delivered
-- units, ops approve or reject, goods received are restocked or written off,
-- and a credit note reduces what the company owes.

CREATE TABLE returns (
    id           uuid PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    number       integer     NOT NULL CHECK (number > 0),
    status       text        NOT NULL DEFAULT 'requested'
                 CHECK (status IN ('requested', 'approved', 'rejected', 'received')),
    requested_by text        NOT NULL,
    decided_by   text        NOT NULL DEFAULT '',
    comment      text        NOT NULL DEFAULT '',
    -- What the return credits, fixed when it is approved.
    credit       bigint      NOT NULL DEFAULT 0 CHECK (credit >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, number)
);

CREATE TABLE return_lines (
    return_id uuid   NOT NULL REFERENCES returns (id),
    sku       text   NOT NULL REFERENCES products (sku),
    quantity  bigint NOT NULL CHECK (quantity > 0),
    reason    text   NOT NULL,
    -- How the goods came back: restock (back on hand) or write_off.
    condition text   NOT NULL DEFAULT '' CHECK (condition IN ('', 'restock', 'write_off')),
    PRIMARY KEY (return_id, sku)
);

-- A credit note reduces what the company owes on the order's invoices.
CREATE TABLE credit_notes (
    number     text PRIMARY KEY,
    order_id   uuid        NOT NULL REFERENCES orders (id),
    return_id  uuid UNIQUE REFERENCES returns (id),
    company_id uuid        NOT NULL REFERENCES companies (id),
    amount     bigint      NOT NULL CHECK (amount >= 0),
    currency   char(3)     NOT NULL,
    issued_at  timestamptz NOT NULL
);
