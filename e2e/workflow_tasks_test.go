package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/order"
)

// TestOrderIsOneWorkflowTaskPerProcess: what the performance work bought
// (docs/performance.md, "checkout in one workflow task") stays bought. A placed
// checkout is one workflow task and hands over without a child workflow; the
// order opens in one and is not woken by its ERP push; a push to an ERP that
// answers is one, with no activity task.
func TestOrderIsOneWorkflowTaskPerProcess(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ctx := context.Background()
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	c := newBuyerClient(t, s, buyer)
	cart := c.createCart(bolt, 3)
	placed := c.placeOrder(cart)

	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var st erpsync.State
		require.NoError(c, s.Temporal.GetWorkflow(waitCtx, erpsync.WorkflowID(placed.ID), "").Get(waitCtx, &st))
	}, time.Minute, 50*time.Millisecond, "the push ends")

	// events counts a workflow's history events by type.
	events := func(workflowID string) map[enumspb.EventType]int {
		n := map[enumspb.EventType]int{}
		iter := s.Temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			require.NoError(t, err)
			n[e.GetEventType()]++
		}
		return n
	}
	co := events(checkout.WorkflowID(cart))
	require.Equal(t, 1, co[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED], "checkout: %v", co)
	require.Zero(t, co[enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED], "checkout: %v", co)
	require.Equal(t, 1, co[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED])

	// The order waits for shipments now: its one task has run (the push
	// has ended) and nothing has woken it since.
	o := events(order.WorkflowID(placed.ID))
	require.Equal(t, 1, o[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED], "order: %v", o)
	require.Zero(t, o[enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED], "order: %v", o)

	p := events(erpsync.WorkflowID(placed.ID))
	require.Equal(t, 1, p[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED], "push: %v", p)
	require.Zero(t, p[enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED], "push: %v", p)
	require.Equal(t, 1, p[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED])
}
