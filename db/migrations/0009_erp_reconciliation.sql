-- ERP reconciliation: a run compares the orders placed in a period in both
-- systems (workflow ErpReconcile) and stores what disagrees, for ops to read
-- and repair.

CREATE TABLE erp_reconciliations (
    id                  uuid PRIMARY KEY,
    -- The period compared: orders placed in [period_from, period_to).
    period_from         timestamptz NOT NULL,
    period_to           timestamptz NOT NULL CHECK (period_to > period_from),
    status              text        NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed')),
    -- Who asked: the daily schedule, or ops through the API.
    trigger             text        NOT NULL CHECK (trigger IN ('schedule', 'ops')),
    -- Orders compared: the ERP's orders read, and ours in the period.
    erp_orders          integer     NOT NULL DEFAULT 0 CHECK (erp_orders >= 0),
    our_orders          integer     NOT NULL DEFAULT 0 CHECK (our_orders >= 0),
    -- Findings per kind, set when the run completes.
    missing_in_erp      integer     NOT NULL DEFAULT 0,
    unknown_to_us       integer     NOT NULL DEFAULT 0,
    total_mismatch      integer     NOT NULL DEFAULT 0,
    status_mismatch     integer     NOT NULL DEFAULT 0,
    erp_number_mismatch integer     NOT NULL DEFAULT 0,
    -- Why a failed run failed.
    error               text        NOT NULL DEFAULT '',
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
-- Ops list runs newest first.
CREATE INDEX erp_reconciliations_started_idx ON erp_reconciliations (started_at DESC, id DESC);

CREATE TABLE erp_reconciliation_findings (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reconciliation_id uuid        NOT NULL REFERENCES erp_reconciliations (id),
    kind              text        NOT NULL CHECK (kind IN ('missing_in_erp', 'unknown_to_us', 'total_mismatch',
                                                           'status_mismatch', 'erp_number_mismatch')),
    -- Our order, when we have one (not for unknown_to_us).
    order_id          uuid REFERENCES orders (id),
    -- The ERP's reference (Orderflow's order ID as the ERP keeps it).
    reference         text        NOT NULL,
    -- The ERP's order number: theirs, or the one we recorded when they have none.
    erp_number        text        NOT NULL DEFAULT '',
    our_total         bigint,
    our_currency      text        NOT NULL DEFAULT '',
    -- Our erp_status: what the ERP last told us.
    our_status        text        NOT NULL DEFAULT '',
    -- Our push's erp_syncs status ('' when the order has none), and the ERP
    -- number we recorded.
    our_sync_status   text        NOT NULL DEFAULT '',
    our_erp_number    text        NOT NULL DEFAULT '',
    their_total       bigint,
    their_currency    text        NOT NULL DEFAULT '',
    their_status      text        NOT NULL DEFAULT '',
    -- The one-call repair ops can make ('' none).
    repair            text        NOT NULL DEFAULT '' CHECK (repair IN ('', 'repush', 'resync_status')),
    repaired_at       timestamptz,
    repair_note       text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- A retried page or final pass writes each finding once.
    UNIQUE (reconciliation_id, kind, reference, erp_number)
);
-- The report pages its findings by kind.
CREATE INDEX erp_reconciliation_findings_report_idx
    ON erp_reconciliation_findings (reconciliation_id, kind, created_at, id);

-- The orders of ours a run has found in the ERP so far, so that its last pass
-- finds the ones the ERP lacks in SQL, whatever the period's size. Emptied
-- when the run ends.
CREATE TABLE erp_reconciliation_seen (
    reconciliation_id uuid NOT NULL REFERENCES erp_reconciliations (id),
    order_id          uuid NOT NULL,
    PRIMARY KEY (reconciliation_id, order_id)
);

-- Reconciliation reads the orders placed in a period.
CREATE INDEX orders_placed_idx ON orders (placed_at, id);
