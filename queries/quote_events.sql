-- QuoteEventCreate appends to a quote's timeline once per dedup key.
-- name: QuoteEventCreate :exec
INSERT INTO quote_events (quote_id, kind, actor, detail, dedup_key)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (dedup_key) DO NOTHING;

-- name: QuoteEventListByQuote :many
SELECT * FROM quote_events WHERE quote_id = $1 ORDER BY id;
