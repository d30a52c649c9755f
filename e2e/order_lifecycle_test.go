package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/webhooks"
	"github.com/orderflow/orderflow/workflows/order"
)

// warehouse posts signed webhooks to a stack as one integration.
type warehouse struct {
	t           testing.TB
	http        buyerClient // no token: the signature authenticates
	integration testenv.Integration
}

func newWarehouse(t testing.TB, s *testenv.Stack, name string) warehouse {
	return warehouse{t: t, http: buyerClient{t: t, base: s.API.URL}, integration: testenv.NewIntegration(t, s.Pool, name)}
}

// shipmentCreated is the body of a shipment.created event; lines are SKU,
// quantity pairs.
func shipmentCreated(eventID string, orderID uuid.UUID, ref string, lines ...any) []byte {
	var ls []map[string]any
	for i := 0; i+1 < len(lines); i += 2 {
		ls = append(ls, map[string]any{"sku": lines[i], "quantity": lines[i+1]})
	}
	return webhookBody(eventID, webhooks.ShipmentCreated, map[string]any{"order_id": orderID, "shipment_ref": ref,
		"lines": ls, "carrier": "DHL", "tracking_number": "TRK-" + ref, "shipped_at": "2026-01-02T10:00:00Z"})
}

// shipmentDelivered is the body of a shipment.delivered event.
func shipmentDelivered(eventID string, orderID uuid.UUID, ref string) []byte {
	return webhookBody(eventID, webhooks.ShipmentDelivered, map[string]any{"order_id": orderID, "shipment_ref": ref,
		"delivered_at": "2026-01-03T15:00:00Z"})
}

func webhookBody(eventID string, typ webhooks.EventType, data map[string]any) []byte {
	raw, err := json.Marshal(map[string]any{"id": eventID, "type": typ, "created": time.Now().Unix(), "data": data})
	if err != nil {
		panic(err)
	}
	return raw
}

// post sends body with the given signature header.
func (w warehouse) post(body []byte, signature string) response {
	w.t.Helper()
	return w.http.do("POST", "/v1/webhooks/"+w.integration.Name, string(body), webhooks.SignatureHeader, signature)
}

// send posts body signed now with the integration's secret and returns the
// 202's receipt.
func (w warehouse) send(body []byte) api.WebhookReceipt {
	w.t.Helper()
	res := w.post(body, webhooks.Sign(w.integration.Secret, time.Now(), body))
	require.Equal(w.t, http.StatusAccepted, res.Status, "webhook: %s", res.Body)
	var rec api.WebhookReceipt
	res.decode(w.t, &rec)
	return rec
}

// orderFacts is an order as Postgres has it after its workflow's changes.
type orderFacts struct {
	Status, Fulfilment, Payment string
	// Lines are each SKU's shipped, delivered and cancelled units.
	Shipped, Delivered, Cancelled map[string]int64
	Shipments                     int
	Invoices                      []db.Invoice
}

func (f orderFacts) invoiced() int64 {
	var n int64
	for _, inv := range f.Invoices {
		n += inv.Amount
	}
	return n
}

func readOrder(t testing.TB, pool *pgxpool.Pool, orderID uuid.UUID) orderFacts {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	o, err := q.OrderGet(ctx, orderID)
	require.NoError(t, err)
	f := orderFacts{Status: o.Status, Fulfilment: o.FulfilmentStatus, Payment: o.PaymentStatus,
		Shipped: map[string]int64{}, Delivered: map[string]int64{}, Cancelled: map[string]int64{}}
	lines, err := q.OrderLineListByOrder(ctx, orderID)
	require.NoError(t, err)
	for _, l := range lines {
		f.Shipped[l.Sku], f.Delivered[l.Sku], f.Cancelled[l.Sku] = l.Shipped, l.Delivered, l.Cancelled
	}
	n, err := q.ShipmentCountByOrder(ctx, orderID)
	require.NoError(t, err)
	f.Shipments = int(n)
	f.Invoices, err = q.InvoiceListByOrder(ctx, orderID)
	require.NoError(t, err)
	return f
}

// stockOf is a SKU's units on hand and reserved.
func stockOf(t testing.TB, pool *pgxpool.Pool, sku string) (onHand, reserved int64) {
	t.Helper()
	s, err := db.New(pool).StockGet(context.Background(), sku)
	require.NoError(t, err)
	return s.OnHand, s.Reserved
}

// companyCredit is what uses the company's credit: authorized holds, and
// invoices not paid yet.
func companyCredit(t testing.TB, pool *pgxpool.Pool, companyID uuid.UUID) (held, owed int64) {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	held, err := q.CreditHoldSumAuthorizedByCompany(ctx, companyID)
	require.NoError(t, err)
	owed, err = q.InvoiceSumOpenByCompany(ctx, companyID)
	require.NoError(t, err)
	return held, owed
}

// webhookEventStatus is what became of an integration's event.
func webhookEventStatus(t testing.TB, pool *pgxpool.Pool, in testenv.Integration, eventID string) db.WebhookEvent {
	t.Helper()
	e, err := db.New(pool).WebhookEventGetByEventID(context.Background(),
		db.WebhookEventGetByEventIDParams{IntegrationID: in.ID, EventID: eventID})
	require.NoError(t, err)
	return e
}

// An order ships in two parts by a warehouse's signed webhooks and both
// parts are delivered: stock, line quantities, statuses, invoices and the
// company's credit agree in Postgres after every step, and replays, bad
// signatures and strangers' events change nothing.
func TestOrderShipsAndIsDeliveredByWebhooks(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	gloves := testenv.NewProduct(t, s.Pool, "EUR", 1250, 10)
	tape := testenv.NewProduct(t, s.Pool, "EUR", 399, 10)
	c := newBuyerClient(t, s, buyer)
	wh := newWarehouse(t, s, "wh-"+uuid.NewString()[:8])

	placed := c.placeOrder(c.createCart(gloves, 4, tape, 2))
	total := placed.Totals.Total.Amount
	held, owed := companyCredit(t, s.Pool, company.ID)
	require.Equal(t, total, held, "the whole order is held")
	require.Zero(t, owed)

	// First part: 3 gloves and a roll of tape.
	first := shipmentCreated("evt_ship_1", placed.ID, "WH-1", gloves, 3, tape, 1)
	require.Equal(t, api.WebhookReceipt{EventID: "evt_ship_1", Status: "delivered"}, wh.send(first))
	f := readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "partially_shipped", f.Status)
	require.Equal(t, map[string]int64{gloves: 3, tape: 1}, f.Shipped)
	require.Equal(t, 1, f.Shipments)
	require.Len(t, f.Invoices, 1)
	invoice1 := f.Invoices[0]
	require.Equal(t, order.InvoiceNumber(placed.ID, 1), invoice1.Number)
	require.Positive(t, invoice1.Amount)
	require.Less(t, invoice1.Amount, total)
	requireStock(t, s.Pool, gloves, 7, 1)
	requireStock(t, s.Pool, tape, 9, 1)
	requireCredit(t, s.Pool, company.ID, total-invoice1.Amount, invoice1.Amount)

	// The same event again (a sender's retry), and the same shipment under
	// another event ID: recorded once.
	require.Equal(t, api.WebhookReceipt{EventID: "evt_ship_1", Status: "delivered", Duplicate: true}, wh.send(first))
	require.Equal(t, "delivered", wh.send(shipmentCreated("evt_ship_1_again", placed.ID, "WH-1", gloves, 3, tape, 1)).Status)
	require.Equal(t, f, readOrder(t, s.Pool, placed.ID), "a replayed shipment changes nothing")
	requireStock(t, s.Pool, gloves, 7, 1)

	// Bad signatures are refused and write nothing.
	second := shipmentCreated("evt_ship_2", placed.ID, "WH-2", gloves, 1, tape, 1)
	events := countRows(t, s.Pool, "SELECT count(*) FROM webhook_events")
	wh.post(second, webhooks.Sign(webhooks.NewSecret(), time.Now(), second)).requireError(t, http.StatusUnauthorized, "invalid_signature", "")
	wh.post(second, webhooks.Sign(wh.integration.Secret, time.Now().Add(-6*time.Minute), second)).
		requireError(t, http.StatusUnauthorized, "invalid_signature", "")
	require.Equal(t, events, countRows(t, s.Pool, "SELECT count(*) FROM webhook_events"))
	require.Equal(t, f, readOrder(t, s.Pool, placed.ID))

	// The rest, sent 20 times at once: one request records and delivers it.
	sig := webhooks.Sign(wh.integration.Secret, time.Now(), second)
	var wg sync.WaitGroup
	receipts := make([]api.WebhookReceipt, 20)
	for i := range receipts {
		wg.Go(func() {
			res, err := wh.http.send("POST", "/v1/webhooks/"+wh.integration.Name, string(second), webhooks.SignatureHeader, sig)
			if err == nil && res.Status == http.StatusAccepted {
				err = json.Unmarshal(res.Body, &receipts[i])
			} else if err == nil {
				err = fmt.Errorf("status %d: %s", res.Status, res.Body)
			}
			if err != nil {
				t.Errorf("webhook %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	firsts := 0
	for _, r := range receipts {
		if !r.Duplicate {
			firsts++
			require.Equal(t, "delivered", r.Status)
		}
	}
	require.Equal(t, 1, firsts)
	require.True(t, wh.send(second).Duplicate)
	require.True(t, wh.send(second).Duplicate)

	f = readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "shipped", f.Status)
	require.Equal(t, "shipped", f.Fulfilment)
	require.Equal(t, "invoiced", f.Payment)
	require.Equal(t, map[string]int64{gloves: 4, tape: 2}, f.Shipped)
	require.Equal(t, 2, f.Shipments)
	require.Len(t, f.Invoices, 2)
	require.Equal(t, total, f.invoiced(), "the invoices sum to the order's total")
	requireStock(t, s.Pool, gloves, 6, 0)
	requireStock(t, s.Pool, tape, 8, 0)
	requireCredit(t, s.Pool, company.ID, 0, total)

	// Nothing is left to ship: one more shipment is refused by the order and
	// recorded rejected, for ops.
	require.Equal(t, "rejected", wh.send(shipmentCreated("evt_ship_3", placed.ID, "WH-3", gloves, 1)).Status)
	rejected := webhookEventStatus(t, s.Pool, wh.integration, "evt_ship_3")
	require.Contains(t, rejected.Error, "over_shipment")
	// A delivery of a shipment the order never had, likewise.
	require.Equal(t, "rejected", wh.send(shipmentDelivered("evt_deliver_x", placed.ID, "WH-9")).Status)

	// Delivered, one shipment after the other.
	require.Equal(t, "delivered", wh.send(shipmentDelivered("evt_deliver_1", placed.ID, "WH-1")).Status)
	f = readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "shipped", f.Status)
	require.Equal(t, "partially_delivered", f.Fulfilment)
	require.Equal(t, map[string]int64{gloves: 3, tape: 1}, f.Delivered)
	require.Equal(t, "delivered", wh.send(shipmentDelivered("evt_deliver_1_again", placed.ID, "WH-1")).Status)
	require.Equal(t, f, readOrder(t, s.Pool, placed.ID), "a repeated delivery changes nothing")

	require.Equal(t, "delivered", wh.send(shipmentDelivered("evt_deliver_2", placed.ID, "WH-2")).Status)
	f = readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "delivered", f.Status)
	require.Equal(t, "delivered", f.Fulfilment)
	require.Equal(t, map[string]int64{gloves: 4, tape: 2}, f.Delivered)
	require.Len(t, f.Invoices, 2)
	requireStock(t, s.Pool, gloves, 6, 0)
	requireCredit(t, s.Pool, company.ID, 0, total)
	requireBooksBalance(t, s.Pool)

	// An event about an order Orderflow does not have is kept for ops.
	require.Equal(t, "unmatched", wh.send(shipmentCreated("evt_stranger", uuid.New(), "WH-X", gloves, 1)).Status)
	require.Equal(t, "unmatched", webhookEventStatus(t, s.Pool, wh.integration, "evt_stranger").Status)
}

func requireStock(t testing.TB, pool *pgxpool.Pool, sku string, onHand, reserved int64) {
	t.Helper()
	gotOnHand, gotReserved := stockOf(t, pool, sku)
	require.Equal(t, onHand, gotOnHand, "%s on hand", sku)
	require.Equal(t, reserved, gotReserved, "%s reserved", sku)
}

func requireCredit(t testing.TB, pool *pgxpool.Pool, companyID uuid.UUID, held, owed int64) {
	t.Helper()
	gotHeld, gotOwed := companyCredit(t, pool, companyID)
	require.Equal(t, held, gotHeld, "credit held by authorizations")
	require.Equal(t, owed, gotOwed, "credit used by open invoices")
}

// lineOf is the order's line of sku.
func lineOf(t testing.TB, o api.Order, sku string) api.OrderLine {
	t.Helper()
	for _, l := range o.Lines {
		if l.SKU == sku {
			return l
		}
	}
	t.Fatalf("order %s has no line %s", o.ID, sku)
	return api.OrderLine{}
}

func cancelledAmount(t testing.TB, pool *pgxpool.Pool, orderID uuid.UUID) int64 {
	t.Helper()
	o, err := db.New(pool).OrderGet(context.Background(), orderID)
	require.NoError(t, err)
	return o.CancelledAmount
}

// A buyer cancels part of an order that has not shipped, ops ship and deliver
// the rest through the API, and the order shows it all: stock and credit are
// released for what was cancelled, and every refusal names what is at fault.
func TestOrderCancellationAndOpsShipments(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	colleague := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
	companyAdmin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "company_admin"))
	stranger := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)))
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	gloves := testenv.NewProduct(t, s.Pool, "EUR", 1000, 10)
	tape := testenv.NewProduct(t, s.Pool, "EUR", 500, 10)
	c := newBuyerClient(t, s, buyer)

	placed := c.placeOrder(c.createCart(gloves, 4, tape, 2))
	total := placed.Totals.Total.Amount
	cancel := "/v1/orders/" + placed.ID.String() + "/cancel"
	oneGlove := map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 1}}, "reason": "ordered one too many"}

	// Only the buyer, a company admin and ops may cancel; another company's
	// buyer does not even see the order.
	colleague.do("POST", cancel, oneGlove).requireError(t, http.StatusForbidden, "not_allowed", "")
	stranger.do("POST", cancel, oneGlove).requireError(t, http.StatusNotFound, "not_found", "")
	requireStock(t, s.Pool, gloves, 10, 4)
	require.Zero(t, cancelledAmount(t, s.Pool, placed.ID))

	res := c.do("POST", cancel, oneGlove, "Idempotency-Key", "cancel-1")
	require.Equal(t, http.StatusOK, res.Status, "cancel: %s", res.Body)
	var o api.Order
	res.decode(t, &o)
	require.Equal(t, "processing", o.Status)
	require.Equal(t, int64(1), lineOf(t, o, gloves).Cancelled)
	require.Zero(t, lineOf(t, o, tape).Cancelled)
	require.Contains(t, timelineKinds(o.Timeline), "order_cancelled")
	requireStock(t, s.Pool, gloves, 10, 3)
	cancelled := cancelledAmount(t, s.Pool, placed.ID)
	require.Positive(t, cancelled)
	requireCredit(t, s.Pool, company.ID, total-cancelled, 0)
	// The same request again (a retry) cancels nothing more.
	require.Equal(t, http.StatusOK, c.do("POST", cancel, oneGlove, "Idempotency-Key", "cancel-1").Status)
	requireStock(t, s.Pool, gloves, 10, 3)
	require.Equal(t, cancelled, cancelledAmount(t, s.Pool, placed.ID))

	// More than is open is refused, naming the SKU.
	e := c.do("POST", cancel, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 4}}}).
		requireError(t, http.StatusUnprocessableEntity, "over_cancellation", "lines")
	require.Equal(t, gloves, e.SKU)
	c.do("POST", cancel, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 0}}}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines[0].quantity")

	// Ops ship: more than is open is refused, naming the SKU.
	shipments := "/v1/admin/orders/" + placed.ID.String() + "/shipments"
	e = ops.do("POST", shipments, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 4}}, "tracking_number": "T1"}).
		requireError(t, http.StatusUnprocessableEntity, "over_shipment", "lines")
	require.Equal(t, gloves, e.SKU)
	ops.do("POST", shipments, map[string]any{"lines": []map[string]any{{"sku": "NOT-ON-ORDER", "quantity": 1}}, "tracking_number": "T1"}).
		requireError(t, http.StatusUnprocessableEntity, "not_on_order", "lines")
	ops.do("POST", shipments, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 1}}}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "tracking_number")
	ops.do("POST", shipments, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 1}}, "tracking_number": "T1",
		"shipped_at": "yesterday"}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "shipped_at")
	c.do("POST", shipments, map[string]any{}).requireError(t, http.StatusForbidden, "forbidden", "")
	requireStock(t, s.Pool, gloves, 10, 3)

	ship := map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 3}, {"sku": tape, "quantity": 1}},
		"carrier": "UPS", "tracking_number": "1Z999", "shipped_at": "2026-01-02T10:00:00Z"}
	res = ops.do("POST", shipments, ship, "Idempotency-Key", "ship-1")
	require.Equal(t, http.StatusCreated, res.Status, "ship: %s", res.Body)
	res.decode(t, &o)
	require.Equal(t, "partially_shipped", o.Status)
	require.Equal(t, "partially_shipped", o.FulfilmentStatus)
	require.Equal(t, "partially_invoiced", o.PaymentStatus)
	require.Len(t, o.Shipments, 1)
	shipment := o.Shipments[0]
	require.Equal(t, 1, shipment.Number)
	require.Equal(t, "UPS", shipment.Carrier)
	require.Equal(t, "1Z999", shipment.TrackingNumber)
	require.ElementsMatch(t, []api.ShipmentLine{{SKU: gloves, Quantity: 3}, {SKU: tape, Quantity: 1}}, shipment.Lines)
	require.Equal(t, time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC), shipment.ShippedAt)
	require.Len(t, o.Invoices, 1)
	require.Equal(t, "open", o.Invoices[0].Status)
	require.Equal(t, time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), o.Invoices[0].DueAt, "net 30")
	invoiced := o.Invoices[0].Amount.Amount
	requireStock(t, s.Pool, gloves, 7, 0)
	requireStock(t, s.Pool, tape, 9, 1)
	requireCredit(t, s.Pool, company.ID, total-cancelled-invoiced, invoiced)
	// Retried with its key, the shipment is recorded once.
	require.Equal(t, http.StatusCreated, ops.do("POST", shipments, ship, "Idempotency-Key", "ship-1").Status)
	require.Equal(t, 1, readOrder(t, s.Pool, placed.ID).Shipments)

	// Ops find the order by status and company; it is not late.
	page := opsOrders(t, ops, "?status=partially_shipped&company_id="+company.ID.String())
	require.Equal(t, []uuid.UUID{placed.ID}, orderIDs(page))
	require.Empty(t, orderIDs(opsOrders(t, ops, "?late=true&company_id="+company.ID.String())))
	ops.do("GET", "/v1/admin/orders?status=lost", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "status")

	// The company admin cancels what is left (one roll of tape): the order has
	// shipped all it will.
	res = companyAdmin.do("POST", cancel, map[string]any{"reason": "no longer needed"})
	require.Equal(t, http.StatusOK, res.Status, "cancel the rest: %s", res.Body)
	res.decode(t, &o)
	require.Equal(t, "shipped", o.Status)
	require.Equal(t, int64(1), lineOf(t, o, tape).Cancelled)
	requireStock(t, s.Pool, tape, 9, 0)
	cancelled = cancelledAmount(t, s.Pool, placed.ID)
	require.Equal(t, total, cancelled+invoiced, "what was not invoiced was cancelled")
	requireCredit(t, s.Pool, company.ID, 0, invoiced)
	c.do("POST", cancel, nil).requireError(t, http.StatusConflict, "order_state", "")

	// Delivered: recorded by ops on the shipment; again changes nothing.
	delivery := shipments + "/" + shipment.ID.String() + "/delivery"
	ops.do("POST", "/v1/admin/orders/"+uuid.NewString()+"/shipments/"+shipment.ID.String()+"/delivery", nil).
		requireError(t, http.StatusNotFound, "not_found", "")
	res = ops.do("POST", delivery, map[string]any{"delivered_at": "2026-01-03T15:00:00Z"})
	require.Equal(t, http.StatusOK, res.Status, "deliver: %s", res.Body)
	res.decode(t, &o)
	require.Equal(t, "delivered", o.Status)
	require.Equal(t, "delivered", o.FulfilmentStatus)
	require.Equal(t, time.Date(2026, 1, 3, 15, 0, 0, 0, time.UTC), *o.Shipments[0].DeliveredAt)
	require.Equal(t, http.StatusOK, ops.do("POST", delivery, nil).Status)

	// The buyer sees it all on the order.
	o = c.getOrder(placed.ID)
	require.Equal(t, "delivered", o.Status)
	require.Equal(t, api.OrderLine{Cancelled: 1, Shipped: 3, Delivered: 3}, quantitiesOf(lineOf(t, o, gloves)))
	require.Equal(t, api.OrderLine{Cancelled: 1, Shipped: 1, Delivered: 1}, quantitiesOf(lineOf(t, o, tape)))
	require.NotNil(t, o.ShipBy)
	require.NotNil(t, o.DeliverBy)
	require.False(t, o.SlaBreached)
	require.Len(t, o.Shipments, 1)
	require.Len(t, o.Invoices, 1)

	// A late order is listed as late.
	late := c.placeOrder(c.createCart(gloves, 1))
	_, err := db.New(s.Pool).OrderFlagLate(context.Background(), late.ID)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{late.ID}, orderIDs(opsOrders(t, ops, "?late=true&company_id="+company.ID.String())))
	requireBooksBalance(t, s.Pool)
}

// quantitiesOf is what happened to a line's units, alone.
func quantitiesOf(l api.OrderLine) api.OrderLine {
	return api.OrderLine{Cancelled: l.Cancelled, Shipped: l.Shipped, Delivered: l.Delivered, Returned: l.Returned}
}

func opsOrders(t testing.TB, ops buyerClient, query string) api.OrderPage {
	t.Helper()
	res := ops.do("GET", "/v1/admin/orders"+query, nil)
	require.Equal(t, http.StatusOK, res.Status, "list orders: %s", res.Body)
	var page api.OrderPage
	res.decode(t, &page)
	return page
}

func orderIDs(page api.OrderPage) []uuid.UUID {
	ids := []uuid.UUID{}
	for _, o := range page.Orders {
		ids = append(ids, o.ID)
	}
	return ids
}
