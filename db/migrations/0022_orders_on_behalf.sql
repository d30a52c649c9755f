-- Orders on behalf: a sales rep builds a cart for a named buyer of a company
-- they look after, then sends it to the buyer (who checks it out) or, when
-- the company allows it, checks it out in the buyer's name. The order is the
-- buyer's (their spending limits, their company's approval rules); these
-- columns keep who acted for them.

-- Whether the company lets its sales rep check a cart out in a buyer's name.
-- Off until the company's admin (or ops) turns it on.
ALTER TABLE companies ADD COLUMN on_behalf_checkout boolean NOT NULL DEFAULT false;

-- built_by_staff_id: the sales rep or manager who built the cart; NULL for a
-- buyer's own cart. While sent_at is NULL the cart is the rep's to change
-- (the buyer may read it); once sent it is the buyer's like any other.
-- checkout_by_staff_id: who started its checkout in the buyer's name, read
-- by the checkout's activities for the timeline and the order.
ALTER TABLE carts
    ADD COLUMN built_by_staff_id    uuid REFERENCES staff (id),
    ADD COLUMN sent_at              timestamptz,
    ADD COLUMN checkout_by_staff_id uuid REFERENCES staff (id);
CREATE INDEX carts_on_behalf_company_idx ON carts (company_id, created_at, id) WHERE built_by_staff_id IS NOT NULL;

-- The member of staff who placed the order in the buyer's name, if one did.
ALTER TABLE orders ADD COLUMN placed_by_staff_id uuid REFERENCES staff (id);
