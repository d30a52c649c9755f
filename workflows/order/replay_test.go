package order_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedBranches are the histories in testdata/: real orders down the main
// branches, recorded by `make record-histories`. The histories named
// before_erp_push_* were recorded before an order handed itself to the ERP
// (workflows/erpsync), and prove that orders opened then still replay;
// erp_news_* takes the ERP's news (a payment held until the ERP's shipment).
// Those named before_local_erp_start_* started the push as a child workflow,
// before_deadline_timer_* started a timer on every pass of the loop
// (AwaitWithTimeout) and left it pending; every file in testdata/ replays.
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

// TestOrderRecordedHistoriesKeepOneDeadlineTimer reads the orders recorded on
// a real server with the current code (not the before_* ones): each waited on
// one deadline timer at a time, none left pending behind a wait that an
// action ended.
func TestOrderRecordedHistoriesKeepOneDeadlineTimer(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "before_") {
			continue
		}
		require.LessOrEqual(t, workflowtest.MaxPendingTimers(t, file), 1, file)
	}
}
