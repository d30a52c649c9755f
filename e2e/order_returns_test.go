package e2e_test

import (
	"context"
	"net/http"
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

// deliveredNow is the body of a shipment.delivered event delivered now, so
// that the order's return window is open.
func deliveredNow(eventID string, orderID uuid.UUID, ref string) []byte {
	return webhookBody(eventID, webhooks.ShipmentDelivered, map[string]any{"order_id": orderID, "shipment_ref": ref,
		"delivered_at": time.Now().UTC().Format(time.RFC3339)})
}

// returnReceived is the body of a return.received event; conditions are SKU,
// condition pairs.
func returnReceived(eventID string, orderID, returnID uuid.UUID, conditions ...string) []byte {
	var ls []map[string]any
	for i := 0; i+1 < len(conditions); i += 2 {
		ls = append(ls, map[string]any{"sku": conditions[i], "condition": conditions[i+1]})
	}
	return webhookBody(eventID, webhooks.ReturnReceived, map[string]any{"order_id": orderID, "return_id": returnID,
		"lines": ls, "received_at": time.Now().UTC().Format(time.RFC3339)})
}

// returnFacts is what Postgres has of an order's returns: each SKU's
// returned units, the returns' rows and lines, and the credit notes.
type returnFacts struct {
	Returned    map[string]int64
	Returns     []db.Return
	Conditions  map[string]string // by SKU, across the order's returns
	CreditNotes []db.CreditNote
}

func readReturns(t testing.TB, pool *pgxpool.Pool, orderID uuid.UUID) returnFacts {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	f := returnFacts{Returned: map[string]int64{}, Conditions: map[string]string{}}
	lines, err := q.OrderLineListByOrder(ctx, orderID)
	require.NoError(t, err)
	for _, l := range lines {
		f.Returned[l.Sku] = l.Returned
	}
	f.Returns, err = q.ReturnListByOrder(ctx, orderID)
	require.NoError(t, err)
	returned, err := q.ReturnLineListByOrder(ctx, orderID)
	require.NoError(t, err)
	for _, l := range returned {
		f.Conditions[l.Sku] = l.Condition
	}
	f.CreditNotes, err = q.CreditNoteListByOrder(ctx, orderID)
	require.NoError(t, err)
	return f
}

// An order is shipped in two parts and delivered; the buyer asks to return
// part of it (a colleague may not), ops approve, and the warehouse's signed
// return.received brings the goods back, part restocked and part written
// off; the credit note is the returned units' share of what was invoiced and
// lowers what the company owes; ops record a payment of the rest and nothing
// is owed. Stock, quantities, statuses, invoices and the company's credit
// agree in Postgres after each step, and repeats and excess are refused or
// change nothing.
func TestOrderReturnCreditNoteAndPayment(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	colleague := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	gloves := testenv.NewProduct(t, s.Pool, "EUR", 1250, 10)
	tape := testenv.NewProduct(t, s.Pool, "EUR", 399, 10)
	c := newBuyerClient(t, s, buyer)
	wh := newWarehouse(t, s, "wh-"+uuid.NewString()[:8])

	placed := c.placeOrder(c.createCart(gloves, 4, tape, 2))
	total := placed.Totals.Total.Amount
	returns := "/v1/orders/" + placed.ID.String() + "/returns"
	returnGoods := map[string]any{"lines": []map[string]any{
		{"sku": gloves, "quantity": 2, "reason": "wrong size"}, {"sku": tape, "quantity": 1, "reason": "damaged in transit"}}}

	// Nothing delivered yet: nothing to return.
	c.do("POST", returns, returnGoods).requireError(t, http.StatusConflict, "order_state", "")

	// Two equal shipments, so that the first one's invoice is what the same
	// units returned are worth.
	require.Equal(t, "delivered", wh.send(shipmentCreated("evt_r_ship_1", placed.ID, "R-1", gloves, 2, tape, 1)).Status)
	require.Equal(t, "delivered", wh.send(shipmentCreated("evt_r_ship_2", placed.ID, "R-2", gloves, 2, tape, 1)).Status)
	require.Equal(t, "delivered", wh.send(deliveredNow("evt_r_deliver_1", placed.ID, "R-1")).Status)
	require.Equal(t, "delivered", wh.send(deliveredNow("evt_r_deliver_2", placed.ID, "R-2")).Status)
	f := readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "delivered", f.Status)
	require.Len(t, f.Invoices, 2)
	require.Equal(t, total, f.invoiced())
	firstInvoice := f.Invoices[0]
	requireStock(t, s.Pool, gloves, 6, 0)
	requireStock(t, s.Pool, tape, 8, 0)
	requireCredit(t, s.Pool, company.ID, 0, total)

	// A colleague of the buyer (not its company admin) may not ask.
	colleague.do("POST", returns, returnGoods).requireError(t, http.StatusForbidden, "not_allowed", "")
	c.do("POST", returns, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 1}}}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines[0].reason")
	c.do("POST", returns, map[string]any{"lines": []map[string]any{}}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines")
	e := c.do("POST", returns, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 5, "reason": "all of them"}}}).
		requireError(t, http.StatusUnprocessableEntity, "over_return", "lines")
	require.Equal(t, gloves, e.SKU)
	require.Empty(t, readReturns(t, s.Pool, placed.ID).Returns, "refused requests record nothing")

	// The buyer asks; asked again with the same key, it is the same return.
	res := c.do("POST", returns, returnGoods, "Idempotency-Key", "return-1")
	require.Equal(t, http.StatusCreated, res.Status, "request return: %s", res.Body)
	var o api.Order
	res.decode(t, &o)
	require.Len(t, o.Returns, 1)
	ret := o.Returns[0]
	require.Equal(t, 1, ret.Number)
	require.Equal(t, "requested", ret.Status)
	require.ElementsMatch(t, []api.ReturnLine{{SKU: gloves, Quantity: 2, Reason: "wrong size"}, {SKU: tape, Quantity: 1, Reason: "damaged in transit"}}, ret.Lines)
	require.Zero(t, ret.Credit.Amount, "the credit is fixed on approval")
	require.Equal(t, "delivered", o.Status, "a request alone returns nothing")
	require.Equal(t, http.StatusCreated, c.do("POST", returns, returnGoods, "Idempotency-Key", "return-1").Status)
	require.Len(t, readReturns(t, s.Pool, placed.ID).Returns, 1)

	// Units asked for already cannot be asked for again.
	e = c.do("POST", returns, map[string]any{"lines": []map[string]any{{"sku": gloves, "quantity": 3, "reason": "more"}}},
		"Idempotency-Key", "return-2").requireError(t, http.StatusUnprocessableEntity, "over_return", "lines")
	require.Equal(t, gloves, e.SKU)

	// Only ops decide; a rejection needs a comment; another order's return
	// is not found.
	approve := "/v1/admin/orders/" + placed.ID.String() + "/returns/" + ret.ID.String() + "/approve"
	c.do("POST", approve, nil).requireError(t, http.StatusForbidden, "forbidden", "")
	ops.do("POST", "/v1/admin/orders/"+placed.ID.String()+"/returns/"+ret.ID.String()+"/reject", map[string]any{"comment": " "}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "comment")
	ops.do("POST", "/v1/admin/orders/"+placed.ID.String()+"/returns/"+uuid.NewString()+"/approve", nil).
		requireError(t, http.StatusNotFound, "not_found", "")
	approval := map[string]any{"comment": "ok, send them back"}
	res = ops.do("POST", approve, approval, "Idempotency-Key", "approve-1")
	require.Equal(t, http.StatusOK, res.Status, "approve: %s", res.Body)
	res.decode(t, &o)
	require.Equal(t, "approved", o.Returns[0].Status)
	require.Equal(t, "partially_returned", o.Status)
	require.Equal(t, firstInvoice.Amount, o.Returns[0].Credit.Amount, "the returned units' share of what was invoiced")
	credit := o.Returns[0].Credit.Amount
	rf := readReturns(t, s.Pool, placed.ID)
	require.Equal(t, map[string]int64{gloves: 2, tape: 1}, rf.Returned)
	require.Equal(t, "partially_returned", readOrder(t, s.Pool, placed.ID).Status)
	require.Empty(t, rf.CreditNotes, "the credit note waits for the goods")
	requireStock(t, s.Pool, gloves, 6, 0)
	requireCredit(t, s.Pool, company.ID, 0, total)
	require.Equal(t, http.StatusOK, ops.do("POST", approve, approval, "Idempotency-Key", "approve-1").Status, "a retry answers the same")
	ops.do("POST", approve, nil).requireError(t, http.StatusConflict, "order_state", "")

	// The goods arrive at the warehouse: the gloves go back on the shelf, the
	// tape is written off, and the credit note lowers what the company owes.
	received := returnReceived("evt_r_received", placed.ID, ret.ID, gloves, "restock", tape, "write_off")
	require.Equal(t, api.WebhookReceipt{EventID: "evt_r_received", Status: "delivered"}, wh.send(received))
	requireStock(t, s.Pool, gloves, 8, 0)
	requireStock(t, s.Pool, tape, 8, 0)
	rf = readReturns(t, s.Pool, placed.ID)
	require.Equal(t, "received", rf.Returns[0].Status)
	require.Equal(t, map[string]string{gloves: "restock", tape: "write_off"}, rf.Conditions)
	require.Len(t, rf.CreditNotes, 1)
	note := rf.CreditNotes[0]
	require.Equal(t, order.CreditNoteNumber(placed.ID, 1), note.Number)
	require.Equal(t, credit, note.Amount)
	require.Equal(t, company.ID, note.CompanyID)
	requireCredit(t, s.Pool, company.ID, 0, total-credit)
	f = readOrder(t, s.Pool, placed.ID)
	require.Equal(t, "partially_returned", f.Status)
	require.Equal(t, "credited", f.Payment)
	require.Equal(t, "paid", f.Invoices[0].Status, "the credit note settled the first invoice")
	require.Equal(t, "open", f.Invoices[1].Status)

	// The same event again, and the same goods under another event ID,
	// change nothing.
	require.Equal(t, api.WebhookReceipt{EventID: "evt_r_received", Status: "delivered", Duplicate: true}, wh.send(received))
	require.Equal(t, "rejected", wh.send(returnReceived("evt_r_received_again", placed.ID, ret.ID)).Status)
	require.Equal(t, rf, readReturns(t, s.Pool, placed.ID))
	require.Equal(t, f, readOrder(t, s.Pool, placed.ID))
	requireStock(t, s.Pool, gloves, 8, 0)
	requireCredit(t, s.Pool, company.ID, 0, total-credit)
	// Ops receiving it too find it received.
	ops.do("POST", "/v1/admin/orders/"+placed.ID.String()+"/returns/"+ret.ID.String()+"/receive", nil).
		requireError(t, http.StatusConflict, "order_state", "")

	// The buyer sees it all on the order.
	o = c.getOrder(placed.ID)
	require.Equal(t, "received", o.Returns[0].Status)
	require.ElementsMatch(t, []api.ReturnLine{{SKU: gloves, Quantity: 2, Reason: "wrong size", Condition: "restock"},
		{SKU: tape, Quantity: 1, Reason: "damaged in transit", Condition: "write_off"}}, o.Returns[0].Lines)
	require.Len(t, o.CreditNotes, 1)
	require.Equal(t, api.Money{Amount: credit, Currency: "EUR"}, o.CreditNotes[0].Amount)
	require.Equal(t, ret.ID, o.CreditNotes[0].ReturnID)
	require.Equal(t, int64(2), lineOf(t, o, gloves).Returned)
	require.Subset(t, timelineKinds(o.Timeline), []string{"return_requested", "return_approved", "return_received"})

	// Ops record payments: more than is due is refused; the rest settles
	// everything.
	payments := "/v1/admin/orders/" + placed.ID.String() + "/payments"
	due := total - credit
	ops.do("POST", payments, map[string]any{"amount": due + 1, "ref": "too much"}).
		requireError(t, http.StatusUnprocessableEntity, "over_payment", "")
	ops.do("POST", payments, map[string]any{"amount": 0, "ref": "nothing"}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "amount")
	ops.do("POST", payments, map[string]any{"ref": "no amount"}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "amount")
	c.do("POST", payments, map[string]any{"amount": 1}).requireError(t, http.StatusForbidden, "forbidden", "")
	requireCredit(t, s.Pool, company.ID, 0, due)
	res = ops.do("POST", payments, map[string]any{"amount": due, "ref": "SEPA-1"}, "Idempotency-Key", "pay-1")
	require.Equal(t, http.StatusCreated, res.Status, "payment: %s", res.Body)
	res.decode(t, &o)
	// Settled in full by the credit note and the payment: paid.
	require.Equal(t, "paid", o.PaymentStatus)
	require.Equal(t, http.StatusCreated, ops.do("POST", payments, map[string]any{"amount": due, "ref": "SEPA-1"}, "Idempotency-Key", "pay-1").Status,
		"a retried payment is recorded once")
	f = readOrder(t, s.Pool, placed.ID)
	require.Equal(t, o.PaymentStatus, f.Payment)
	for _, inv := range f.Invoices {
		require.Equal(t, "paid", inv.Status, "invoice %s", inv.Number)
	}
	requireCredit(t, s.Pool, company.ID, 0, 0)
	ops.do("POST", payments, map[string]any{"amount": 1, "ref": "nothing is owed"}).
		requireError(t, http.StatusUnprocessableEntity, "over_payment", "")
}
