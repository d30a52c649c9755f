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

// pullCase is one of the pull workflows and the page activity it runs.
type pullCase struct {
	name string
	wf   func(workflow.Context, erpsync.PullInput) (erpsync.PullResult, error)
	page func(*erp.Activities) any
}

// pulls are both pulls: they share their loop, and each test runs on both.
var pulls = []pullCase{
	{erpsync.StockPullWorkflowName, erpsync.ErpStockPull, func(a *erp.Activities) any { return a.PullStockPage }},
	{erpsync.PricePullWorkflowName, erpsync.ErpPricePull, func(a *erp.Activities) any { return a.PullPricePage }},
}

// pullEnv runs the pull over pages answered in turn by pages; it records
// every page's input.
func pullEnv(t *testing.T, pc pullCase, pages []erp.PullPageResult) (*testsuite.TestWorkflowEnvironment, *[]erp.PullPageInput) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(pc.wf, workflow.RegisterOptions{Name: pc.name})
	acts := &erp.Activities{}
	env.RegisterActivity(acts)
	var asked []erp.PullPageInput
	env.OnActivity(pc.page(acts), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.PullPageInput) (erp.PullPageResult, error) {
			asked = append(asked, in)
			return pages[len(asked)-1], nil
		})
	return env, &asked
}

// A pull asks for pages until one is not full, and sums them up.
func TestPullPagesUntilDrained(t *testing.T) {
	t.Parallel()
	for _, pc := range pulls {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			env, asked := pullEnv(t, pc, []erp.PullPageResult{
				{Applied: 3, More: true}, {Applied: 2, Clamped: 1, Skipped: 1, More: true}, {Applied: 1},
			})
			env.ExecuteWorkflow(pc.name, erpsync.PullInput{PageSize: 3})
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var got erpsync.PullResult
			require.NoError(t, env.GetWorkflowResult(&got))
			require.Equal(t, erpsync.PullResult{Pages: 3, Applied: 6, Clamped: 1, Skipped: 1}, got)
			require.Equal(t, []erp.PullPageInput{{Limit: 3}, {Limit: 3}, {Limit: 3}}, *asked)
		})
	}
}

// The schedules' zero input pulls pages of the default size.
func TestPullDefaults(t *testing.T) {
	t.Parallel()
	for _, pc := range pulls {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			env, asked := pullEnv(t, pc, []erp.PullPageResult{{}})
			env.ExecuteWorkflow(pc.name, erpsync.PullInput{})
			require.NoError(t, env.GetWorkflowError())
			require.Equal(t, []erp.PullPageInput{{Limit: erpsync.DefaultPullPageSize}}, *asked)
		})
	}
}

// After PagesPerRun full pages the run continues as new, as the same pull,
// carrying its totals and sizes, and without asking for another page.
func TestPullContinuesAsNew(t *testing.T) {
	t.Parallel()
	for _, pc := range pulls {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			full := erp.PullPageResult{Applied: 2, More: true}
			env, asked := pullEnv(t, pc, []erp.PullPageResult{full, full, full})
			env.ExecuteWorkflow(pc.name, erpsync.PullInput{
				PageSize: 2, PagesPerRun: 2, Carried: erpsync.PullResult{Pages: 5, Applied: 9}})
			require.True(t, env.IsWorkflowCompleted())
			require.Len(t, *asked, 2)

			err := env.GetWorkflowError()
			var can *workflow.ContinueAsNewError
			require.ErrorAs(t, err, &can)
			require.Equal(t, pc.name, can.WorkflowType.Name)
			var next erpsync.PullInput
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.Equal(t, erpsync.PullInput{PageSize: 2, PagesPerRun: 2,
				Carried: erpsync.PullResult{Pages: 7, Applied: 13}}, next)
		})
	}
}
