package chaos

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/testenv/books"
)

// Report is what a run did and found.
type Report struct {
	Options Options
	// SettleTime is how long, after the drive, every operation and process
	// took to finish; Settled says whether they all did within
	// Options.Settle.
	SettleTime time.Duration
	Settled    bool

	// Checkouts are the carts the storefront checked out (sent a checkout
	// for at least once), and what their checkouts answered in the end.
	// Answered409Order counts 409 cart_not_open naming the order: a try
	// placed it and died unanswered, a retry found the cart an order.
	Checkouts, Answered201, Answered202, Answered409Order, AnsweredRefusal, Unanswered int
	// Placed are the orders of those carts in Postgres; Refused the carts
	// whose checkout failed for a business reason and reopened them.
	Placed, Refused int
	// Quotes requested, accepted by the buyer, and ordered.
	Quotes, QuotesAccepted, QuotesOrdered int
	// Shipments sent (whole orders, by the demo warehouse's webhook) and
	// delivered to their orders, and recorded in Postgres.
	Shipments, ShipmentsDelivered, ShipmentsRecorded int
	// ERPOrders are the orders the sandbox ERP holds (their pushes go on
	// after the run; not an invariant).
	ERPOrders int

	// Lost, Doubled and Stuck describe each lost order or shipment, doubled
	// order or shipment, and cart or quote not finished after the settle.
	Lost, Doubled, Stuck []string
	// Books are the disagreements of the books (package books).
	Books []string

	// Requests counts every try; Answers5xx, Answers503 and ConnErrors the
	// failed ones; DuringOutage the 5xx answered while the Temporal dev
	// server was down.
	Requests, Answers5xx, Answers503, ConnErrors, DuringOutage int64
	// InProgress counts 409 request_in_progress: a retry while the first
	// try still ran, or had died with its server and not yet been given up.
	InProgress int64
	// Kills are the run's kill -9s by process kind (worker, api, temporal);
	// Exits the processes' exits on their own (an API or worker started
	// while Temporal was still down gives up, and is started again).
	Kills, Exits map[string]int
}

// Failures lists every broken invariant; none means the run passed.
func (r *Report) Failures() []string {
	var f []string
	if !r.Settled {
		f = append(f, fmt.Sprintf("not settled within %s", r.Options.Settle))
	}
	for _, l := range r.Lost {
		f = append(f, "lost: "+l)
	}
	for _, d := range r.Doubled {
		f = append(f, "doubled: "+d)
	}
	for _, s := range r.Stuck {
		f = append(f, "stuck: "+s)
	}
	for _, b := range r.Books {
		f = append(f, "books: "+b)
	}
	if r.Placed == 0 {
		f = append(f, "no order was placed: the run proves nothing")
	}
	return f
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	o := r.Options
	row := func(name string, value any, note string) {
		fmt.Fprintf(w, "  %-28s %10v  %s\n", name, value, note)
	}
	fmt.Fprintf(w, "\nchaos: %s of %d clients against 2 API servers and 2 workers (separate processes),\n"+
		"       a Temporal dev server persisted to SQLite, a kill -9 every ~%s\n\n", o.Duration, o.Clients, o.KillEvery)
	row("checkouts attempted", r.Checkouts, fmt.Sprintf("201 placed %d, 202 pending %d, 409 naming the order %d, other 4xx %d, no answer %d",
		r.Answered201, r.Answered202, r.Answered409Order, r.AnsweredRefusal, r.Unanswered))
	row("orders placed", r.Placed, fmt.Sprintf("in Postgres; checkouts refused %d", r.Refused))
	row("quotes", r.Quotes, fmt.Sprintf("accepted %d, ordered %d", r.QuotesAccepted, r.QuotesOrdered))
	row("shipments (webhooks)", r.Shipments, fmt.Sprintf("delivered %d, recorded %d", r.ShipmentsDelivered, r.ShipmentsRecorded))
	row("orders in the ERP", r.ERPOrders, "pushed by then (not an invariant)")
	row("lost", len(r.Lost), verdict(len(r.Lost) == 0))
	row("doubled", len(r.Doubled), verdict(len(r.Doubled) == 0))
	row("carts stuck", len(r.Stuck), verdict(len(r.Stuck) == 0))
	row("books disagreements", len(r.Books), verdict(len(r.Books) == 0)+" (stock, credit and spend held against the orders)")
	row("requests", r.Requests, "every try, retries included")
	row("5xx answered", r.Answers5xx, fmt.Sprintf("503 %d; %d while Temporal was down (killed, not yet answering)", r.Answers503, r.DuringOutage))
	row("connection errors", r.ConnErrors, "refused or cut: an API server killed")
	row("409 request_in_progress", r.InProgress, "a retry while its first try ran, or died with its server < 15 s ago (its lease)")
	row("kills (kill -9)", sum(r.Kills), perKind(r.Kills))
	row("exits on their own", sum(r.Exits), perKind(r.Exits)+" (an API or worker started while Temporal is down gives up; started again)")
	row("settled after the drive", r.SettleTime.Round(100*time.Millisecond), verdict(r.Settled))
	for _, f := range r.Failures() {
		fmt.Fprintf(w, "  FAIL %s\n", f)
	}
	fmt.Fprintln(w)
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func perKind(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// pending counts what has not finished yet: checkouts still running,
// checkouts answered 202 whose workflow has not begun (a cart still open with
// no failure: its first workflow task waits, e.g. on a killed worker's sticky
// queue or a restarted server's timeout), accepted quotes without their order,
// delivered shipments not recorded, webhook events whose hand-over is still
// pending.
const pendingQuery = `SELECT
	(SELECT count(*) FROM carts WHERE status = 'checking_out') +
	(SELECT count(*) FROM carts c WHERE c.id = ANY($3) AND c.status = 'open' AND c.failure_code = ''
	  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.cart_id = c.id)) +
	(SELECT count(*) FROM quotes WHERE id = ANY($1) AND status = 'accepted') +
	(SELECT count(*) FROM unnest($2::uuid[]) AS s(order_id)
	  WHERE NOT EXISTS (SELECT 1 FROM shipments WHERE shipments.order_id = s.order_id)) +
	(SELECT count(*) FROM webhook_events WHERE status = 'pending')`

// settle waits until nothing is pending, or the deadline passes; it looks
// at least once.
func (s *stack) settle(ctx context.Context, shop *storefront, deadline time.Time) bool {
	for {
		quotes, shipped, pending := shop.acceptedQuotes(), shop.deliveredShipments(), shop.pendingCheckouts()
		var n int
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.pool.QueryRow(qctx, pendingQuery, quotes, shipped, pending).Scan(&n)
		cancel()
		if err == nil && n == 0 {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(time.Second)
	}
}

// pendingCheckouts are the carts whose checkout answered 202.
func (shop *storefront) pendingCheckouts() []uuid.UUID {
	shop.mu.Lock()
	defer shop.mu.Unlock()
	var ids []uuid.UUID
	for id, c := range shop.checkouts {
		if c.answer == http.StatusAccepted {
			ids = append(ids, id)
		}
	}
	return ids
}

func (shop *storefront) acceptedQuotes() []uuid.UUID {
	shop.mu.Lock()
	defer shop.mu.Unlock()
	var ids []uuid.UUID
	for id, q := range shop.quotes {
		if q.accepted {
			ids = append(ids, id)
		}
	}
	return ids
}

func (shop *storefront) deliveredShipments() []uuid.UUID {
	shop.mu.Lock()
	defer shop.mu.Unlock()
	var ids []uuid.UUID
	for id, sh := range shop.shipments {
		if sh.status == "delivered" {
			ids = append(ids, id)
		}
	}
	return ids
}

// report checks what the storefront was told against Postgres.
func (s *stack) report(ctx context.Context, opts Options, shop *storefront, a *answers) (*Report, error) {
	shop.mu.Lock()
	defer shop.mu.Unlock()
	r := &Report{Options: opts, Requests: a.requests.Load(), Answers5xx: a.status5xx.Load(), Answers503: a.status503.Load(),
		ConnErrors: a.connErrors.Load(), DuringOutage: a.during.Load(), InProgress: a.inProgress.Load()}
	s.mu.Lock()
	r.Kills, r.Exits = maps.Clone(s.kills), maps.Clone(s.exits)
	s.mu.Unlock()

	// Checkouts: each cart's state and order.
	carts := slices.Collect(maps.Keys(shop.checkouts))
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.status, c.failure_code, o.id
		FROM carts c LEFT JOIN orders o ON o.cart_id = c.id WHERE c.id = ANY($1)`, carts)
	if err != nil {
		return nil, err
	}
	type cartState struct {
		status, failure string
		order           *uuid.UUID
	}
	states := map[uuid.UUID]cartState{}
	for rows.Next() {
		var id uuid.UUID
		var st cartState
		if err := rows.Scan(&id, &st.status, &st.failure, &st.order); err != nil {
			rows.Close()
			return nil, err
		}
		states[id] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range carts {
		rec, st := shop.checkouts[id], states[id]
		r.Checkouts++
		switch {
		case rec.answer == 0:
			r.Unanswered++
		case rec.answer == http.StatusCreated:
			r.Answered201++
		case rec.answer == http.StatusAccepted:
			r.Answered202++
		case rec.answer == http.StatusConflict && len(rec.orderIDs) > 0:
			r.Answered409Order++
		default:
			r.AnsweredRefusal++
		}
		if st.order != nil {
			r.Placed++
		}
		if st.status == "open" && st.failure != "" {
			r.Refused++
		}
		if len(rec.orderIDs) > 1 {
			r.Doubled = append(r.Doubled, fmt.Sprintf("cart %s: its checkout answered %d orders", id, len(rec.orderIDs)))
		}
		for orderID := range rec.orderIDs {
			if st.order == nil || *st.order != orderID {
				r.Lost = append(r.Lost, fmt.Sprintf("cart %s: its checkout answered order %s, which Postgres does not have", id, orderID))
			}
		}
		if rec.answer == http.StatusAccepted && st.order == nil && st.status != "checking_out" && st.failure == "" {
			r.Lost = append(r.Lost, fmt.Sprintf("cart %s: its checkout answered 202, then neither placed an order nor failed (cart %s)", id, st.status))
		}
	}

	// Doubles anywhere: two orders of one cart (the schema forbids it), an
	// order twice in the ERP.
	for _, q := range []struct{ what, query string }{
		{"orders of one cart", `SELECT cart_id::text, count(*) FROM orders GROUP BY cart_id HAVING count(*) > 1`},
		{"ERP orders of one order", `SELECT reference, count(*) FROM erp_sandbox.orders GROUP BY reference HAVING count(*) > 1`},
	} {
		rows, err := s.pool.Query(ctx, q.query)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			r.Doubled = append(r.Doubled, fmt.Sprintf("%s: %s has %d", q.what, id, n))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM erp_sandbox.orders`).Scan(&r.ERPOrders); err != nil {
		return nil, err
	}

	// Stuck: any cart still checking out.
	stuck, err := s.pool.Query(ctx, `SELECT id FROM carts WHERE status = 'checking_out' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for stuck.Next() {
		var id uuid.UUID
		if err := stuck.Scan(&id); err != nil {
			stuck.Close()
			return nil, err
		}
		r.Stuck = append(r.Stuck, fmt.Sprintf("cart %s is still checking out", id))
	}
	stuck.Close()
	if err := stuck.Err(); err != nil {
		return nil, err
	}

	// Quotes: an accepted one must have become its order.
	r.Quotes = len(shop.quotes)
	for id, q := range shop.quotes {
		if !q.accepted {
			continue
		}
		r.QuotesAccepted++
		var status string
		var orders int
		if err := s.pool.QueryRow(ctx, `SELECT q.status,
			(SELECT count(*) FROM orders o JOIN carts c ON c.id = o.cart_id WHERE c.quote_id = q.id)
			FROM quotes q WHERE q.id = $1`, id).Scan(&status, &orders); err != nil {
			return nil, fmt.Errorf("quote %s: %w", id, err)
		}
		switch {
		case status == "ordered" && orders == 1:
			r.QuotesOrdered++
		case orders > 1:
			r.Doubled = append(r.Doubled, fmt.Sprintf("quote %s has %d orders", id, orders))
		case status == "accepted":
			r.Stuck = append(r.Stuck, fmt.Sprintf("quote %s accepted, its order not placed", id))
		default:
			r.Lost = append(r.Lost, fmt.Sprintf("quote %s accepted, then %s with %d orders", id, status, orders))
		}
	}

	// Shipments: a delivered one is recorded once, shipping every unit.
	r.Shipments = len(shop.shipments)
	for orderID, sh := range shop.shipments {
		if sh.status != "delivered" {
			continue
		}
		r.ShipmentsDelivered++
		var shipments int
		var open int64
		if err := s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM shipments WHERE order_id = $1),
			(SELECT COALESCE(sum(quantity - shipped - cancelled), 0) FROM order_lines WHERE order_id = $1)`, orderID).
			Scan(&shipments, &open); err != nil {
			return nil, err
		}
		switch {
		case shipments == 1 && open == 0:
			r.ShipmentsRecorded++
		case shipments > 1:
			r.Doubled = append(r.Doubled, fmt.Sprintf("order %s: one shipment delivered, %d recorded", orderID, shipments))
		default:
			r.Lost = append(r.Lost, fmt.Sprintf("order %s: its shipment was delivered, %d recorded, %d units left to ship", orderID, shipments, open))
		}
	}

	r.Books, err = books.Check(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	slices.Sort(r.Lost)
	slices.Sort(r.Doubled)
	return r, nil
}
