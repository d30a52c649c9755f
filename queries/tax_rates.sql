-- name: TaxRateGet :one
SELECT * FROM tax_rates WHERE country = $1;

-- name: TaxRatePut :one
INSERT INTO tax_rates (country, rate_bp) VALUES (@country, @rate_bp)
ON CONFLICT (country) DO UPDATE SET rate_bp = excluded.rate_bp
RETURNING *;
