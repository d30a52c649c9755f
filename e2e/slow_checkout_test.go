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

	// On a machine this busy a start may not reach Temporal within the
	// request's deadline: that answer is 503 with Retry-After, and the
	// client's retry (made here) joins or starts the same checkout.
	statuses := map[int]int{}
	for i, res := range responses {
		statuses[res.Status]++
		if res.Status == http.StatusServiceUnavailable {
			require.Equal(t, "5", res.Header.Get("Retry-After"), string(res.Body))
			responses[i], _ = c.send("POST", cartPath(cartIDs[i], "checkout"), nil)
		}
	}
	t.Logf("first answers: %v", statuses)
	for i, cartID := range cartIDs {
		status := c.awaitCheckout(cartPath(cartID, "checkout"))
		require.Equal(t, "placed", status.Status, "cart %d failure: %+v (answered %d: %s)", i, status.Failure,
			responses[i].Status, responses[i].Body)
	}
	require.Equal(t, carts, statuses[http.StatusAccepted]+statuses[http.StatusServiceUnavailable],
		"every checkout still running after CheckoutSyncWait must answer 202 (or 503 to retry), never 500: %v", statuses)
	for i, res := range responses {
		if res.Status == http.StatusAccepted {
			requirePending(t, res, cartIDs[i])
		}
	}
}
