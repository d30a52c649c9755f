package housekeeping_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/housekeeping"
	"github.com/orderflow/orderflow/testenv"
)

// Expired keys go, oldest first and a batch at a time; keys still within
// their 24 hours stay.
func TestDeleteExpiredKeys(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	now := time.Now()
	who := uuid.New()
	for key, age := range map[string]time.Duration{"old-1": 50 * time.Hour, "old-2": 30 * time.Hour, "old-3": 25 * time.Hour,
		"young": time.Hour} {
		_, err := pool.Exec(ctx, `INSERT INTO idempotency_keys (principal_id, key, request_hash, status_code, response_body, created_at)
			VALUES ($1, $2, '\x00', 201, '{}', $3)`, who, key, now.Add(-age))
		require.NoError(t, err)
	}
	keys := func() []string {
		rows, err := pool.Query(ctx, `SELECT key FROM idempotency_keys WHERE principal_id = $1 ORDER BY key`, who)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k string
			require.NoError(t, rows.Scan(&k))
			out = append(out, k)
		}
		return out
	}
	a := &housekeeping.Activities{DB: pool}
	in := housekeeping.DeleteExpiredKeysInput{ExpiredBefore: now.Add(-24 * time.Hour), Batch: 2}

	n, err := a.DeleteExpiredKeys(ctx, in)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []string{"old-3", "young"}, keys(), "the oldest first")
	n, err = a.DeleteExpiredKeys(ctx, in)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	n, err = a.DeleteExpiredKeys(ctx, in)
	require.NoError(t, err)
	require.Zero(t, n, "a retry deletes nothing more")
	require.Equal(t, []string{"young"}, keys())
}
