// Package books checks Orderflow's books in Postgres: that the stock, credit
// and spend held agree with the orders and the carts they belong to. Tests
// read them here rather than through the API under test; the chaos run
// (package chaos) checks a whole database with Check after it has settled.
package books

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
)

// ReservedForCart is how many units the cart's checkouts hold, over all
// attempts.
func ReservedForCart(ctx context.Context, q *db.Queries, cartID uuid.UUID) (int64, error) {
	rows, err := q.StockReservationListByCart(ctx, cartID)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range rows {
		n += r.Quantity
	}
	return n, nil
}

// AuthorizedHolds are the cart's credit holds still authorized.
func AuthorizedHolds(ctx context.Context, q *db.Queries, cartID uuid.UUID) ([]db.CreditHold, error) {
	holds, err := q.CreditHoldListByCart(ctx, cartID)
	if err != nil {
		return nil, err
	}
	var out []db.CreditHold
	for _, h := range holds {
		if h.Status == "authorized" {
			out = append(out, h)
		}
	}
	return out, nil
}

// Check reads the whole database and describes every place where the books
// disagree, one line each (none: they agree). A cart whose checkout still
// runs (checking_out) holds what its checkout took so far and is left out;
// everything else must hold exactly what its order, if any, still needs:
//
//   - each SKU's reserved stock at each location is the sum of its
//     reservations there;
//   - a cart's reservations are its order's units neither shipped nor
//     cancelled (none without an order);
//   - a cart's authorized credit holds are at most one, of its order's total
//     less what was invoiced or cancelled (none without an order);
//   - a cart's committed spend is its order's total, and nothing of it is
//     left merely reserved;
//   - a cart is completed exactly when it has an order, the one it names.
func Check(ctx context.Context, dbtx db.DBTX) ([]string, error) {
	var problems []string
	for _, c := range checks {
		rows, err := dbtx.Query(ctx, c.query)
		if err != nil {
			return nil, fmt.Errorf("books: %s: %w", c.name, err)
		}
		for rows.Next() {
			var what string
			if err := rows.Scan(&what); err != nil {
				rows.Close()
				return nil, fmt.Errorf("books: %s: %w", c.name, err)
			}
			problems = append(problems, c.name+": "+what)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("books: %s: %w", c.name, err)
		}
	}
	return problems, nil
}

// checks are Check's queries: each returns one line per disagreement.
var checks = []struct{ name, query string }{
	{"stock reserved", `
		SELECT format('%s at %s reserved %s, its reservations %s', s.sku, l.code, s.reserved, COALESCE(r.units, 0))
		FROM stock s
		JOIN stock_locations l ON l.id = s.location_id
		LEFT JOIN (SELECT sku, location_id, sum(quantity) AS units FROM stock_reservations GROUP BY sku, location_id) r
		     USING (sku, location_id)
		WHERE s.reserved <> COALESCE(r.units, 0)
		ORDER BY s.sku, l.code`},
	{"cart reservations", `
		WITH held AS (SELECT cart_id, sku, sum(quantity) AS units FROM stock_reservations GROUP BY cart_id, sku),
		     open AS (SELECT o.cart_id, l.sku, sum(l.quantity - l.shipped - l.cancelled) AS units
		              FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.cart_id, l.sku)
		SELECT format('cart %s holds %s of %s, its order needs %s', c.id, COALESCE(held.units, 0),
		              COALESCE(held.sku, open.sku), COALESCE(open.units, 0))
		FROM held FULL JOIN open ON open.cart_id = held.cart_id AND open.sku = held.sku
		JOIN carts c ON c.id = COALESCE(held.cart_id, open.cart_id)
		WHERE c.status <> 'checking_out' AND COALESCE(held.units, 0) <> COALESCE(open.units, 0)
		ORDER BY c.id`},
	{"credit held", `
		WITH h AS (SELECT cart_id, count(*) AS n, sum(amount) AS amount
		           FROM credit_holds WHERE status = 'authorized' GROUP BY cart_id)
		SELECT format('cart %s has %s authorized holds of %s, its order leaves %s to hold', c.id,
		              COALESCE(h.n, 0), COALESCE(h.amount, 0),
		              COALESCE(o.total - o.invoiced_amount - o.cancelled_amount, 0))
		FROM carts c
		LEFT JOIN h ON h.cart_id = c.id
		LEFT JOIN orders o ON o.cart_id = c.id
		WHERE c.status <> 'checking_out'
		  AND (COALESCE(h.n, 0) > 1
		       OR COALESCE(h.amount, 0) <> COALESCE(o.total - o.invoiced_amount - o.cancelled_amount, 0))
		ORDER BY c.id`},
	{"spend", `
		WITH s AS (SELECT cart_id,
		                  COALESCE(sum(amount) FILTER (WHERE status = 'committed'), 0) AS committed,
		                  count(*) FILTER (WHERE status = 'reserved') AS reserved
		           FROM spend_reservations GROUP BY cart_id)
		SELECT format('cart %s has spend committed %s and %s reservations left open, its order is %s', c.id,
		              COALESCE(s.committed, 0), COALESCE(s.reserved, 0), COALESCE(o.total, 0))
		FROM carts c
		LEFT JOIN s ON s.cart_id = c.id
		LEFT JOIN orders o ON o.cart_id = c.id
		WHERE c.status <> 'checking_out'
		  AND (COALESCE(s.committed, 0) <> COALESCE(o.total, 0) OR COALESCE(s.reserved, 0) > 0)
		ORDER BY c.id`},
	{"cart and order", `
		SELECT format('cart %s is %s naming order %s, its order is %s', c.id, c.status,
		              COALESCE(c.order_id::text, 'none'), COALESCE(o.id::text, 'none'))
		FROM carts c
		LEFT JOIN orders o ON o.cart_id = c.id
		WHERE (c.status = 'completed') <> (o.id IS NOT NULL)
		   OR (o.id IS NOT NULL AND c.order_id IS DISTINCT FROM o.id)
		ORDER BY c.id`},
}
