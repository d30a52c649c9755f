-- An order's invoices are read by order (the order view, shipments settling
-- and payments): an index range instead of a scan of every invoice.
CREATE INDEX invoices_order ON invoices (order_id, issued_at, number);
