-- Quantity rules: how many units of a SKU one order line may hold. A SKU's
-- rule (quantity_rules) applies to every company; a company's own rule for
-- the SKU (company_quantity_rules) replaces it, whole, for that company. A
-- SKU without a rule is sold in any quantity a cart line allows.
--
-- min_quantity is the least a line may hold; a line's quantity must be a
-- multiple of increment; max_quantity (NULL: no maximum) is the most one order
-- may hold. The API refuses a rule whose minimum or maximum is not a multiple
-- of its increment, or whose maximum is below its minimum; the CHECKs below
-- keep the rest of the shape.
CREATE TABLE quantity_rules (
    sku          text PRIMARY KEY REFERENCES products (sku),
    min_quantity integer     NOT NULL CHECK (min_quantity >= 1),
    increment    integer     NOT NULL CHECK (increment >= 1),
    max_quantity integer CHECK (max_quantity IS NULL OR max_quantity >= min_quantity),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE company_quantity_rules (
    company_id   uuid        NOT NULL REFERENCES companies (id),
    sku          text        NOT NULL REFERENCES products (sku),
    min_quantity integer     NOT NULL CHECK (min_quantity >= 1),
    increment    integer     NOT NULL CHECK (increment >= 1),
    max_quantity integer CHECK (max_quantity IS NULL OR max_quantity >= min_quantity),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Lookups are always one company's rules for a few SKUs.
    PRIMARY KEY (company_id, sku)
);
