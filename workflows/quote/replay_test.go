package quote_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/workflows/quote"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedBranches are the histories in testdata/: one real quote down each
// main branch, recorded by `make record-histories`. Those named
// before_deadline_timer_* started a timer on every pass of the loop
// (AwaitWithTimeout) and left it pending; every file in testdata/ replays.
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

// TestQuoteRecordedHistoriesKeepOneDeadlineTimer reads the quotes recorded on
// a real server with the current code (not the before_* ones): each waited on
// one deadline timer at a time, none left pending behind a wait that an
// action ended.
func TestQuoteRecordedHistoriesKeepOneDeadlineTimer(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "before_") {
			continue
		}
		require.LessOrEqual(t, workflowtest.MaxPendingTimers(t, file), 1, file)
	}
}
