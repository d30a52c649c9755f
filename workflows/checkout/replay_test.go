package checkout_test

import (
	"testing"

	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedBranches are the histories in testdata/: one real checkout down each
// branch of the workflow, recorded by `make record-histories`. The histories
// named before_order_lifecycle_* were recorded before checkout handed orders
// over to their own workflow, and prove that checkouts running then still
// replay.
var recordedBranches = []string{
	"placed",
	"refused_at_begin_insufficient_stock",
	"refused_at_spend_limit_exceeded",
	"refused_at_reserve_insufficient_stock",
	"refused_at_payment_credit_limit_exceeded",
	"approved",
	"rejected",
	"withdrawn",
	"expired",
	"cancelled_awaiting_approval",
	"cancelled_mid_step",
	"before_order_lifecycle_placed",
	"before_order_lifecycle_approved",
}

// TestCheckoutReplaysRecordedHistories replays histories recorded from real
// checkouts against the current workflow code. A change that would break
// running checkouts fails here: guard it with workflow.GetVersion, then record
// the new histories beside the old ones (`make record-histories` writes them
// afresh; keep the old files under another name while old runs may exist).
func TestCheckoutReplaysRecordedHistories(t *testing.T) {
	workflowtest.ReplayRecordedHistories(t, checkout.Checkout, checkout.WorkflowName, recordedBranches)
}
