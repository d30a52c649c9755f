package checkout_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/workflows/checkout"
)

// recordedBranches are the histories in testdata/: one real checkout down each
// branch of the workflow, recorded by `make record-histories`.
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
}

// TestCheckoutReplaysRecordedHistories replays histories recorded from real
// checkouts against the current workflow code. A change that would break
// running checkouts fails here: guard it with workflow.GetVersion, then record
// the new histories beside the old ones (`make record-histories` writes them
// afresh; keep the old files under another name while old runs may exist).
func TestCheckoutReplaysRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	require.Subset(t, names, recordedBranches, "every branch has a recorded history")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(checkout.Checkout, workflow.RegisterOptions{Name: checkout.WorkflowName})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
