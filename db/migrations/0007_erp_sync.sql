-- ERP sync: the ERP is the system of record and gets every order once
-- (workflows/erpsync). The order carries the ERP's number; erp_syncs is each
-- order's push as ops see it; erp_cursors is where each scheduled pull of the
-- ERP's change feeds resumes.

-- The ERP's own order number, '' until the ERP has the order.
ALTER TABLE orders ADD COLUMN erp_number text NOT NULL DEFAULT '';

CREATE TABLE erp_syncs (
    order_id       uuid PRIMARY KEY REFERENCES orders (id),
    status         text        NOT NULL CHECK (status IN ('pending', 'synced', 'stuck', 'cancelled')),
    -- Pushes tried so far, and the last one's error ('' after a success).
    attempts       integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error     text        NOT NULL DEFAULT '',
    erp_number     text        NOT NULL DEFAULT '',
    -- Counts the times the sync turned stuck, so that each stuck episode
    -- notifies ops once (the notification's dedup key carries it).
    stuck_episodes integer     NOT NULL DEFAULT 0 CHECK (stuck_episodes >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- Ops list the syncs that need them.
CREATE INDEX erp_syncs_status_idx ON erp_syncs (status, updated_at) WHERE status <> 'synced';

-- Where a scheduled pull of one of the ERP's feeds (stock, prices) resumes:
-- the NextCursor of the last page applied.
CREATE TABLE erp_cursors (
    feed       text PRIMARY KEY,
    cursor     text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
