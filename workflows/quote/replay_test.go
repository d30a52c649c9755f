package quote_test

import (
	"testing"

	"github.com/orderflow/orderflow/workflows/quote"
	"github.com/orderflow/orderflow/workflows/workflowtest"
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
	workflowtest.ReplayRecordedHistories(t, quote.Quote, quote.WorkflowName, recordedBranches)
}
