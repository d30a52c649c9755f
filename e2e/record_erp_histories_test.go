package e2e_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// erpHistoriesDir is where the ERP push's replay test reads its histories.
const erpHistoriesDir = "../workflows/erpsync/testdata"

// recorderPushPolicy is the workers' push policy while recording: a retry
// budget long enough for a few attempts against an outage, short enough to
// wait for the push to turn stuck.
var recorderPushPolicy = erp.PushPolicy{RetryBudget: 3 * time.Second, MaxInterval: time.Second}

// TestRecordErpHistories drives real ERP pushes (workflows/erpsync) against
// the stack's sandbox ERP down their branches: synced at once; synced after
// the ERP committed the order but lost its answer; stuck through an outage,
// then retried by ops, or cancelled by ops. It writes their histories for the
// replay test (see TestRecordCheckoutHistories; `make record-histories` runs
// all the recorders).
func TestRecordErpHistories(t *testing.T) {
	if os.Getenv("RECORD_HISTORIES") == "" {
		t.Skip("records histories only with RECORD_HISTORIES=1 (make record-histories)")
	}
	require.NoError(t, os.MkdirAll(erpHistoriesDir, 0o755))
	s := testenv.NewStack(t, devServer, testenv.StackOptions{ERPPushPolicy: recorderPushPolicy})
	ctx := context.Background()

	// placeOrder places an order through the API; the order starts its push.
	placeOrder := func(t *testing.T) uuid.UUID {
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		buyer := testenv.NewBuyer(t, s.Pool, company)
		bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
		c := newBuyerClient(t, s, buyer)
		return c.placeOrder(c.createCart(bolt, 3)).ID
	}
	// awaitPush waits for the order's latest push to end and answers its state.
	awaitPush := func(t *testing.T, orderID uuid.UUID) erpsync.State {
		waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		var st erpsync.State
		// The order starts its push in its first workflow task, which may
		// run after the checkout answered.
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			require.NoError(c, s.Temporal.GetWorkflow(waitCtx, erpsync.WorkflowID(orderID), "").Get(waitCtx, &st))
		}, 60*time.Second, 50*time.Millisecond)
		return st
	}
	// requireSyncedOnce checks that the ERP holds the order once, under the
	// number the push recorded.
	requireSyncedOnce := func(t *testing.T, orderID uuid.UUID, st erpsync.State) {
		require.Equal(t, erp.SyncSynced, st.Status, "state: %+v", st)
		inERP, err := s.ERPStore.OrderByReference(ctx, erp.Reference(orderID))
		require.NoError(t, err)
		require.Equal(t, inERP.Number, st.ERPNumber)
	}
	// awaitStuck waits for the order's push to spend its budget of seconds
	// (recorderPushPolicy) and turn stuck.
	awaitStuck := func(t *testing.T, orderID uuid.UUID) {
		require.Eventually(t, func() bool {
			st, err := erpsync.Status(ctx, s.Temporal, orderID)
			return err == nil && st.Status == erp.SyncStuck
		}, 30*time.Second, 100*time.Millisecond, "the push turns stuck")
	}
	outage := func(t *testing.T) {
		require.NoError(t, s.ERP.SetFaults(erpsandbox.Faults{OutageUntil: time.Now().Add(time.Hour)}))
	}

	scenarios := []struct {
		name string
		// run drives one order's push to its end and answers the order.
		run func(t *testing.T) uuid.UUID
	}{
		{name: "synced_first_push", run: func(t *testing.T) uuid.UUID {
			orderID := placeOrder(t)
			st := awaitPush(t, orderID)
			requireSyncedOnce(t, orderID, st)
			require.Equal(t, 1, st.Attempts)
			return orderID
		}},
		{name: "lost_answer_then_synced", run: func(t *testing.T) uuid.UUID {
			// Every creation commits and loses its answer: the push's
			// retry finds the order by our reference and creates nothing.
			require.NoError(t, s.ERP.SetFaults(erpsandbox.Faults{LoseAnswerRate: 1}))
			orderID := placeOrder(t)
			st := awaitPush(t, orderID)
			requireSyncedOnce(t, orderID, st)
			require.Greater(t, pushTries(t, s, erpsync.WorkflowID(orderID)), 1, "the lost answer was retried")
			return orderID
		}},
		{name: "stuck_then_retried_synced", run: func(t *testing.T) uuid.UUID {
			outage(t)
			orderID := placeOrder(t)
			awaitStuck(t, orderID)
			require.NoError(t, s.ERP.SetFaults(erpsandbox.Faults{}))
			require.NoError(t, erpsync.Retry(ctx, s.Temporal, orderID))
			st := awaitPush(t, orderID)
			requireSyncedOnce(t, orderID, st)
			require.Equal(t, 2, st.Attempts)
			return orderID
		}},
		{name: "stuck_then_cancelled", run: func(t *testing.T) uuid.UUID {
			outage(t)
			orderID := placeOrder(t)
			awaitStuck(t, orderID)
			require.NoError(t, s.ERP.SetFaults(erpsandbox.Faults{}))
			require.NoError(t, erpsync.Cancel(ctx, s.Temporal, orderID))
			st := awaitPush(t, orderID)
			require.Equal(t, erp.SyncCancelled, st.Status, "state: %+v", st)
			_, err := s.ERPStore.OrderByReference(ctx, erp.Reference(orderID))
			require.ErrorIs(t, err, erpsandbox.ErrNotFound, "a cancelled push leaves the ERP without the order")
			return orderID
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Cleanup(func() { require.NoError(t, s.ERP.SetFaults(erpsandbox.Faults{})) })
			orderID := sc.run(t)
			// The latest run: for a replaced push, the one with the short budget.
			recordHistory(t, s, erpsync.WorkflowID(orderID), filepath.Join(erpHistoriesDir, sc.name+".json"))
		})
	}
}

// lastActivityAttempt answers the attempt of the last activity task started in
// the workflow's latest run (1 when its activities succeeded at once).
// pushTries counts a push's tries of PushOrder: its first, local, try (a
// local activity marker) and the attempts of the regular activity after it.
func pushTries(t *testing.T, s *testenv.Stack, workflowID string) int {
	t.Helper()
	tries := 0
	iter := s.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" &&
			bytes.Contains(m.GetDetails()["data"].GetPayloads()[0].GetData(), []byte(`"ActivityType":"PushOrder"`)) {
			tries++
		}
	}
	return tries + int(lastActivityAttempt(t, s, workflowID))
}

func lastActivityAttempt(t *testing.T, s *testenv.Stack, workflowID string) int32 {
	t.Helper()
	var attempt int32
	iter := s.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED {
			attempt = e.GetActivityTaskStartedEventAttributes().GetAttempt()
		}
	}
	return attempt
}
