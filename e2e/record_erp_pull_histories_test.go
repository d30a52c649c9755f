package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// erpPullHistoriesDir is where the ERP pulls' replay test reads its
// histories: apart from the push's, since they are other workflows.
const erpPullHistoriesDir = "../workflows/erpsync/testdata/pulls"

// TestRecordErpPullHistories drives real ERP pulls (ErpStockPull,
// ErpPricePull) against the stack's sandbox ERP: one that drains the feed in
// one run, and one that pulls small pages and continues as new, of which both
// runs are recorded. It writes their histories for the replay test (see
// TestRecordCheckoutHistories; `make record-histories` runs all the
// recorders).
func TestRecordErpPullHistories(t *testing.T) {
	if os.Getenv("RECORD_HISTORIES") == "" {
		t.Skip("records histories only with RECORD_HISTORIES=1 (make record-histories)")
	}
	require.NoError(t, os.MkdirAll(erpPullHistoriesDir, 0o755))
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ctx := context.Background()

	// The ERP's changes: five of each feed, one of them for a SKU (or list)
	// Orderflow does not know, so every count in the results moves.
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	nut := testenv.NewProduct(t, s.Pool, "EUR", 1_00, 100)
	code := uniqueName("TRADE-")
	testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: "Trade", Code: code, CustomerGroup: uniqueName("trade-"), Currency: "EUR"})
	recordStock := func(t *testing.T) {
		for i, sku := range []string{bolt, nut, "NO-SUCH-SKU", bolt, nut} {
			_, err := s.ERPStore.RecordStockChange(ctx, sku, int64(50+i))
			require.NoError(t, err)
		}
	}
	recordPrices := func(t *testing.T) {
		for i, list := range []string{code, code, "NO-SUCH-LIST", commerce.BasePricesCode, code} {
			_, err := s.ERPStore.RecordPriceChange(ctx, erpapi.PriceChange{PriceList: list, SKU: bolt, Currency: "EUR", UnitPriceMinor: int64(9_00 + i)})
			require.NoError(t, err)
		}
	}

	// pull runs the pull to its end (through any continue-as-new) and answers
	// its first run's ID and its result.
	pull := func(t *testing.T, name, id string, in erpsync.PullInput) (string, erpsync.PullResult) {
		run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: erpsync.TaskQueue}, name, in)
		require.NoError(t, err)
		firstRun := run.GetRunID() // Get follows the runs, and the run ID with them
		waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		var res erpsync.PullResult
		require.NoError(t, run.Get(waitCtx, &res))
		return firstRun, res
	}

	for _, feed := range []struct {
		prefix, name string
		// record gives the pull's feed five more changes.
		record func(t *testing.T)
	}{
		{"stock_pull", erpsync.StockPullWorkflowName, recordStock},
		{"price_pull", erpsync.PricePullWorkflowName, recordPrices},
	} {
		t.Run(feed.prefix+"_drained", func(t *testing.T) {
			feed.record(t)
			id := "recorder-" + feed.prefix + "-drained"
			_, res := pull(t, feed.name, id, erpsync.PullInput{})
			require.Equal(t, 1, res.Pages, "result: %+v", res)
			require.Equal(t, 1, res.Skipped, "result: %+v", res)
			recordHistory(t, s, id, filepath.Join(erpPullHistoriesDir, feed.prefix+"_drained.json"))
		})
		t.Run(feed.prefix+"_continued_as_new", func(t *testing.T) {
			// Pages of 2, two a run: the five new changes take two full
			// pages, then the run continues as new and pulls the last.
			feed.record(t)
			id := "recorder-" + feed.prefix + "-continued"
			firstRun, res := pull(t, feed.name, id, erpsync.PullInput{PageSize: 2, PagesPerRun: 2})
			require.Equal(t, erpsync.PullResult{Pages: 3, Applied: 4, Skipped: 1}, res)
			recordRunHistory(t, s, id, firstRun, filepath.Join(erpPullHistoriesDir, feed.prefix+"_continued_as_new.json"))
			recordHistory(t, s, id, filepath.Join(erpPullHistoriesDir, feed.prefix+"_after_continue_as_new.json"))
		})
	}
}
