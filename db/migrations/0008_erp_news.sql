-- ERP news: what the ERP has told Orderflow about each order, through its
-- signed webhooks (acknowledged, invoiced, shipped, paid) or a resync.
--
-- erp_status is the furthest status the ERP has reported, in the ERP
-- contract's words (erpapi.OrderStatus*): '' before any news, then open
-- (acknowledged) < invoiced < shipped < paid; cancelled stands apart. News
-- only ever moves it forward, so news applied in any order ends the same.
ALTER TABLE orders ADD COLUMN erp_status text NOT NULL DEFAULT ''
    CHECK (erp_status IN ('', 'open', 'invoiced', 'shipped', 'paid', 'cancelled'));

-- erp_payment_held is what the ERP reported paid beyond what the order's
-- invoices owed then (a "paid" before the shipments that invoice it): the
-- order workflow holds it and applies it as later shipments invoice.
ALTER TABLE orders ADD COLUMN erp_payment_held bigint NOT NULL DEFAULT 0
    CHECK (erp_payment_held >= 0);
