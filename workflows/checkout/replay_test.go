package checkout_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/workflows/checkout"
)

// TestCheckoutReplaysRecordedHistories replays histories recorded from real
// checkouts (placed, refused for stock, refused for credit) against the current
// workflow code. A change that would break running checkouts fails here: guard it
// with workflow.GetVersion, then record a new history beside the old ones with
// `bin/temporal workflow show -w checkout/<cart-id> --output json`.
func TestCheckoutReplaysRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/checkout_*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(checkout.Checkout, workflow.RegisterOptions{Name: checkout.WorkflowName})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
