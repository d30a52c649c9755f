package e2e_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
)

// A checkout that outlives CheckoutSyncWait answers 202 with the status URL and
// status pending, every time: Temporal's long poll may end with its own
// DeadlineExceeded a moment before the handler's wait does, and the cart may not
// even be frozen yet when the answer is written.
func TestSlowCheckoutAnswers202(t *testing.T) {
	t.Parallel()
	const carts = 50
	s, payments := stackWithStuckPayments(t, carts, time.Second)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	c := newBuyerClient(t, s, buyer)

	cartIDs := make([]uuid.UUID, carts)
	for i := range cartIDs {
		cartIDs[i] = c.createCart(sku, 1)
	}
	responses := make([]response, carts)
	var wg sync.WaitGroup
	for i, cartID := range cartIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			responses[i], _ = c.send("POST", cartPath(cartID, "checkout"), nil)
		}()
	}
	wg.Wait()
	close(payments.release) // nothing is restarted: the stuck calls just go on

	statuses := map[int]int{}
	for _, res := range responses {
		statuses[res.Status]++
	}
	for i, cartID := range cartIDs {
		status := c.awaitCheckout(cartPath(cartID, "checkout"))
		require.Equal(t, "placed", status.Status, "cart %d failure: %+v", i, status.Failure)
	}
	require.Equal(t, map[int]int{http.StatusAccepted: carts}, statuses,
		"every checkout still running after CheckoutSyncWait must answer 202, never 500")
	for i, res := range responses {
		requirePending(t, res, cartIDs[i])
	}
}
