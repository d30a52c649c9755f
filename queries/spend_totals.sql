-- SpendTotalSumWindows is what the whole company (by_customer false) or the
-- employee customer_id (true) has reserved or committed in the UTC calendar
-- months in [window_start, window_end), for each window given, in one round
-- trip, in the order given (ord from 1). Read from the running totals: one row
-- per month, whatever the history (the unique key's index, company and
-- employee or NULL first).
-- name: SpendTotalSumWindows :many
SELECT w.ord::integer AS ord,
       COALESCE(CASE WHEN (@by_customer::boolean[])[w.ord] THEN
                  (SELECT SUM(t.amount) FROM spend_totals t
                   WHERE t.company_id = @company_id AND t.customer_id = @customer_id
                     AND t.month >= (@window_starts::timestamptz[])[w.ord] AND t.month < (@window_ends::timestamptz[])[w.ord])
                ELSE
                  (SELECT SUM(t.amount) FROM spend_totals t
                   WHERE t.company_id = @company_id AND t.customer_id IS NULL
                     AND t.month >= (@window_starts::timestamptz[])[w.ord] AND t.month < (@window_ends::timestamptz[])[w.ord])
                END, 0)::bigint AS spent
FROM ROWS FROM (generate_subscripts(@window_starts::timestamptz[], 1)) AS w(ord)
ORDER BY w.ord;

-- SpendTotalListDrift lists the running spend totals that differ from the
-- sum of the reservations (reserved or committed) they stand for, by company,
-- month and employee (customer_id NULL: the whole company). Empty when every
-- writer kept them: the tests' and ops' check. One statement, so it reads one
-- snapshot and holds while checkouts run.
-- name: SpendTotalListDrift :many
WITH recounted AS (
    SELECT s.company_id, NULL::uuid AS customer_id, date_trunc('month', s.reserved_at, 'UTC') AS month, SUM(s.amount)::bigint AS amount
    FROM spend_reservations s WHERE s.status <> 'released'
    GROUP BY s.company_id, date_trunc('month', s.reserved_at, 'UTC')
    UNION ALL
    SELECT s.company_id, s.customer_id, date_trunc('month', s.reserved_at, 'UTC'), SUM(s.amount)::bigint
    FROM spend_reservations s WHERE s.status <> 'released'
    GROUP BY s.company_id, s.customer_id, date_trunc('month', s.reserved_at, 'UTC')
)
SELECT COALESCE(k.company_id, r.company_id)::uuid AS company_id, COALESCE(k.customer_id, r.customer_id) AS customer_id,
       COALESCE(k.month, r.month)::timestamptz AS month,
       COALESCE(k.amount, 0)::bigint AS kept, COALESCE(r.amount, 0)::bigint AS recounted
FROM spend_totals k
FULL JOIN recounted r ON k.company_id = r.company_id AND k.customer_id IS NOT DISTINCT FROM r.customer_id AND k.month = r.month
WHERE COALESCE(k.amount, 0) <> COALESCE(r.amount, 0)
ORDER BY 1, 3, 2 NULLS FIRST;

-- SpendTotalDeleteByCompany drops the company's running spend totals, before
-- SpendTotalRecountByCompany writes them afresh.
-- name: SpendTotalDeleteByCompany :exec
DELETE FROM spend_totals WHERE company_id = $1;

-- SpendTotalRecountByCompany writes the company's running spend totals from
-- its reservations, as migration 0014 did: with SpendTotalDeleteByCompany, the
-- repair for totals that drifted. Run both holding CompanyLock, which every
-- writer of the company's reservations holds too.
-- name: SpendTotalRecountByCompany :exec
INSERT INTO spend_totals (company_id, customer_id, month, amount)
SELECT s.company_id, NULL, date_trunc('month', s.reserved_at, 'UTC'), SUM(s.amount)
FROM spend_reservations s WHERE s.company_id = @company_id AND s.status <> 'released'
GROUP BY s.company_id, date_trunc('month', s.reserved_at, 'UTC')
UNION ALL
SELECT s.company_id, s.customer_id, date_trunc('month', s.reserved_at, 'UTC'), SUM(s.amount)
FROM spend_reservations s WHERE s.company_id = @company_id AND s.status <> 'released'
GROUP BY s.company_id, s.customer_id, date_trunc('month', s.reserved_at, 'UTC');
