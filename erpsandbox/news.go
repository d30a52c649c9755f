package erpsandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/erpapi"
)

// The ERP's news of its orders: what the admin routes do to an order
// (invoice, ship, pay) and its creation (acknowledged) each write an event to
// the webhook outbox in the same transaction, for the dispatcher to post to
// Orderflow.

// enqueue writes an event to the webhook outbox; an event ID written before
// is left as it was.
func enqueue(ctx context.Context, tx pgx.Tx, id, typ string, data any) error {
	body, err := json.Marshal(erpapi.WebhookEvent{ID: id, Type: typ, Created: time.Now().Unix(), Data: data})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO erp_sandbox.webhook_outbox (event_id, type, body) VALUES ($1, $2, $3)
		ON CONFLICT (event_id) DO NOTHING`, id, typ, body)
	return err
}

// ShipRequest ships goods of an order (POST /admin/orders/{number}/ship):
// Lines default to the whole order, Carrier to "ERP Freight", TrackingNumber
// to one made from the shipment's reference.
type ShipRequest struct {
	Lines          []erpapi.ShippedLine `json:"lines"`
	Carrier        string               `json:"carrier"`
	TrackingNumber string               `json:"tracking_number"`
}

// AmountRequest invoices or pays an order (POST /admin/orders/{number}/invoice,
// …/pay): AmountMinor defaults to the order's total.
type AmountRequest struct {
	AmountMinor *int64 `json:"amount_minor"`
}

// News is what an admin route did to an order: the order as it now is, and
// the event queued for Orderflow.
type News struct {
	Order   erpapi.Order `json:"order"`
	EventID string       `json:"event_id"`
}

// ShipOrder records a shipment of the order, moves it to shipped and queues
// erp.order.shipped. Its shipment reference is <number>-S<n>.
func (s *Store) ShipOrder(ctx context.Context, number string, req ShipRequest) (News, error) {
	return s.change(ctx, number, erpapi.OrderStatusShipped, "shipments", func(o erpapi.Order, n int) (string, string, any) {
		ref := fmt.Sprintf("%s-S%d", o.Number, n)
		d := erpapi.OrderShippedData{OrderID: o.Reference, ShipmentRef: ref, Lines: req.Lines, Carrier: req.Carrier,
			TrackingNumber: req.TrackingNumber, ShippedAt: o.UpdatedAt}
		if len(d.Lines) == 0 {
			for _, l := range o.Lines {
				d.Lines = append(d.Lines, erpapi.ShippedLine{SKU: l.SKU, Quantity: l.Quantity})
			}
		}
		if d.Carrier == "" {
			d.Carrier = "ERP Freight"
		}
		if d.TrackingNumber == "" {
			d.TrackingNumber = "TRK-" + ref
		}
		return ref, erpapi.EventOrderShipped, d
	})
}

// InvoiceOrder invoices the order, moves it to invoiced and queues
// erp.order.invoiced. Its invoice number is INV-<number>-<n>.
func (s *Store) InvoiceOrder(ctx context.Context, number string, req AmountRequest) (News, error) {
	return s.change(ctx, number, erpapi.OrderStatusInvoiced, "invoices", func(o erpapi.Order, n int) (string, string, any) {
		ref := fmt.Sprintf("INV-%s-%d", o.Number, n)
		return ref, erpapi.EventOrderInvoiced, erpapi.OrderInvoicedData{OrderID: o.Reference, InvoiceNumber: ref,
			AmountMinor: amountOr(req, o), Currency: o.Currency, InvoicedAt: o.UpdatedAt}
	})
}

// PayOrder records a payment of the order, moves it to paid and queues
// erp.order.paid. Its payment reference is PAY-<number>-<n>.
func (s *Store) PayOrder(ctx context.Context, number string, req AmountRequest) (News, error) {
	return s.change(ctx, number, erpapi.OrderStatusPaid, "payments", func(o erpapi.Order, n int) (string, string, any) {
		ref := fmt.Sprintf("PAY-%s-%d", o.Number, n)
		return ref, erpapi.EventOrderPaid, erpapi.OrderPaidData{OrderID: o.Reference, PaymentRef: ref,
			AmountMinor: amountOr(req, o), Currency: o.Currency, PaidAt: o.UpdatedAt}
	})
}

func amountOr(req AmountRequest, o erpapi.Order) int64 {
	if req.AmountMinor != nil {
		return *req.AmountMinor
	}
	return o.TotalMinor
}

// change counts one more of the order's shipments, invoices or payments
// (column), moves its status forward to status (never back: a late shipment
// leaves a paid order paid) and queues the event news makes of it, all in one
// transaction.
func (s *Store) change(ctx context.Context, number, status, column string,
	news func(o erpapi.Order, n int) (ref, typ string, data any)) (News, error) {
	var out News
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		row := tx.QueryRow(ctx, `
			UPDATE erp_sandbox.orders SET `+column+` = `+column+` + 1, updated_at = now(),
			    status = CASE WHEN status = 'cancelled' THEN status
			                  WHEN array_position(ARRAY['open', 'invoiced', 'shipped', 'paid'], $2::text)
			                     > array_position(ARRAY['open', 'invoiced', 'shipped', 'paid'], status) THEN $2::text
			                  ELSE status END
			WHERE number = $1
			RETURNING `+orderColumns+`, `+column, number, status)
		var o erpapi.Order
		var lines []byte
		if err := row.Scan(&o.Number, &o.Reference, &o.Customer, &o.Status, &o.Currency, &o.TotalMinor,
			&o.PlacedAt, &o.CreatedAt, &o.UpdatedAt, &lines, &n); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := json.Unmarshal(lines, &o.Lines); err != nil {
			return fmt.Errorf("order %s lines: %w", o.Number, err)
		}
		o.PlacedAt, o.CreatedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
		ref, typ, data := news(o, n)
		out = News{Order: o, EventID: ref + "." + typ}
		return enqueue(ctx, tx, out.EventID, typ, data)
	})
	return out, err
}

// OutboxEvent is an event of the webhook outbox, as GET /admin/webhooks
// lists it.
type OutboxEvent struct {
	Seq         int64      `json:"seq"`
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	Body        []byte     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	Attempts    int        `json:"attempts"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

const outboxColumns = `seq, event_id, type, body, created_at, attempts, delivered_at, last_error`

func scanOutbox(rows pgx.Rows) ([]OutboxEvent, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (OutboxEvent, error) {
		var e OutboxEvent
		err := row.Scan(&e.Seq, &e.EventID, &e.Type, &e.Body, &e.CreatedAt, &e.Attempts, &e.DeliveredAt, &e.LastError)
		return e, err
	})
}

// Outbox answers every event of the webhook outbox, oldest first.
func (s *Store) Outbox(ctx context.Context) ([]OutboxEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+outboxColumns+` FROM erp_sandbox.webhook_outbox ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return scanOutbox(rows)
}

// claimLease is how long a claimed event is left to its dispatcher before
// another may take it: longer than one delivery's timeout.
const claimLease = time.Minute

// ClaimDue takes up to limit events due for delivery, oldest first, leasing
// them to the caller. With a hold window, nothing is taken until the oldest
// due event is that old; then every due event is taken at once, so that the
// dispatcher can send them out of order.
func (s *Store) ClaimDue(ctx context.Context, hold time.Duration, limit int) ([]OutboxEvent, error) {
	rows, err := s.pool.Query(ctx, `
		UPDATE erp_sandbox.webhook_outbox SET next_attempt_at = now() + make_interval(secs => $3)
		WHERE seq IN (
		    SELECT seq FROM erp_sandbox.webhook_outbox
		    WHERE delivered_at IS NULL AND next_attempt_at <= now()
		      AND (SELECT min(created_at) FROM erp_sandbox.webhook_outbox
		           WHERE delivered_at IS NULL AND next_attempt_at <= now()) <= now() - make_interval(secs => $1)
		    ORDER BY seq LIMIT $2
		    FOR UPDATE SKIP LOCKED)
		RETURNING `+outboxColumns,
		hold.Seconds(), limit, claimLease.Seconds())
	if err != nil {
		return nil, err
	}
	events, err := scanOutbox(rows)
	if err != nil {
		return nil, err
	}
	// RETURNING keeps no order.
	slices.SortFunc(events, func(a, b OutboxEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	return events, nil
}

// MarkDelivered records that Orderflow answered the event 2xx.
func (s *Store) MarkDelivered(ctx context.Context, seq int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE erp_sandbox.webhook_outbox SET delivered_at = now(), attempts = attempts + 1,
		last_error = '' WHERE seq = $1`, seq)
	return err
}

// MarkFailed records a failed delivery and when to try again.
func (s *Store) MarkFailed(ctx context.Context, seq int64, reason string, retryIn time.Duration) error {
	_, err := s.pool.Exec(ctx, `UPDATE erp_sandbox.webhook_outbox SET attempts = attempts + 1, last_error = $2,
		next_attempt_at = now() + make_interval(secs => $3) WHERE seq = $1`, seq, reason, retryIn.Seconds())
	return err
}
