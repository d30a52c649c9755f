-- CartCreate opens a cart with the company's default ship-to and bill-to from
-- its address book (when it has them), copied in, so tax and shipping are
-- right before the buyer types an address. built_by_staff_id (NULL: the buyer
-- opens it) makes it a cart built on the buyer's behalf by that member of the
-- sales staff, theirs to change until they send it: it starts from the same
-- defaults.
-- name: CartCreate :one
INSERT INTO carts (id, company_id, customer_id, currency, built_by_staff_id,
                   ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, ship_to_address_id,
                   bill_to, bill_to_address_id)
SELECT @id, @company_id, @customer_id, @currency, sqlc.narg(built_by_staff_id)::uuid,
       COALESCE(s.name, ''), COALESCE(s.line1, ''), COALESCE(s.line2, ''), COALESCE(s.city, ''),
       COALESCE(s.postal_code, ''), COALESCE(s.country, ''), s.id,
       CASE WHEN b.id IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('name', b.name, 'line1', b.line1, 'line2', b.line2, 'city', b.city,
                                    'postal_code', b.postal_code, 'country', b.country) END,
       b.id
FROM (SELECT 1) one
LEFT JOIN company_addresses s ON s.company_id = @company_id AND s.default_ship_to
LEFT JOIN company_addresses b ON b.company_id = @company_id AND b.default_bill_to
RETURNING *;

-- name: CartGet :one
SELECT * FROM carts WHERE id = $1;

-- CartGetInCompany scopes every API read to the caller's company (another
-- company's cart is simply not found), except for callers who see all companies
-- (ops).
-- name: CartGetInCompany :one
SELECT * FROM carts WHERE id = @id AND (company_id = @company_id OR @all_companies::boolean);

-- CartGetWithLineCountInCompany is what checkout needs to refuse a cart before
-- starting a workflow, in one round trip.
-- name: CartGetWithLineCountInCompany :one
SELECT sqlc.embed(carts), (SELECT count(*) FROM cart_lines l WHERE l.cart_id = carts.id) AS line_count
FROM carts WHERE carts.id = $1 AND carts.company_id = $2;

-- CartExistsByCompany tells whether anything was ever bought in the company's
-- currency, after which the currency is fixed.
-- name: CartExistsByCompany :one
SELECT EXISTS (SELECT 1 FROM carts WHERE company_id = $1);

-- name: CartLock :one
SELECT * FROM carts WHERE id = $1 FOR NO KEY UPDATE;

-- CartLockTouchInCompany locks the cart for a change of its lines or details,
-- so line changes and the start of checkout are serialised (no line can change
-- once checkout has read the lines), and marks the change in the same
-- statement: the last checkout's failure no longer applies. An UPDATE takes the
-- same row lock as SELECT … FOR NO KEY UPDATE; a change the API refuses rolls
-- the mark back with it.
-- name: CartLockTouchInCompany :one
UPDATE carts SET updated_at = now(), failure_code = '', failure_reason = '', failure_details = NULL
WHERE id = $1 AND company_id = $2
RETURNING *;

-- name: CartUpdateDetails :one
UPDATE carts SET ship_name = @ship_name, ship_line1 = @ship_line1, ship_line2 = @ship_line2,
                 ship_city = @ship_city, ship_postal_code = @ship_postal_code, ship_country = @ship_country,
                 shipping_method = @shipping_method, po_number = @po_number, buyer_reference = @buyer_reference,
                 ship_to_address_id = sqlc.narg(ship_to_address_id)::uuid,
                 bill_to = COALESCE(sqlc.narg(bill_to)::jsonb, bill_to), bill_to_address_id = sqlc.narg(bill_to_address_id)::uuid
WHERE id = @id
RETURNING *;

-- name: CartUpdateCheckoutStatus :exec
UPDATE carts SET checkout_status = $2, updated_at = now() WHERE id = $1;

-- CartStartCheckoutRecorded freezes the cart for a new checkout attempt,
-- returns the attempt's number, and records the attempt's event on the
-- timeline (as TimelineEventCreate does) in the same round trip. The
-- caller holds the cart's lock, so it knows the attempt's number, and with it
-- the event's dedup key, before the statement runs; it checks the number the
-- statement answers.
-- name: CartStartCheckoutRecorded :one
WITH started AS (
  UPDATE carts SET status = 'checking_out', failure_code = '', failure_reason = '', failure_details = NULL,
                   checkout_attempt = carts.checkout_attempt + 1, updated_at = now()
  WHERE carts.id = @id
  RETURNING carts.id, carts.checkout_attempt
), recorded AS (
  INSERT INTO timeline_events (cart_id, kind, actor, detail, dedup_key)
  SELECT started.id, @kind, @actor, @detail, @dedup_key FROM started
  ON CONFLICT (dedup_key) DO NOTHING
)
SELECT started.checkout_attempt FROM started;

-- CartRefuseCheckout records why a checkout was refused before it froze the cart;
-- the attempt is counted so the refusal has a place on the timeline.
-- name: CartRefuseCheckout :execrows
UPDATE carts SET failure_code = @failure_code, failure_reason = @failure_reason, failure_details = NULL,
                 checkout_attempt = checkout_attempt + 1, updated_at = now()
WHERE id = @id AND status = 'open';

-- CartCompleteRecorded marks the cart as the order it became and records the
-- order's event on the timeline (as TimelineEventCreate does), in one round
-- trip.
-- name: CartCompleteRecorded :exec
WITH completed AS (
  UPDATE carts SET status = 'completed', order_id = @order_id, updated_at = now()
  WHERE carts.id = @id
  RETURNING carts.id, carts.order_id
)
INSERT INTO timeline_events (cart_id, order_id, kind, actor, detail, dedup_key)
SELECT completed.id, completed.order_id, @kind, @actor, @detail, @dedup_key FROM completed
ON CONFLICT (dedup_key) DO NOTHING;

-- CartReopen reopens a cart whose checkout failed, with the buyer's reason
-- and, for the company's approvers and admins, its figures (failure_details).
-- name: CartReopen :execrows
UPDATE carts SET status = 'open', failure_code = @failure_code, failure_reason = @failure_reason,
                 failure_details = sqlc.narg(failure_details)::jsonb, updated_at = now()
WHERE id = @id AND status = 'checking_out'
  AND (checkout_attempt = @checkout_attempt OR @checkout_attempt = 0);

-- CartLineAdd adds to the SKU's line, creating it if needed (inserted tells which).
-- name: CartLineAdd :one
INSERT INTO cart_lines (cart_id, sku, quantity) VALUES ($1, $2, $3)
ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = cart_lines.quantity + excluded.quantity
RETURNING quantity, (xmax = 0)::boolean AS inserted;

-- CartLineAddCounted is CartLineAdd answering also how many lines the cart has
-- afterwards, in the same round trip. The count's sub-select sees the cart as
-- it was before the statement (the statement's own snapshot), so a new line
-- adds one; the caller holds the cart's lock, so nothing else changes it.
-- name: CartLineAddCounted :one
INSERT INTO cart_lines (cart_id, sku, quantity) VALUES (@cart_id, @sku, @quantity)
ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = cart_lines.quantity + excluded.quantity
RETURNING quantity, (xmax = 0)::boolean AS inserted,
  ((SELECT count(*) FROM cart_lines c WHERE c.cart_id = @cart_id) + (xmax = 0)::int)::bigint AS line_count;

-- name: CartLineListByCart :many
SELECT * FROM cart_lines WHERE cart_id = $1 ORDER BY added_at, sku;

-- name: CartLineUpdate :execrows
UPDATE cart_lines SET quantity = $3 WHERE cart_id = $1 AND sku = $2;

-- name: CartLineDelete :execrows
DELETE FROM cart_lines WHERE cart_id = $1 AND sku = $2;

-- CartQuote freezes an open cart of the buyer for a quote requested from it.
-- name: CartQuote :execrows
UPDATE carts SET status = 'quoted', quote_id = @quote_id, updated_at = now()
WHERE id = @id AND customer_id = @customer_id AND status = 'open';

-- CartReopenFromQuote gives the buyer their cart back when its quote ends
-- without an order.
-- name: CartReopenFromQuote :execrows
UPDATE carts SET status = 'open', quote_id = NULL, updated_at = now()
WHERE id = @id AND quote_id = @quote_id AND status = 'quoted';

-- CartCreateForQuote creates, once, the cart an accepted quote checks out,
-- sold at the revision's prices, with the ship-to and references of the cart the
-- quote was requested from (when there was one), and its bill-to.
-- name: CartCreateForQuote :execrows
INSERT INTO carts (id, company_id, customer_id, currency, quote_id, quote_revision,
                   ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country,
                   shipping_method, po_number, buyer_reference, bill_to)
SELECT @id, @company_id, @customer_id, @currency, @quote_id, @quote_revision,
       COALESCE(s.ship_name, ''), COALESCE(s.ship_line1, ''), COALESCE(s.ship_line2, ''), COALESCE(s.ship_city, ''),
       COALESCE(s.ship_postal_code, ''), COALESCE(s.ship_country, ''), '', COALESCE(s.po_number, ''),
       COALESCE(s.buyer_reference, ''), COALESCE(s.bill_to, '{}'::jsonb)
FROM (SELECT 1) one LEFT JOIN carts s ON s.id = sqlc.narg(source_cart_id)::uuid
ON CONFLICT (id) DO NOTHING;

-- CartLineCreateMany writes all of a cart's lines in one statement; the arrays
-- are parallel. Lines that exist are left as they are.
-- name: CartLineCreateMany :exec
INSERT INTO cart_lines (cart_id, sku, quantity)
SELECT @cart_id::uuid, unnest(@skus::text[]), unnest(@quantities::integer[])
ON CONFLICT DO NOTHING;

-- Orders on behalf (migration 0022): carts a sales rep builds for a buyer.
-- A rep works on those of the companies they are the account rep of; a
-- sales manager on every company's (any_company).

-- CartGetOnBehalfForStaff reads a cart built on behalf of a buyer, if the
-- caller works on its company (else not found), with whether the company
-- lets its sales staff check out in a buyer's name.
-- name: CartGetOnBehalfForStaff :one
SELECT sqlc.embed(carts), companies.on_behalf_checkout,
       (SELECT count(*) FROM cart_lines l WHERE l.cart_id = carts.id) AS line_count
FROM carts JOIN companies ON companies.id = carts.company_id
WHERE carts.id = @id AND carts.built_by_staff_id IS NOT NULL
  AND (companies.sales_rep_id = @staff_id::uuid OR @any_company::boolean);

-- CartLockTouchOnBehalf is CartLockTouchInCompany for the sales staff: it
-- locks and marks changed a cart built on behalf of a buyer, of a company
-- the caller works on (else not found).
-- name: CartLockTouchOnBehalf :one
UPDATE carts SET updated_at = now(), failure_code = '', failure_reason = '', failure_details = NULL
WHERE carts.id = @id AND carts.built_by_staff_id IS NOT NULL
  AND (@any_company::boolean OR carts.company_id IN (SELECT c.id FROM companies c WHERE c.sales_rep_id = @staff_id::uuid))
RETURNING *;

-- CartSendToBuyer hands a cart built on behalf of a buyer over to them: from
-- now on it is theirs to change and check out, and a checkout is theirs
-- (checkout_by_staff_id cleared). The caller holds the cart's lock.
-- name: CartSendToBuyer :one
UPDATE carts SET sent_at = now(), checkout_by_staff_id = NULL, updated_at = now()
WHERE id = @id AND sent_at IS NULL AND status = 'open'
RETURNING *;

-- CartUpdateCheckoutByStaff names the member of staff who starts the cart's
-- checkout in the buyer's name. The caller holds the cart's lock.
-- name: CartUpdateCheckoutByStaff :exec
UPDATE carts SET checkout_by_staff_id = @staff_id WHERE id = @id;

-- CartListOnBehalfForStaff pages through the carts built on behalf of
-- buyers of the companies the caller works on, oldest first; company_id
-- narrows to one company.
-- name: CartListOnBehalfForStaff :many
SELECT carts.id, carts.company_id, companies.name AS company_name, carts.customer_id, customers.name AS customer_name,
       carts.built_by_staff_id, carts.currency, carts.status, carts.sent_at, carts.order_id, carts.created_at, carts.updated_at
FROM carts
JOIN companies ON companies.id = carts.company_id
JOIN customers ON customers.id = carts.customer_id
WHERE carts.built_by_staff_id IS NOT NULL
  AND (companies.sales_rep_id = @staff_id::uuid OR @any_company::boolean)
  AND (sqlc.narg(company_id)::uuid IS NULL OR carts.company_id = sqlc.narg(company_id)::uuid)
  AND (carts.created_at, carts.id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY carts.created_at, carts.id
LIMIT @row_limit;

-- CartGetOnBehalfPeople names the people of a cart built on behalf of a
-- buyer: who built it, the buyer, and who started its checkout (if staff).
-- name: CartGetOnBehalfPeople :one
SELECT b.name AS built_by_name, b.role AS built_by_role, cu.name AS customer_name,
       COALESCE(cs.name, '')::text AS checkout_by_name, COALESCE(cs.role, '')::text AS checkout_by_role
FROM carts ca
JOIN staff b ON b.id = ca.built_by_staff_id
JOIN customers cu ON cu.id = ca.customer_id
LEFT JOIN staff cs ON cs.id = ca.checkout_by_staff_id
WHERE ca.id = $1;

-- CartDrawingRule is what choosing stock locations needs of a cart, in one
-- read: its ship-to and its company's preferred location's code ('' for
-- none).
-- name: CartDrawingRule :one
SELECT c.ship_country, c.ship_postal_code, COALESCE(l.code, '')::text AS preferred_code
FROM carts c
JOIN companies co ON co.id = c.company_id
LEFT JOIN stock_locations l ON l.id = co.preferred_location_id
WHERE c.id = @id;
