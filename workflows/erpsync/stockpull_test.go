package erpsync_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// stockPullEnv runs ErpStockPull over pages answered in turn by pages; it
// records every page's input.
func stockPullEnv(t *testing.T, pages []erp.PullStockPageResult) (*testsuite.TestWorkflowEnvironment, *[]erp.PullStockPageInput) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(erpsync.ErpStockPull, workflow.RegisterOptions{Name: erpsync.StockPullWorkflowName})
	acts := &erp.Activities{}
	env.RegisterActivity(acts)
	var asked []erp.PullStockPageInput
	env.OnActivity(acts.PullStockPage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.PullStockPageInput) (erp.PullStockPageResult, error) {
			asked = append(asked, in)
			return pages[len(asked)-1], nil
		})
	return env, &asked
}

// The pull asks for pages until one is not full, and sums them up.
func TestStockPullPagesUntilDrained(t *testing.T) {
	t.Parallel()
	env, asked := stockPullEnv(t, []erp.PullStockPageResult{
		{Applied: 3, More: true}, {Applied: 2, Clamped: 1, Skipped: 1, More: true}, {Applied: 1},
	})
	env.ExecuteWorkflow(erpsync.StockPullWorkflowName, erpsync.StockPullInput{PageSize: 3})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var got erpsync.StockPullResult
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, erpsync.StockPullResult{Pages: 3, Applied: 6, Clamped: 1, Skipped: 1}, got)
	require.Equal(t, []erp.PullStockPageInput{{Limit: 3}, {Limit: 3}, {Limit: 3}}, *asked)
}

// The schedule's zero input pulls pages of the default size.
func TestStockPullDefaults(t *testing.T) {
	t.Parallel()
	env, asked := stockPullEnv(t, []erp.PullStockPageResult{{}})
	env.ExecuteWorkflow(erpsync.StockPullWorkflowName, erpsync.StockPullInput{})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []erp.PullStockPageInput{{Limit: erpsync.DefaultStockPageSize}}, *asked)
}

// After PagesPerRun full pages the run continues as new, carrying its totals
// and sizes, and without asking for another page.
func TestStockPullContinuesAsNew(t *testing.T) {
	t.Parallel()
	full := erp.PullStockPageResult{Applied: 2, More: true}
	env, asked := stockPullEnv(t, []erp.PullStockPageResult{full, full, full})
	env.ExecuteWorkflow(erpsync.StockPullWorkflowName, erpsync.StockPullInput{
		PageSize: 2, PagesPerRun: 2, Carried: erpsync.StockPullResult{Pages: 5, Applied: 9}})
	require.True(t, env.IsWorkflowCompleted())
	require.Len(t, *asked, 2)

	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	require.Equal(t, erpsync.StockPullWorkflowName, can.WorkflowType.Name)
	var next erpsync.StockPullInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, erpsync.StockPullInput{PageSize: 2, PagesPerRun: 2,
		Carried: erpsync.StockPullResult{Pages: 7, Applied: 13}}, next)
}
