package e2e_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// TestSpendingLimitHoldsUnderConcurrentCheckouts is the acceptance test of
// spending limits: many checkouts of one buyer at once can never together go
// over the buyer's limit, and exactly as many as fit are placed.
func TestSpendingLimitHoldsUnderConcurrentCheckouts(t *testing.T) {
	t.Parallel()
	// Checkouts of one company are decided one after the other: give the last
	// one time to answer 201 or 422 rather than 202.
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 30 * time.Second})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00) // credit is not what limits here
	buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
	colleague := testenv.NewEmployee(t, s.Pool, company, "buyer")
	const (
		limit  = 1_000_00
		amount = limit / 10 // exactly 10 fit: a limit may be reached, not exceeded
		carts  = 20
	)
	testenv.SetSpendingLimit(t, s.Pool, company, buyer.ID, "month", limit)
	sku := testenv.NewProduct(t, s.Pool, "EUR", amount, 100)
	c := newBuyerClient(t, s, buyer)

	cartIDs := make([]uuid.UUID, carts)
	for i := range cartIDs {
		cartIDs[i] = c.createCart(sku, 1)
	}
	type answer struct {
		req *http.Request
		res response
		err error
	}
	answers := make([]answer, carts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range cartIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i].req, answers[i].res, answers[i].err = c.roundTrip("POST", cartPath(id, "checkout"), nil)
		}()
	}
	close(start)
	wg.Wait()

	var placed, refused []uuid.UUID
	for i, a := range answers {
		require.NoError(t, a.err)
		checkContract(t, a.req, a.res.Status, a.res.Header, a.res.Body)
		switch a.res.Status {
		case http.StatusCreated:
			var order api.Order
			a.res.decode(t, &order)
			require.Equal(t, eur(amount), order.Totals.Total)
			placed = append(placed, cartIDs[i])
		case http.StatusAccepted:
			// Still running when the wait was over (a loaded machine): the
			// API's answer for that; its end is read from the status URL.
			end := awaitCheckoutEnd(t, c, cartIDs[i])
			if end.Status == "placed" {
				placed = append(placed, cartIDs[i])
				continue
			}
			require.NotNil(t, end.Failure)
			require.Equal(t, "spending_limit_exceeded", end.Failure.Code)
			refused = append(refused, cartIDs[i])
		default:
			e := a.res.requireError(t, http.StatusUnprocessableEntity, "spending_limit_exceeded", "")
			require.Contains(t, e.Message, "your monthly spending limit")
			require.NotContains(t, e.Message, "1000.00", "a buyer is not shown the limit's figures")
			require.Nil(t, e.Details, "nor the details")
			refused = append(refused, cartIDs[i])
		}
	}
	require.Len(t, placed, limit/amount, "exactly as many orders as fit in the limit")
	require.Len(t, refused, carts-limit/amount)

	held := countRows(t, s.Pool, `SELECT COALESCE(sum(amount), 0) FROM spend_reservations
		WHERE customer_id = $1 AND status <> 'released'`, buyer.ID)
	require.LessOrEqual(t, held, limit, "spend held against the limit")
	require.Equal(t, len(placed)*amount, held)
	require.Zero(t, countRows(t, s.Pool, `SELECT count(*) FROM spend_reservations
		WHERE customer_id = $1 AND status = 'reserved'`, buyer.ID), "every held spend is committed")
	require.Equal(t, len(placed), countRows(t, s.Pool, "SELECT count(*) FROM orders WHERE customer_id = $1", buyer.ID))
	require.Equal(t, int64(len(placed)), stockReserved(t, s.Pool, sku))
	for _, id := range placed {
		requirePlacedOnce(t, s.Pool, id, 1, amount)
		require.Equal(t, map[string]int64{"committed": amount}, spendOfCart(t, s.Pool, id))
	}
	for _, id := range refused {
		cart := c.getCart(id)
		require.Equal(t, "open", cart.Status)
		require.NotNil(t, cart.Checkout)
		require.NotNil(t, cart.Checkout.Failure)
		require.Equal(t, "spending_limit_exceeded", cart.Checkout.Failure.Code)
		requireNothingHeld(t, s.Pool, id)
		require.Empty(t, spendOfCart(t, s.Pool, id), "a refused checkout reserves no spend")
	}

	// The limit is the buyer's: a colleague still orders.
	other := newBuyerClient(t, s, colleague)
	other.placeOrder(other.createCart(sku, 1))
	// And the buyer's limit stays full.
	c.checkout(refused[0]).requireError(t, http.StatusUnprocessableEntity, "spending_limit_exceeded", "")
}

// awaitCheckoutEnd polls a checkout that answered 202 until it is placed or
// failed.
func awaitCheckoutEnd(t *testing.T, c buyerClient, cartID uuid.UUID) api.Checkout {
	t.Helper()
	var st api.Checkout
	require.Eventually(t, func() bool {
		st = c.checkoutStatus(cartID)
		return st.Status == "placed" || st.Status == "failed"
	}, 2*time.Minute, 100*time.Millisecond, "checkout of %s ends", cartID)
	return st
}
