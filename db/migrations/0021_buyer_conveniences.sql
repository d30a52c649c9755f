-- Buyer conveniences: a company's address book (with a default ship-to and a
-- default bill-to that every new cart starts with), requisition lists shared
-- within the company, and the bill-to a cart and its order carry.

-- A company's named addresses. Company admins manage them; every employee
-- reads them and may pick one for a cart. At most one address of a company is
-- its default ship-to and one its default bill-to (partial unique indexes). A
-- cart copies the address it was given (it keeps its ship-to as it was when
-- picked, as it keeps a typed one), so editing or deleting an address never
-- changes a cart or an order.
CREATE TABLE company_addresses (
    id              uuid PRIMARY KEY,
    company_id      uuid        NOT NULL REFERENCES companies (id),
    label           text        NOT NULL CHECK (label <> ''),
    name            text        NOT NULL CHECK (name <> ''),
    line1           text        NOT NULL CHECK (line1 <> ''),
    line2           text        NOT NULL DEFAULT '',
    city            text        NOT NULL CHECK (city <> ''),
    postal_code     text        NOT NULL DEFAULT '',
    country         char(2)     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    default_ship_to boolean     NOT NULL DEFAULT false,
    default_bill_to boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, label)
);
CREATE INDEX company_addresses_company_idx ON company_addresses (company_id, created_at, id);
CREATE UNIQUE INDEX company_addresses_default_ship_to_idx ON company_addresses (company_id) WHERE default_ship_to;
CREATE UNIQUE INDEX company_addresses_default_bill_to_idx ON company_addresses (company_id) WHERE default_bill_to;

-- Which book entry a cart's ship-to and bill-to were copied from (NULL: typed
-- in, or none), and the bill-to itself; the order keeps the bill-to as the
-- cart had it, as it keeps the ship-to.
ALTER TABLE carts
    ADD COLUMN ship_to_address_id uuid,
    ADD COLUMN bill_to_address_id uuid,
    ADD COLUMN bill_to            jsonb NOT NULL DEFAULT '{}';

ALTER TABLE orders ADD COLUMN bill_to jsonb NOT NULL DEFAULT '{}';

-- Requisition lists: named lists of SKUs and quantities a company's
-- employees reuse. Every employee of the company reads them and adds them to
-- a cart; the employee who made one and the company's admins change it.
CREATE TABLE requisition_lists (
    id          uuid PRIMARY KEY,
    company_id  uuid        NOT NULL REFERENCES companies (id),
    created_by  uuid        NOT NULL REFERENCES customers (id),
    name        text        NOT NULL CHECK (name <> ''),
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requisition_lists_company_idx ON requisition_lists (company_id, created_at, id);

-- A line names a SKU without a foreign key: a product dropped from the
-- catalogue stays on the list and is reported when the list goes to a cart.
CREATE TABLE requisition_list_lines (
    list_id  uuid        NOT NULL REFERENCES requisition_lists (id) ON DELETE CASCADE,
    sku      text        NOT NULL,
    quantity integer     NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, sku)
);
