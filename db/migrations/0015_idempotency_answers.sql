-- Idempotency done fully (issue 11):
--  - a replay answers the first answer's headers that matter (Location,
--    Retry-After, Content-Type) besides its status and body;
--  - an interim answer (a checkout's 202 "pending") is kept marked as such,
--    with what the route needs to find its current state (interim_ref: the
--    checkout's workflow run), and a replay answers that state instead;
--  - a claim is a lease: the request that holds the key renews locked_until
--    every few seconds while it runs, so a key whose request died (its
--    process killed) is taken over as soon as the lease lapses, and only the
--    holder of the current claim (claim_id) stores or lets go of an answer.
ALTER TABLE idempotency_keys
    ADD COLUMN response_headers jsonb       NOT NULL DEFAULT '{}',
    ADD COLUMN interim          boolean     NOT NULL DEFAULT false,
    ADD COLUMN interim_ref      text        NOT NULL DEFAULT '',
    ADD COLUMN claim_id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN locked_until     timestamptz NOT NULL DEFAULT now(),
    DROP COLUMN locked_at;
