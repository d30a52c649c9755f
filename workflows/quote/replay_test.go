package quote_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/workflows/quote"
)

// recordedBranches are the histories in testdata/: one real quote down each
// main branch, recorded by `make record-histories`.
var recordedBranches = []string{
	"ordered_after_manager_and_changes",
	"discount_rejected_then_offered_and_declined",
	"withdrawn",
	"cancelled",
}

// TestQuoteReplaysRecordedHistories replays histories recorded from real quotes
// against the current workflow code: a change that would break running quotes
// fails here (see the checkout's replay test for what to do then).
func TestQuoteReplaysRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	require.Subset(t, names, recordedBranches, "every main branch has a recorded history")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(quote.Quote, workflow.RegisterOptions{Name: quote.WorkflowName})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
