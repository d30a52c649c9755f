package order_test

import (
	"testing"

	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedBranches are the histories in testdata/: real orders down the main
// branches, recorded by `make record-histories`. The histories named
// before_erp_push_* were recorded before an order handed itself to the ERP
// (workflows/erpsync), and prove that orders opened then still replay;
// erp_news_* takes the ERP's news (a payment held until the ERP's shipment).
var recordedBranches = []string{
	"shipped_in_two_delivered_completed",
	"cancelled_in_two",
	"partly_cancelled_shipped_returned_paid",
	"erp_news_paid_before_shipped",
	"before_erp_push_shipped_in_two_delivered_completed",
	"before_erp_push_cancelled_in_two",
	"before_erp_push_partly_cancelled_shipped_returned_paid",
}

// TestOrderReplaysRecordedHistories replays the recorded orders against the
// current workflow code.
func TestOrderReplaysRecordedHistories(t *testing.T) {
	workflowtest.ReplayRecordedHistories(t, order.Order, order.WorkflowName, recordedBranches)
}
