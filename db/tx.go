package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Beginner is what InTx needs: a *pgxpool.Pool, or a pgx.Tx (nesting becomes a
// savepoint, which is how tests run code inside their own transaction).
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back
// otherwise, so nothing is ever half-written.
func InTx(ctx context.Context, b Beginner, fn func(q *Queries) error) error {
	return pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error { return fn(New(tx)) })
}
