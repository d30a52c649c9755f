package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/housekeeping"
)

// The expiry's Schedule, ensured as the worker does and triggered now, runs
// on the stack's housekeeping worker and deletes the keys past their 24
// hours, keeping the others; ensuring it again keeps an ops pause.
func TestIdempotencyKeyExpirySchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	who := uuid.New()
	for key, age := range map[string]time.Duration{"expired": 25 * time.Hour, "fresh": time.Hour} {
		_, err := s.Pool.Exec(ctx, `INSERT INTO idempotency_keys (principal_id, key, request_hash, status_code, response_body, created_at)
			VALUES ($1, $2, '\x00', 201, '{}', now() - $3::interval)`, who, key, fmt.Sprintf("%d seconds", int(age.Seconds())))
		require.NoError(t, err)
	}
	require.NoError(t, housekeeping.EnsureSchedules(ctx, s.Temporal))
	h := s.Temporal.ScheduleClient().GetHandle(ctx, housekeeping.ExpireKeysScheduleID)
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))

	pollUntil(t, 30*time.Second, func() (bool, string) {
		var keys []string
		rows, err := s.Pool.Query(ctx, `SELECT key FROM idempotency_keys WHERE principal_id = $1 ORDER BY key`, who)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var k string
			require.NoError(t, rows.Scan(&k))
			keys = append(keys, k)
		}
		return len(keys) == 1 && keys[0] == "fresh", fmt.Sprintf("only the fresh key is left: %v", keys)
	})

	require.NoError(t, h.Pause(ctx, client.SchedulePauseOptions{Note: "ops"}))
	require.NoError(t, housekeeping.EnsureSchedules(ctx, s.Temporal))
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.True(t, desc.Schedule.State.Paused, "the ops pause is kept")
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: housekeeping.ExpireKeysEvery}}, desc.Schedule.Spec.Intervals)
}
