// Package housekeeping is the upkeep of Orderflow's own data that no business
// process owns: today, deleting expired Idempotency-Keys. Its steps run in
// the housekeeping process (workflows/housekeeping).
package housekeeping

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// Activities are the housekeeping steps.
type Activities struct {
	DB *pgxpool.Pool
}

// DeleteExpiredKeysInput is one batch of the expiry.
type DeleteExpiredKeysInput struct {
	// ExpiredBefore: keys created before it are deleted.
	ExpiredBefore time.Time
	// Batch is the most keys one call deletes, so a backlog is deleted in
	// short transactions.
	Batch int32
}

// DeleteExpiredKeys deletes up to a batch of expired Idempotency-Keys,
// oldest first, and answers how many it deleted. Deleting what is gone
// already is harmless, so retries are safe.
func (a *Activities) DeleteExpiredKeys(ctx context.Context, in DeleteExpiredKeysInput) (int64, error) {
	return db.New(a.DB).IdempotencyKeyDeleteExpired(ctx, db.IdempotencyKeyDeleteExpiredParams{
		ExpiredBefore: in.ExpiredBefore, MaxKeys: in.Batch})
}
