// Package fulfilment records an order's life after checkout: shipments (the
// stock leaves, an invoice is issued), deliveries, cancellations (the stock
// is released), late orders. The order workflow decides with the rules in
// commerce and passes the order's resulting quantities, statuses and money;
// these activities write them, each once per step of the workflow.
package fulfilment

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/notify"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the fulfilment activities.
type Activities struct {
	DB *pgxpool.Pool
}

// OpenOrderInput names the order whose life begins.
type OpenOrderInput struct {
	OrderID uuid.UUID `json:"order_id"`
}

// Order is an order as its workflow needs it.
type Order struct {
	OrderID    uuid.UUID `json:"order_id"`
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	// PaymentKey is the authorization the order is paid from.
	PaymentKey string               `json:"payment_key"`
	Attempt    int                  `json:"attempt"`
	Currency   string               `json:"currency"`
	Lines      []commerce.OrderLine `json:"lines"`
	Totals     commerce.Totals      `json:"totals"`
	PlacedAt   time.Time            `json:"placed_at"`
	ShipBy     time.Time            `json:"ship_by"`
	DeliverBy  time.Time            `json:"deliver_by"`
	// ReturnWindow is how long after delivery the buyer may return goods.
	ReturnWindow     time.Duration `json:"return_window"`
	PaymentTermsDays int           `json:"payment_terms_days"`
	// Recorded are the shipments recorded so far, and Payment the order's
	// money after checkout: none for a new order.
	Recorded []RecordedShipment    `json:"recorded,omitempty"`
	Payment  commerce.PaymentState `json:"payment"`
}

// RecordedShipment is a shipment of the order as recorded.
type RecordedShipment struct {
	ID        uuid.UUID           `json:"id"`
	Number    int                 `json:"number"`
	Lines     []commerce.ShipLine `json:"lines"`
	Delivered bool                `json:"delivered"`
}

// OpenOrder reads the order as checkout placed it and records its deadlines
// from the shipping method (defaults without one).
func (a *Activities) OpenOrder(ctx context.Context, in OpenOrderInput) (Order, error) {
	var out Order
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		row, err := q.OrderLockToOpen(ctx, in.OrderID)
		if err != nil {
			return err
		}
		o := row.Order
		rows, err := q.OrderLineListByOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		shipWithin, deliverWithin := commerce.DefaultShipWithin, commerce.DefaultDeliverWithin
		if o.ShippingMethod != "" {
			if m, err := q.ShippingMethodGet(ctx, o.ShippingMethod); err == nil {
				shipWithin = time.Duration(m.ShipWithinHours) * time.Hour
				deliverWithin = time.Duration(m.DeliverWithinHours) * time.Hour
			} else if !db.IsNotFound(err) {
				return err
			}
		}
		shipments, err := q.ShipmentListByOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		shipped, err := q.ShipmentLineListByOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		out = Order{
			OrderID: o.ID, CartID: o.CartID, CompanyID: o.CompanyID, CustomerID: o.CustomerID,
			Attempt: int(row.CheckoutAttempt), PaymentKey: payment.CheckoutKey(o.CartID, int(row.CheckoutAttempt)),
			Currency: o.Currency, PlacedAt: o.PlacedAt.UTC(),
			ShipBy:           commerce.ShipBy(o.PlacedAt, shipWithin),
			DeliverBy:        commerce.DeliverBy(o.PlacedAt, deliverWithin),
			ReturnWindow:     time.Duration(row.ReturnWindowDays) * 24 * time.Hour,
			PaymentTermsDays: int(row.PaymentTermsDays),
			Payment: commerce.PaymentState{Voided: o.CancelledAmount, Invoiced: o.InvoicedAmount, Paid: o.PaidAmount,
				Credited: o.CreditedAmount},
			Totals: commerce.Totals{
				Subtotal: money(o.Subtotal, o.Currency), Discount: money(o.Discount, o.Currency),
				Shipping: money(o.Shipping, o.Currency), Tax: money(o.Tax, o.Currency), Total: money(o.Total, o.Currency),
				TaxRateBasisPoints: int64(o.TaxRateBp),
			},
		}
		for _, sh := range shipments {
			r := RecordedShipment{ID: sh.ID, Number: int(sh.Number), Delivered: sh.DeliveredAt != nil}
			for _, l := range shipped {
				if l.ShipmentID == sh.ID {
					r.Lines = append(r.Lines, commerce.ShipLine{SKU: l.Sku, Quantity: l.Quantity})
				}
			}
			out.Recorded = append(out.Recorded, r)
		}
		for _, l := range rows {
			out.Lines = append(out.Lines, commerce.OrderLine{SKU: l.Sku, UnitPrice: l.UnitPrice, Ordered: int64(l.Quantity),
				Cancelled: l.Cancelled, Shipped: l.Shipped, Delivered: l.Delivered, Returned: l.Returned})
		}
		return q.OrderUpdateDeadlines(ctx, db.OrderUpdateDeadlinesParams{ID: o.ID, ShipBy: &out.ShipBy, DeliverBy: &out.DeliverBy})
	})
	return out, activities.Classify(err)
}

func money(amount int64, currency string) commerce.Money {
	return commerce.Money{Amount: amount, Currency: currency}
}

// Step numbers one change of an order: the workflow counts them, so a retried
// activity writes its change once.
type Step struct {
	OrderID uuid.UUID `json:"order_id"`
	CartID  uuid.UUID `json:"cart_id"`
	Seq     int       `json:"seq"`
}

func (s Step) dedup(what string) string { return fmt.Sprintf("order/%s/%d/%s", s.OrderID, s.Seq, what) }

// claim records the step's timeline event; false means an earlier try of the
// activity did, and with it the rest of its transaction.
func claim(ctx context.Context, q *db.Queries, s Step, kind, actor, detail string) (bool, error) {
	return timeline.Claim(ctx, q, timeline.Event{CartID: s.CartID, OrderID: s.OrderID, Kind: kind, Actor: actor,
		Detail: detail, DedupKey: s.dedup(kind)})
}

// OrderState is what the order's workflow made of the order after a change:
// each line's quantities, the statuses and the money after checkout.
type OrderState struct {
	Lines            []commerce.OrderLine      `json:"lines"`
	Status           commerce.OrderStatus      `json:"status"`
	FulfilmentStatus commerce.FulfilmentStatus `json:"fulfilment_status"`
	PaymentStatus    commerce.PaymentStatus    `json:"payment_status"`
	Cancelled        int64                     `json:"cancelled"`
	Invoiced         int64                     `json:"invoiced"`
	Paid             int64                     `json:"paid"`
	Credited         int64                     `json:"credited"`
	DeliveredAt      *time.Time                `json:"delivered_at,omitempty"`
}

// save writes the order's state.
func save(ctx context.Context, q *db.Queries, orderID uuid.UUID, st OrderState) error {
	for _, l := range st.Lines {
		if err := q.OrderLineUpdateQuantities(ctx, db.OrderLineUpdateQuantitiesParams{OrderID: orderID, Sku: l.SKU,
			Cancelled: l.Cancelled, Shipped: l.Shipped, Delivered: l.Delivered, Returned: l.Returned}); err != nil {
			return err
		}
	}
	return q.OrderUpdateFulfilment(ctx, db.OrderUpdateFulfilmentParams{ID: orderID, Status: string(st.Status),
		FulfilmentStatus: string(st.FulfilmentStatus), PaymentStatus: string(st.PaymentStatus),
		CancelledAmount: st.Cancelled, InvoicedAmount: st.Invoiced, PaidAmount: st.Paid, CreditedAmount: st.Credited,
		DeliveredAt: st.DeliveredAt})
}

// Invoice is what a shipment bills the company (payment on account).
type Invoice struct {
	Number   string    `json:"number"`
	Amount   int64     `json:"amount"`
	IssuedAt time.Time `json:"issued_at"`
	DueAt    time.Time `json:"due_at"`
}

// RecordShipmentInput is a shipment the workflow accepted, and the order
// after it.
type RecordShipmentInput struct {
	Step       Step                `json:"step"`
	Attempt    int                 `json:"attempt"`
	CompanyID  uuid.UUID           `json:"company_id"`
	Currency   string              `json:"currency"`
	ShipmentID uuid.UUID           `json:"shipment_id"`
	Number     int                 `json:"number"`
	Lines      []commerce.ShipLine `json:"lines"`
	Carrier    string              `json:"carrier"`
	Tracking   string              `json:"tracking"`
	ShippedAt  time.Time           `json:"shipped_at"`
	Source     string              `json:"source"`
	Invoice    Invoice             `json:"invoice"`
	Order      OrderState          `json:"order"`
}

// RecordShipment records, once, a shipment: its lines leave the stock at the
// locations holding the order's reservation (on hand and reserved both go
// down there, the reservation shrinks, and shipment_stock records each
// location), the order's
// quantities and statuses change, and its invoice is issued. Capturing the
// invoiced part of the authorization is the payment's step that follows.
func (a *Activities) RecordShipment(ctx context.Context, in RecordShipmentInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.ShipmentCreate(ctx, db.ShipmentCreateParams{ID: in.ShipmentID, OrderID: in.Step.OrderID,
			Number: int32(in.Number), Carrier: in.Carrier, Tracking: in.Tracking, Source: in.Source, ShippedAt: in.ShippedAt})
		if err != nil || n == 0 {
			return err // recorded before
		}
		lines := db.ShipmentLineCreateManyParams{ShipmentID: in.ShipmentID}
		for _, l := range in.Lines {
			lines.Skus = append(lines.Skus, l.SKU)
			lines.Quantities = append(lines.Quantities, l.Quantity)
		}
		for _, l := range bySKU(in.Lines) {
			taken, err := takeReserved(ctx, q, in.Step.CartID, in.Attempt, l)
			if err != nil {
				return err
			}
			for _, t := range taken {
				if n, err := q.StockShip(ctx, db.StockShipParams{Sku: l.SKU, LocationID: t.location, Quantity: t.quantity}); err != nil || n == 0 {
					return cmpErr(err, fmt.Errorf("stock of %s at %s does not hold %d reserved units", l.SKU, t.location, t.quantity))
				}
			}
			if err := recordShippedFrom(ctx, q, in.ShipmentID, l.SKU, taken); err != nil {
				return err
			}
		}
		if err := q.ShipmentLineCreateMany(ctx, lines); err != nil {
			return err
		}
		if _, err := q.InvoiceCreate(ctx, db.InvoiceCreateParams{Number: in.Invoice.Number, OrderID: in.Step.OrderID,
			ShipmentID: uuid.NullUUID{UUID: in.ShipmentID, Valid: true}, CompanyID: in.CompanyID, Amount: in.Invoice.Amount,
			Currency: in.Currency, IssuedAt: in.Invoice.IssuedAt, DueAt: in.Invoice.DueAt}); err != nil {
			return err
		}
		if err := save(ctx, q, in.Step.OrderID, in.Order); err != nil {
			return err
		}
		_, err = claim(ctx, q, in.Step, "shipment_recorded", in.Source, fmt.Sprintf("shipment %d (%s %s): %s; invoice %s of %s",
			in.Number, in.Carrier, in.Tracking, describe(in.Lines), in.Invoice.Number, money(in.Invoice.Amount, in.Currency)))
		return err
	}))
}

// taken is units of a line taken off the order's reservation at one location.
type taken struct {
	location uuid.UUID
	quantity int64
}

// bySKU orders change lines by SKU, the order stock rows are locked in
// everywhere (activities/inventory), so that concurrent changes cannot
// deadlock.
func bySKU(lines []commerce.ShipLine) []commerce.ShipLine {
	out := slices.Clone(lines)
	slices.SortStableFunc(out, func(a, b commerce.ShipLine) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// takeReserved takes shipped or cancelled units off the order's stock
// reservations of the line's SKU: a line reserved at several locations gives
// from them in the locations' order (priority, then code). It says how many
// units came from each location, in location ID order (the stock rows' lock
// order), so that they leave or go back to where they were held.
func takeReserved(ctx context.Context, q *db.Queries, cartID uuid.UUID, attempt int, l commerce.ShipLine) ([]taken, error) {
	rows, err := q.StockReservationLockBySKU(ctx, db.StockReservationLockBySKUParams{CartID: cartID, Attempt: int32(attempt), Sku: l.SKU})
	if err != nil {
		return nil, err
	}
	var out []taken
	left := l.Quantity
	for _, r := range rows {
		if left == 0 {
			break
		}
		take := min(r.Quantity, left)
		var n int64
		if take < r.Quantity {
			n, err = q.StockReservationTake(ctx, db.StockReservationTakeParams{CartID: cartID, Attempt: int32(attempt),
				Sku: l.SKU, LocationID: r.LocationID, Quantity: take})
		} else {
			n, err = q.StockReservationDeleteTaken(ctx, db.StockReservationDeleteTakenParams{CartID: cartID, Attempt: int32(attempt),
				Sku: l.SKU, LocationID: r.LocationID, Quantity: take})
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("the order's reservation of %s at %s changed while locked", l.SKU, r.LocationID)
		}
		out = append(out, taken{location: r.LocationID, quantity: take})
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("the order's reservation of %s does not hold %d units", l.SKU, l.Quantity)
	}
	slices.SortFunc(out, func(a, b taken) int { return bytes.Compare(a.location[:], b.location[:]) })
	return out, nil
}

// recordShippedFrom records which locations a shipment's SKU left from.
func recordShippedFrom(ctx context.Context, q *db.Queries, shipmentID uuid.UUID, sku string, from []taken) error {
	for _, t := range from {
		if err := q.ShipmentStockCreate(ctx, db.ShipmentStockCreateParams{ShipmentID: shipmentID, Sku: sku,
			LocationID: t.location, Quantity: t.quantity}); err != nil {
			return err
		}
	}
	return nil
}

// RecordDeliveryInput is a delivery the workflow accepted, and the order after
// it.
type RecordDeliveryInput struct {
	Step        Step       `json:"step"`
	ShipmentID  uuid.UUID  `json:"shipment_id"`
	DeliveredAt time.Time  `json:"delivered_at"`
	Source      string     `json:"source"`
	Order       OrderState `json:"order"`
}

// RecordDelivery records, once, that a shipment arrived.
func (a *Activities) RecordDelivery(ctx context.Context, in RecordDeliveryInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		fresh, err := claim(ctx, q, in.Step, "shipment_delivered", in.Source, "shipment "+in.ShipmentID.String()+" delivered")
		if err != nil || !fresh {
			return err
		}
		if _, err := q.ShipmentDeliver(ctx, db.ShipmentDeliverParams{ID: in.ShipmentID, DeliveredAt: &in.DeliveredAt}); err != nil {
			return err
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	}))
}

// CancelLinesInput is a cancellation the workflow accepted, and the order
// after it.
type CancelLinesInput struct {
	Step    Step                `json:"step"`
	Attempt int                 `json:"attempt"`
	Actor   string              `json:"actor"`
	Lines   []commerce.ShipLine `json:"lines"`
	Reason  string              `json:"reason"`
	Order   OrderState          `json:"order"`
}

// CancelLines records, once, a cancellation: the units' stock is released (at
// the locations that held them) and
// the order's quantities, statuses and cancelled amount change. Releasing the
// authorization's part is the payment's step that follows.
func (a *Activities) CancelLines(ctx context.Context, in CancelLinesInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		detail := "cancelled " + describe(in.Lines)
		if in.Reason != "" {
			detail += ": " + in.Reason
		}
		fresh, err := claim(ctx, q, in.Step, "order_cancelled", in.Actor, detail)
		if err != nil || !fresh {
			return err
		}
		for _, l := range bySKU(in.Lines) {
			taken, err := takeReserved(ctx, q, in.Step.CartID, in.Attempt, l)
			if err != nil {
				return err
			}
			for _, t := range taken {
				if err := q.StockRelease(ctx, db.StockReleaseParams{Sku: l.SKU, LocationID: t.location, Quantity: t.quantity}); err != nil {
					return err
				}
			}
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	}))
}

// FlagLateInput marks an order that missed a deadline.
type FlagLateInput struct {
	Step      Step      `json:"step"`
	CompanyID uuid.UUID `json:"company_id"`
	Deadline  string    `json:"deadline"` // "ship_by" or "deliver_by"
	At        time.Time `json:"at"`
}

// OrdersLateMetric counts the orders that turned late (the first deadline
// each missed, by the label "deadline": ship_by or deliver_by), emitted once
// per order when FlagLate's transaction flags it (docs/operations.md).
const OrdersLateMetric = "orderflow_orders_late"

// FlagLate records, once, that the order is late, and tells ops (outbox).
func (a *Activities) FlagLate(ctx context.Context, in FlagLateInput) error {
	flagged := false
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		what := strings.ReplaceAll(in.Deadline, "_", " ")
		fresh, err := claim(ctx, q, in.Step, "order_late", timeline.SystemActor,
			fmt.Sprintf("missed its %s deadline of %s", what, in.At.UTC().Format(time.RFC3339)))
		if err != nil || !fresh {
			return err
		}
		n, err := q.OrderFlagLate(ctx, in.Step.OrderID)
		if err != nil {
			return err
		}
		flagged = n > 0
		return notify.Queue(ctx, q, notify.Message{DedupKey: in.Step.dedup("late"), Kind: "order_late",
			CompanyID: in.CompanyID, ToRole: string(commerce.RoleOps),
			Subject: fmt.Sprintf("Order %s is late", in.Step.OrderID),
			Body:    fmt.Sprintf("It missed its %s deadline of %s.", what, in.At.UTC().Format(time.RFC3339))})
	})
	if err == nil && flagged {
		// After the commit, and only by the transaction that flagged the
		// order: a retry finds it flagged and counts nothing.
		activity.GetMetricsHandler(ctx).WithTags(map[string]string{"deadline": in.Deadline}).Counter(OrdersLateMetric).Inc(1)
		activity.GetLogger(ctx).Info("order is late", "order_id", in.Step.OrderID, "deadline", in.Deadline)
	}
	return err
}

// CompleteOrderInput closes the order when its return window has closed.
type CompleteOrderInput struct {
	Step  Step       `json:"step"`
	Order OrderState `json:"order"`
}

// CompleteOrder records, once, that the order's life is over.
func (a *Activities) CompleteOrder(ctx context.Context, in CompleteOrderInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		fresh, err := claim(ctx, q, in.Step, "order_"+string(in.Order.Status), timeline.SystemActor, "the return window closed")
		if err != nil || !fresh {
			return err
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	})
}

func describe(lines []commerce.ShipLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprintf("%d × %s", l.Quantity, l.SKU)
	}
	return strings.Join(parts, ", ")
}

// cmpErr is err when there is one, else the fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
