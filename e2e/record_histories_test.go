package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// historiesDir is where the checkout's replay test reads its histories.
const historiesDir = "../workflows/checkout/testdata"

// TestRecordCheckoutHistories drives one real checkout down each branch of the
// workflow (placed; refused at each step; approved, rejected, withdrawn,
// expired; cancelled while waiting and in the middle of a step) and writes each
// history to workflows/checkout/testdata, where the replay test proves that
// changed workflow code still replays them. It records only when asked
// (`make record-histories`): histories are recorded when the workflow changes
// on purpose, and committed.
func TestRecordCheckoutHistories(t *testing.T) {
	if os.Getenv("RECORD_HISTORIES") == "" {
		t.Skip("records histories only with RECORD_HISTORIES=1 (make record-histories)")
	}
	require.NoError(t, os.MkdirAll(historiesDir, 0o755))
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})
	ctx := context.Background()

	// world is one scenario's company: a buyer, an approver, a product.
	type world struct {
		company         testenv.Company
		buyer, approver buyerClient
		buyerID         uuid.UUID
		sku             string
	}
	newWorld := func(t *testing.T, creditLimit, onHand int64, approvalAbove int64) world {
		company := testenv.NewCompany(t, s.Pool, "EUR", creditLimit)
		if approvalAbove > 0 {
			testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: approvalAbove})
		}
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		return world{
			company: company, buyer: newBuyerClient(t, s, buyer), approver: newBuyerClient(t, s, approver),
			sku: testenv.NewProduct(t, s.Pool, "EUR", 60_00, onHand), buyerID: buyer.ID,
		}
	}

	scenarios := []struct {
		name string
		// run drives the checkout of a cart it creates and returns the cart.
		run        func(t *testing.T) uuid.UUID
		wantStatus commerce.CheckoutStatus
		wantCode   commerce.RejectionCode
	}{
		{name: "placed", wantStatus: commerce.CheckoutPlaced, run: func(t *testing.T) uuid.UUID {
			w := newWorld(t, 1_000_000_00, 10, 0)
			cart := w.buyer.createCart(w.sku, 2)
			w.buyer.placeOrder(cart)
			return cart
		}},
		{name: "refused_at_begin_insufficient_stock", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeInsufficientStock,
			run: func(t *testing.T) uuid.UUID {
				w := newWorld(t, 1_000_000_00, 1, 0)
				cart := w.buyer.createCart(w.sku, 2)
				w.buyer.checkout(cart)
				return cart
			}},
		{name: "refused_at_spend_limit_exceeded", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeSpendingLimitExceeded,
			run: func(t *testing.T) uuid.UUID {
				w := newWorld(t, 1_000_000_00, 10, 0)
				testenv.SetSpendingLimit(t, s.Pool, w.company, w.buyerID, "month", 100_00)
				cart := w.buyer.createCart(w.sku, 2)
				w.buyer.checkout(cart)
				return cart
			}},
		{name: "refused_at_reserve_insufficient_stock", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeInsufficientStock,
			run: func(t *testing.T) uuid.UUID {
				// Priced with stock to spare, but while it waits for approval
				// another company buys the last units.
				w := newWorld(t, 1_000_000_00, 2, 100_00)
				cart := w.buyer.createCart(w.sku, 2)
				w.buyer.startAwaitingApproval(cart)
				other := newWorld(t, 1_000_000_00, 1, 0)
				other.buyer.placeOrder(other.buyer.createCart(w.sku, 1))
				w.approver.decide(cart, "approve", "ok")
				return cart
			}},
		{name: "refused_at_payment_credit_limit_exceeded", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeCreditLimitExceeded,
			run: func(t *testing.T) uuid.UUID {
				w := newWorld(t, 50_00, 10, 0)
				cart := w.buyer.createCart(w.sku, 1)
				w.buyer.checkout(cart)
				return cart
			}},
		{name: "approved", wantStatus: commerce.CheckoutPlaced, run: func(t *testing.T) uuid.UUID {
			w := newWorld(t, 1_000_000_00, 10, 100_00)
			cart := w.buyer.createCart(w.sku, 2)
			w.buyer.startAwaitingApproval(cart)
			w.approver.decide(cart, "approve", "ok for Q4")
			return cart
		}},
		{name: "rejected", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeApprovalRejected, run: func(t *testing.T) uuid.UUID {
			w := newWorld(t, 1_000_000_00, 10, 100_00)
			cart := w.buyer.createCart(w.sku, 2)
			w.buyer.startAwaitingApproval(cart)
			w.approver.decide(cart, "reject", "not this quarter")
			return cart
		}},
		{name: "withdrawn", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeApprovalWithdrawn, run: func(t *testing.T) uuid.UUID {
			w := newWorld(t, 1_000_000_00, 10, 100_00)
			cart := w.buyer.createCart(w.sku, 2)
			w.buyer.startAwaitingApproval(cart)
			w.buyer.withdraw(cart)
			return cart
		}},
		{name: "expired", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeApprovalExpired, run: func(t *testing.T) uuid.UUID {
			w := newWorld(t, 1_000_000_00, 10, 100_00)
			testenv.SetApprovalTimeout(t, s.Pool, w.company, time.Second)
			cart := w.buyer.createCart(w.sku, 2)
			w.buyer.startAwaitingApproval(cart)
			return cart
		}},
		{name: "cancelled_awaiting_approval", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeCheckoutAborted,
			run: func(t *testing.T) uuid.UUID {
				w := newWorld(t, 1_000_000_00, 10, 100_00)
				cart := w.buyer.createCart(w.sku, 2)
				w.buyer.startAwaitingApproval(cart)
				require.NoError(t, s.Temporal.CancelWorkflow(ctx, checkout.WorkflowID(cart), ""))
				return cart
			}},
		{name: "cancelled_mid_step", wantStatus: commerce.CheckoutFailed, wantCode: commerce.CodeCheckoutAborted,
			run: func(t *testing.T) uuid.UUID {
				// The cart row is locked, so BeginCheckout waits for it; ops
				// cancel the checkout while the step is in flight.
				w := newWorld(t, 1_000_000_00, 10, 0)
				cart := w.buyer.createCart(w.sku, 2)
				tx, err := s.Pool.Begin(ctx)
				require.NoError(t, err)
				_, err = tx.Exec(ctx, "SELECT 1 FROM carts WHERE id = $1 FOR UPDATE", cart)
				require.NoError(t, err)
				answered := make(chan struct{})
				go func() {
					defer close(answered)
					w.buyer.checkout(cart)
				}()
				require.Eventually(t, func() bool {
					_, err := s.Temporal.DescribeWorkflowExecution(ctx, checkout.WorkflowID(cart), "")
					return err == nil
				}, 10*time.Second, 20*time.Millisecond)
				time.Sleep(300 * time.Millisecond) // BeginCheckout is waiting for the lock
				require.NoError(t, s.Temporal.CancelWorkflow(ctx, checkout.WorkflowID(cart), ""))
				// A local activity learns of the cancellation at the workflow
				// task after the request: the long step makes the worker
				// complete its task (a heartbeat) and start the next, which
				// cancels the step. Hold the lock until then.
				require.Eventually(t, func() bool {
					seenCancel := false
					iter := s.Temporal.GetWorkflowHistory(ctx, checkout.WorkflowID(cart), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
					for iter.HasNext() {
						e, err := iter.Next()
						if err != nil {
							return false
						}
						switch e.GetEventType() {
						case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
							seenCancel = true
						case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
							if seenCancel {
								return true
							}
						}
					}
					return false
				}, 30*time.Second, 100*time.Millisecond)
				time.Sleep(300 * time.Millisecond)
				require.NoError(t, tx.Rollback(ctx))
				<-answered
				return cart
			}},
	}

	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			cart := sc.run(t)
			var res checkout.Result
			waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			require.NoError(t, s.Temporal.GetWorkflow(waitCtx, checkout.WorkflowID(cart), "").Get(waitCtx, &res))
			require.Equal(t, sc.wantStatus, res.Status, "result: %+v", res)
			if sc.wantCode != "" {
				require.NotNil(t, res.Rejection)
				require.Equal(t, sc.wantCode, res.Rejection.Code, "rejection: %+v", res.Rejection)
			}

			recordHistory(t, s, checkout.WorkflowID(cart), filepath.Join(historiesDir, sc.name+".json"))
		})
	}
}

// recordHistory writes a closed workflow's whole history where a replay test
// reads it.
func recordHistory(t *testing.T, s *testenv.Stack, workflowID, path string) {
	t.Helper()
	recordRunHistory(t, s, workflowID, "", path)
}

// recordRunHistory writes the history of one run of the workflow ("": the
// latest) to path, as recordHistory does.
func recordRunHistory(t *testing.T, s *testenv.Stack, workflowID, runID, path string) {
	t.Helper()
	ctx := context.Background()
	history := &historypb.History{}
	iter := s.Temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		history.Events = append(history.Events, e)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(history)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(data, '\n'), 0o644))
	t.Logf("recorded %s (%d events)", path, len(history.Events))
}
