package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/order"
)

// orderHistoriesDir is where the order's replay test reads its histories.
const orderHistoriesDir = "../workflows/order/testdata"

// TestRecordOrderHistories drives real orders down the order workflow's main
// branches and writes their histories for the replay test (see
// TestRecordCheckoutHistories; `make record-histories` runs all of them). A
// branch that waits on a long timer (the return window) is recorded while it
// waits: its history so far replays as well.
func TestRecordOrderHistories(t *testing.T) {
	if os.Getenv("RECORD_HISTORIES") == "" {
		t.Skip("records histories only with RECORD_HISTORIES=1 (make record-histories)")
	}
	require.NoError(t, os.MkdirAll(orderHistoriesDir, 0o755))
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ctx := context.Background()
	ops := opsActor(t, s)

	type step struct {
		name string
		arg  any
	}
	ship := func(ref string, lines ...order.Line) step {
		return step{order.RecordShipmentUpdate, order.ShipmentInput{ShipmentID: order.ShipmentIDFor("ops:rec", ref), Lines: lines,
			Carrier: "DHL", Tracking: "JD" + ref, ShippedAt: time.Now().UTC(), Source: "ops:rec"}}
	}
	deliver := func(ref string) step {
		return step{order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: order.ShipmentIDFor("ops:rec", ref),
			DeliveredAt: time.Now().UTC(), Source: "ops:rec"}}
	}
	scenarios := []struct {
		name         string
		returnWindow int // days
		steps        func(buyer order.Actor, bolt, nut string) []step
		wantStatus   commerce.OrderStatus
		closed       bool
	}{
		{name: "shipped_in_two_delivered_completed", returnWindow: 0, wantStatus: commerce.OrderCompleted, closed: true,
			steps: func(_ order.Actor, bolt, nut string) []step {
				return []step{ship("a1", order.Line{SKU: bolt, Quantity: 2}), ship("a2", order.Line{SKU: bolt, Quantity: 1},
					order.Line{SKU: nut, Quantity: 2}), deliver("a1"), deliver("a2")}
			}},
		{name: "cancelled_in_two", returnWindow: 30, wantStatus: commerce.OrderCancelled, closed: true,
			steps: func(buyer order.Actor, bolt, _ string) []step {
				return []step{{order.CancelUpdate, order.CancelInput{Actor: buyer, Lines: []order.Line{{SKU: bolt, Quantity: 1}}, Reason: "fewer"}},
					{order.CancelUpdate, order.CancelInput{Actor: buyer, Reason: "not needed"}}}
			}},
		{name: "partly_cancelled_shipped_returned_paid", returnWindow: 30, wantStatus: commerce.OrderPartiallyReturned,
			steps: func(buyer order.Actor, bolt, nut string) []step {
				ret := uuid.NewSHA1(uuid.Nil, []byte("rec-return"))
				return []step{
					{order.CancelUpdate, order.CancelInput{Actor: buyer, Lines: []order.Line{{SKU: nut, Quantity: 1}}}},
					ship("c1", order.Line{SKU: bolt, Quantity: 3}, order.Line{SKU: nut, Quantity: 1}), deliver("c1"),
					{order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: ret,
						Lines: []order.ReturnLine{{SKU: bolt, Quantity: 1, Reason: "damaged"}}}},
					{order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: ops, ReturnID: ret, Approve: true}},
					{order.ReceiveReturnUpdate, order.ReturnReceiptInput{ReturnID: ret, ReceivedAt: time.Now().UTC(), Source: "ops:rec"}},
					{order.RecordPaymentUpdate, order.PaymentInput{Actor: ops, Amount: 100, Ref: "bank"}},
				}
			}},
		{name: "erp_news_paid_before_shipped", returnWindow: 30, wantStatus: commerce.OrderShipped,
			steps: func(_ order.Actor, bolt, nut string) []step {
				news := func(status commerce.ErpStatus, ref string, amount int64) step {
					in := order.ErpNewsInput{Status: status, Ref: ref, Amount: amount, At: time.Now().UTC(), Source: "webhook:erp/" + ref}
					if status != commerce.ErpStatusOpen {
						in.Currency = "EUR"
					}
					return step{order.RecordErpNewsUpdate, in}
				}
				return []step{
					news(commerce.ErpStatusOpen, "SO-REC-1", 0),
					news(commerce.ErpStatusPaid, "PAY-REC-1", 1000),
					news(commerce.ErpStatusPaid, "PAY-REC-1", 1000),
					{order.RecordShipmentUpdate, order.ShipmentInput{ShipmentID: order.ShipmentIDFor("webhook:erp", "SO-REC-1-S1"),
						Lines: []order.Line{{SKU: bolt, Quantity: 3}, {SKU: nut, Quantity: 2}}, Carrier: "ERP Freight",
						Tracking: "TRK-1", ShippedAt: time.Now().UTC(), Source: "webhook:erp/SO-REC-1-S1", FromERP: true}},
					news(commerce.ErpStatusInvoiced, "INV-REC-1", 1000),
				}
			}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
			testenv.SetTerms(t, s.Pool, company, 30, sc.returnWindow)
			buyer := testenv.NewBuyer(t, s.Pool, company)
			bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
			nut := testenv.NewProduct(t, s.Pool, "EUR", 2_00, 100)
			c := newBuyerClient(t, s, buyer)
			placed := c.placeOrder(c.createCart(bolt, 3, nut, 2))
			actor := order.Actor{ID: buyer.ID, Role: commerce.RoleBuyer, CompanyID: company.ID}
			for i, st := range sc.steps(actor, bolt, nut) {
				_, err := order.Update(ctx, s.Temporal, placed.ID, st.name, "", st.arg)
				require.NoError(t, err, "step %d: %s", i, st.name)
			}
			if sc.closed {
				waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				var end order.State
				require.NoError(t, s.Temporal.GetWorkflow(waitCtx, order.WorkflowID(placed.ID), "").Get(waitCtx, &end))
				require.Equal(t, sc.wantStatus, end.Status)
			} else {
				v, err := s.Temporal.QueryWorkflow(ctx, order.WorkflowID(placed.ID), "", order.StateQuery)
				require.NoError(t, err)
				var now order.State
				require.NoError(t, v.Get(&now))
				require.Equal(t, sc.wantStatus, now.Status)
			}
			recordHistory(t, s, order.WorkflowID(placed.ID), filepath.Join(orderHistoriesDir, sc.name+".json"))
		})
	}
}

// opsActor is an ops actor of the stack (orders' ops actions need no token
// here: the contract is called directly).
func opsActor(t *testing.T, s *testenv.Stack) order.Actor {
	t.Helper()
	return order.Actor{ID: testenv.NewStaff(t, s.Pool, "ops").ID, Role: commerce.RoleOps}
}
