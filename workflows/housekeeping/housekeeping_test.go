package housekeeping_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	housekeepingacts "github.com/orderflow/orderflow/activities/housekeeping"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/housekeeping"
)

// run runs the expiry against a fake that deletes from a backlog of keys,
// and answers its result and the calls' inputs.
func run(t *testing.T, backlog int64, in housekeeping.ExpireKeysInput) (housekeeping.ExpireKeysResult, []housekeepingacts.DeleteExpiredKeysInput) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(housekeeping.ExpireIdempotencyKeys, workflow.RegisterOptions{Name: housekeeping.ExpireKeysWorkflowName})
	acts := &housekeepingacts.Activities{}
	env.RegisterActivity(acts)
	var calls []housekeepingacts.DeleteExpiredKeysInput
	env.OnActivity(acts.DeleteExpiredKeys, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in housekeepingacts.DeleteExpiredKeysInput) (int64, error) {
			calls = append(calls, in)
			n := min(backlog, int64(in.Batch))
			backlog -= n
			return n, nil
		})
	start := env.Now()
	env.ExecuteWorkflow(housekeeping.ExpireKeysWorkflowName, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res housekeeping.ExpireKeysResult
	require.NoError(t, env.GetWorkflowResult(&res))
	for _, c := range calls {
		require.True(t, start.Add(-commerce.IdempotencyKeyTTL).Equal(c.ExpiredBefore), "keys older than the TTL at the run's start: %s", c.ExpiredBefore)
	}
	return res, calls
}

func TestExpiryDeletesTheBacklogInBatches(t *testing.T) {
	t.Parallel()
	res, calls := run(t, 12_001, housekeeping.ExpireKeysInput{})
	require.Equal(t, housekeeping.ExpireKeysResult{Batches: 3, Deleted: 12_001}, res, "5,000, 5,000, then 2,001: not full, done")
	require.EqualValues(t, housekeeping.DefaultExpireBatch, calls[0].Batch)
}

func TestExpiryStopsAtMaxBatches(t *testing.T) {
	t.Parallel()
	res, _ := run(t, 1_000, housekeeping.ExpireKeysInput{Batch: 10, MaxBatches: 3})
	require.Equal(t, housekeeping.ExpireKeysResult{Batches: 3, Deleted: 30}, res, "the rest waits for the next hour")
}

func TestExpiryOfNothing(t *testing.T) {
	t.Parallel()
	res, calls := run(t, 0, housekeeping.ExpireKeysInput{})
	require.Equal(t, housekeeping.ExpireKeysResult{Batches: 1}, res)
	require.Len(t, calls, 1)
}
