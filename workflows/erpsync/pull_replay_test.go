package erpsync_test

import (
	"testing"

	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// recordedPulls are the histories in testdata/pulls/: real stock and price
// pulls against the sandbox ERP, recorded by `make record-histories`
// (e2e/record_erp_pull_histories_test.go): one that drains its feed in one
// run, and one that continues as new, both of its runs.
var recordedPulls = []string{
	"stock_pull_drained",
	"stock_pull_continued_as_new",
	"stock_pull_after_continue_as_new",
	"price_pull_drained",
	"price_pull_continued_as_new",
	"price_pull_after_continue_as_new",
}

// TestErpPullsReplayRecordedHistories replays the recorded pulls against the
// current workflow code, each against the pull of its type: a change to the
// shared paging loop that would break running pulls fails here.
func TestErpPullsReplayRecordedHistories(t *testing.T) {
	workflowtest.ReplayHistoriesIn(t, "testdata/pulls", []workflowtest.Workflow{
		{Func: erpsync.ErpStockPull, Name: erpsync.StockPullWorkflowName},
		{Func: erpsync.ErpPricePull, Name: erpsync.PricePullWorkflowName},
	}, recordedPulls)
}
