-- Indexes for the lists and lookups the API serves that still read more rows
-- than they return once there are a million orders (issue 13, scale). Each
-- list pages with a keyset cursor in the order of the index that serves it,
-- so a page reads about as many index entries as it returns, however deep.
-- TestHotQueriesUseIndexes (testenv/scaledata) EXPLAINs the hot queries on
-- loaded data and fails on a sequential scan of a big table.

-- Ops list orders by status and by fulfilment status, oldest first
-- (OrderListForOps): without these, a filter on the few orders still
-- 'placed' walked orders_placed_idx from the oldest order of all.
CREATE INDEX orders_status_placed_idx ON orders (status, placed_at, id);
CREATE INDEX orders_fulfilment_placed_idx ON orders (fulfilment_status, placed_at, id);

-- Ops list late orders (late_only): few, among every order ever placed.
CREATE INDEX orders_late_placed_idx ON orders (placed_at, id) WHERE sla_breached;

-- An order's credit notes are read by order (the order view), as its
-- invoices are (0017).
CREATE INDEX credit_notes_order_idx ON credit_notes (order_id, issued_at, number);

-- Whether a company ever had a cart (CartExistsByCompany, asked when ops
-- change a company's currency): carts were indexed by customer only.
CREATE INDEX carts_company_idx ON carts (company_id);

-- A sales manager's quote list over every assignee, oldest first
-- (QuoteListForSales with all_assignees and no company).
CREATE INDEX quotes_created_idx ON quotes (created_at, id);
