package e2e_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv/books"
)

// The invariants the API must keep are checked in Postgres directly, not only
// through the API that is under test.

// stockReserved is how many units of sku are reserved.
func stockReserved(t testing.TB, pool *pgxpool.Pool, sku string) int64 {
	t.Helper()
	s, err := db.New(pool).StockGet(context.Background(), sku)
	require.NoError(t, err)
	return s.Reserved
}

// reservedForCart is how many units the cart's checkouts hold, over all attempts.
func reservedForCart(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) int64 {
	t.Helper()
	n, err := books.ReservedForCart(context.Background(), db.New(pool), cartID)
	require.NoError(t, err)
	return n
}

// authorizedHolds are the cart's credit holds still authorized.
func authorizedHolds(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) []db.CreditHold {
	t.Helper()
	holds, err := books.AuthorizedHolds(context.Background(), db.New(pool), cartID)
	require.NoError(t, err)
	return holds
}

// requireBooksBalance checks the whole database's books (package books):
// stock, credit and spend held agree with the orders.
func requireBooksBalance(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	problems, err := books.Check(context.Background(), pool)
	require.NoError(t, err)
	require.Empty(t, problems, "the books disagree")
}

// ordersOfCart counts the orders made from the cart.
func ordersOfCart(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) int {
	t.Helper()
	return countRows(t, pool, "SELECT count(*) FROM orders WHERE cart_id = $1", cartID)
}

// orderOfCart is the ID of the order made from the cart.
func orderOfCart(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) uuid.UUID {
	t.Helper()
	o, err := db.New(pool).OrderGetByCart(context.Background(), cartID)
	require.NoError(t, err)
	return o.ID
}

// cartTimeline lists the kinds of the cart's timeline events, oldest first.
func cartTimeline(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) []string {
	t.Helper()
	events, err := db.New(pool).TimelineEventListByCart(context.Background(), cartID)
	require.NoError(t, err)
	kinds := make([]string, len(events))
	for i, e := range events {
		kinds[i] = e.Kind
	}
	return kinds
}

func countRows(t testing.TB, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// requirePlacedOnce checks the invariants of a cart that became an order: one
// order, the cart's units reserved exactly once, one authorized hold of the total.
func requirePlacedOnce(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID, quantity, total int64) {
	t.Helper()
	require.Equal(t, 1, ordersOfCart(t, pool, cartID), "orders of the cart")
	require.Equal(t, quantity, reservedForCart(t, pool, cartID), "units reserved for the cart")
	holds := authorizedHolds(t, pool, cartID)
	require.Len(t, holds, 1, "authorized holds of the cart")
	require.Equal(t, total, holds[0].Amount, "held amount")
}

// requireNothingHeld checks that a cart's failed checkout left nothing behind.
func requireNothingHeld(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) {
	t.Helper()
	require.Zero(t, ordersOfCart(t, pool, cartID), "orders of the cart")
	require.Zero(t, reservedForCart(t, pool, cartID), "units reserved for the cart")
	require.Empty(t, authorizedHolds(t, pool, cartID), "authorized holds of the cart")
}

// dbState is a coarse fingerprint of everything a request could write.
type dbState struct {
	Carts, Lines, Units, Orders, Reserved, Holds, Events, Attempts int
}

func snapshot(t testing.TB, pool *pgxpool.Pool) dbState {
	t.Helper()
	var s dbState
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM carts),
		(SELECT count(*) FROM cart_lines),
		(SELECT COALESCE(sum(quantity), 0) FROM cart_lines),
		(SELECT count(*) FROM orders),
		(SELECT COALESCE(sum(reserved), 0) FROM stock),
		(SELECT count(*) FROM credit_holds),
		(SELECT count(*) FROM timeline_events),
		(SELECT COALESCE(sum(checkout_attempt), 0) FROM carts)`).
		Scan(&s.Carts, &s.Lines, &s.Units, &s.Orders, &s.Reserved, &s.Holds, &s.Events, &s.Attempts))
	return s
}
