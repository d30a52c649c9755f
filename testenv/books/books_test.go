package books_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/testenv/books"
)

// Check finds each kind of disagreement, written here as a broken activity
// would leave it, and none in books that agree (a fresh catalogue, and
// then a cart whose reservation, hold and spend were all released).
func TestCheckFindsEveryKindOfDisagreement(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	company := testenv.NewCompany(t, pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, pool, company)
	sku := testenv.NewProduct(t, pool, "EUR", 10_00, 100)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	problems, err := books.Check(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, problems, "a fresh catalogue")

	// A cart whose checkout failed and gave everything back.
	cart := uuid.New()
	exec(`INSERT INTO carts (id, company_id, customer_id, currency, status, failure_code, checkout_attempt)
		VALUES ($1, $2, $3, 'EUR', 'open', 'insufficient_stock', 1)`, cart, company.ID, buyer.ID)
	exec(`INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency, status)
		VALUES ('pay-1', $1, $2, 2000, 'EUR', 'released')`, cart, company.ID)
	exec(`INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, status, reserved_at)
		VALUES ('spend-1', $1, $2, $3, 2000, 'EUR', 'released', now())`, cart, company.ID, buyer.ID)
	problems, err = books.Check(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, problems, "a failed checkout that gave everything back")

	// The same cart, had its compensations been lost, and the stock's
	// counter moved without a reservation; and a cart completed without an
	// order.
	exec(`INSERT INTO stock_reservations (cart_id, attempt, sku, quantity) VALUES ($1, 1, $2, 2)`, cart, sku)
	exec(`UPDATE stock SET reserved = reserved + 3 WHERE sku = $1`, sku)
	exec(`UPDATE credit_holds SET status = 'authorized' WHERE payment_key = 'pay-1'`)
	exec(`UPDATE spend_reservations SET status = 'reserved' WHERE spend_key = 'spend-1'`)
	exec(`INSERT INTO carts (id, company_id, customer_id, currency, status) VALUES ($1, $2, $3, 'EUR', 'completed')`,
		uuid.New(), company.ID, buyer.ID)
	problems, err = books.Check(ctx, pool)
	require.NoError(t, err)
	found := map[string]int{}
	for _, p := range problems {
		name, _, _ := strings.Cut(p, ": ")
		found[name]++
	}
	require.Equal(t, map[string]int{"stock reserved": 1, "cart reservations": 1, "credit held": 1, "spend": 1, "cart and order": 1},
		found, "problems: %q", problems)

	// A cart still checking out holds what its checkout took so far.
	exec(`UPDATE carts SET status = 'checking_out', failure_code = '' WHERE id = $1`, cart)
	problems, err = books.Check(ctx, pool)
	require.NoError(t, err)
	require.Len(t, problems, 2, "the stock counter and the completed cart without an order: %q", problems)
}
