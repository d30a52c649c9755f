-- name: CreditNoteCreate :execrows
INSERT INTO credit_notes (number, order_id, return_id, company_id, amount, currency, issued_at)
VALUES (@number, @order_id, @return_id, @company_id, @amount, @currency, @issued_at)
ON CONFLICT (number) DO NOTHING;

-- name: CreditNoteListByOrder :many
SELECT * FROM credit_notes WHERE order_id = $1 ORDER BY issued_at, number;
