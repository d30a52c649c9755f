package e2e_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
)

func TestCheckoutSurvivesWorkerRestart(t *testing.T) {
	t.Parallel()
	s, payments := stackWithStuckPayments(t, 1, 300*time.Millisecond)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 100)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(sku, 4)

	statusURL := c.startCheckout(cartID)
	payments.awaitStuck(t, 1)
	require.Equal(t, int64(4), stockReserved(t, s.Pool, sku))

	restartWorker(t, s, payments)

	status := c.awaitCheckout(statusURL)
	require.Equal(t, "placed", status.Status, "failure: %+v", status.Failure)
	require.Equal(t, int64(4), stockReserved(t, s.Pool, sku), "units reserved once, not twice")
	requirePlacedOnce(t, s.Pool, cartID, 4, 4000)
	require.Equal(t, int64(4000), placedCheckoutTotal(t, s, cartID))
}

func TestCheckoutsInFlightSurviveWorkerRestart(t *testing.T) {
	t.Parallel()
	const carts = 5
	s, payments := stackWithStuckPayments(t, carts, 300*time.Millisecond)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 100)
	c := newBuyerClient(t, s, buyer)

	cartIDs := make([]uuid.UUID, carts)
	statusURLs := make([]string, carts)
	for i := range carts {
		cartIDs[i] = c.createCart(sku, i+1)
		statusURLs[i] = c.startCheckout(cartIDs[i])
	}
	payments.awaitStuck(t, carts)
	require.Equal(t, int64(1+2+3+4+5), stockReserved(t, s.Pool, sku))

	restartWorker(t, s, payments)

	for i, cartID := range cartIDs {
		status := c.awaitCheckout(statusURLs[i])
		require.Equal(t, "placed", status.Status, "cart %d failure: %+v", i, status.Failure)
		requirePlacedOnce(t, s.Pool, cartID, int64(i+1), int64(i+1)*1000)
	}
	require.Equal(t, int64(1+2+3+4+5), stockReserved(t, s.Pool, sku), "units reserved once, not twice")
}

// A checkout resumed after a crash must not count its own reservation against
// itself: here the cart holds most of the stock when the worker dies.
func TestCheckoutOfMostStockSurvivesWorkerRestart(t *testing.T) {
	t.Parallel()
	s, payments := stackWithStuckPayments(t, 1, 300*time.Millisecond)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 10)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(sku, 8)

	statusURL := c.startCheckout(cartID)
	payments.awaitStuck(t, 1)
	require.Equal(t, int64(8), stockReserved(t, s.Pool, sku))

	restartWorker(t, s, payments)

	status := c.awaitCheckout(statusURL)
	require.Equal(t, "placed", status.Status, "failure: %+v", status.Failure)
	requirePlacedOnce(t, s.Pool, cartID, 8, 8000)
	require.Equal(t, int64(8), stockReserved(t, s.Pool, sku))
}
