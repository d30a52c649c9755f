-- QuoteMessageCreate adds a message once per dedup key (a retried request adds
-- it once).
-- name: QuoteMessageCreate :one
INSERT INTO quote_messages (quote_id, author, author_name, body, dedup_key)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (dedup_key) DO UPDATE SET dedup_key = excluded.dedup_key
RETURNING *;

-- name: QuoteMessageListByQuote :many
SELECT * FROM quote_messages WHERE quote_id = $1 ORDER BY id;
