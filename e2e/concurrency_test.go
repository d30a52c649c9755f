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

const concurrentCheckouts = 20

// checkoutConcurrently posts n checkouts of the cart and returns every answer.
// Request i starts i*spread after the first, so that with a spread some land
// while the checkout runs and some after it ended.
func checkoutConcurrently(t *testing.T, c buyerClient, cartID uuid.UUID, n int, spread time.Duration, headers ...string) []response {
	t.Helper()
	responses := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			time.Sleep(time.Duration(i) * spread)
			responses[i], errs[i] = c.send("POST", cartPath(cartID, "checkout"), nil, headers...)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return responses
}

func TestConcurrentCheckoutsPlaceOneOrder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 100)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(sku, 4)

	orderIDs := map[uuid.UUID]int{}
	refused := 0
	for _, res := range checkoutConcurrently(t, c, cartID, concurrentCheckouts, 10*time.Millisecond) {
		switch res.Status {
		case http.StatusCreated:
			var order api.Order
			res.decode(t, &order)
			orderIDs[order.ID]++
		default:
			e := res.requireError(t, http.StatusConflict, "cart_not_open", "")
			require.NotEmpty(t, e.OrderID, "a refusal of a completed cart names its order")
			refused++
		}
	}
	t.Logf("201 answers per order: %v; 409 answers: %d", orderIDs, refused)
	require.Len(t, orderIDs, 1, "every 201 carries the same order")
	require.Contains(t, orderIDs, orderOfCart(t, s.Pool, cartID))
	require.Equal(t, int64(4), stockReserved(t, s.Pool, sku))
	requirePlacedOnce(t, s.Pool, cartID, 4, 4000)
}

// Concurrent checkouts with one Idempotency-Key: one runs; the others, while
// it runs, get 409 request_in_progress with Retry-After, or its answer once it
// answered. Retried after that, every one gets the order.
func TestConcurrentCheckoutsWithOneIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 100)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(sku, 4)
	key := []string{"Idempotency-Key", "checkout-" + cartID.String()}

	responses := checkoutConcurrently(t, c, cartID, concurrentCheckouts, 0, key...)
	ran, busy := 0, 0
	for _, res := range responses {
		switch {
		case res.Status == http.StatusConflict:
			res.requireError(t, http.StatusConflict, "request_in_progress", "")
			require.Equal(t, "1", res.Header.Get("Retry-After"))
			busy++
		case res.Header.Get("Idempotent-Replayed") == "true":
			require.Contains(t, []int{http.StatusCreated, http.StatusAccepted}, res.Status, string(res.Body))
		default:
			// 202 on a machine too busy for the synchronous wait.
			require.Contains(t, []int{http.StatusCreated, http.StatusAccepted}, res.Status, string(res.Body))
			ran++
		}
	}
	t.Logf("%d requests: 1 ran, %d got request_in_progress, the rest its answer", concurrentCheckouts, busy)
	require.Equal(t, 1, ran, "one request runs the checkout")

	// Retried until the checkout answers its order (the run's 202 is refreshed
	// on replay), every answer is the same order.
	var placed response
	require.Eventually(t, func() bool {
		placed = c.checkout(cartID, key...)
		return placed.Status == http.StatusCreated
	}, time.Minute, 200*time.Millisecond, "last answer: %d %s", placed.Status, placed.Body)
	require.Equal(t, "true", placed.Header.Get("Idempotent-Replayed"))
	for _, res := range responses {
		if res.Status == http.StatusCreated {
			require.Equal(t, string(placed.Body), string(res.Body), "every 201 is the same answer")
		}
	}
	var order api.Order
	placed.decode(t, &order)
	require.Equal(t, orderOfCart(t, s.Pool, cartID), order.ID)
	require.Equal(t, int64(4), stockReserved(t, s.Pool, sku))
	requirePlacedOnce(t, s.Pool, cartID, 4, 4000)
}

func TestIdempotencyKeyReusedForAnotherRequest(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 1000, 100)
	c := newBuyerClient(t, s, buyer)
	const key = "Idempotency-Key"

	first := c.do("POST", "/v1/carts", map[string]any{"currency": "EUR"}, key, "k-1")
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	var cart api.Cart
	first.decode(t, &cart)

	again := c.do("POST", "/v1/carts", map[string]any{"currency": "EUR"}, key, "k-1")
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, string(first.Body), string(again.Body))

	before := snapshot(t, s.Pool)
	c.do("POST", "/v1/carts", map[string]any{}, key, "k-1").
		requireError(t, http.StatusUnprocessableEntity, "idempotency_key_reused", key)
	c.do("POST", cartPath(cart.ID, "lines"), map[string]any{"sku": sku, "quantity": 1}, key, "k-1").
		requireError(t, http.StatusUnprocessableEntity, "idempotency_key_reused", key)
	require.Equal(t, before, snapshot(t, s.Pool), "a refused request writes nothing")

	// Keys belong to their buyer: another buyer may use the same one.
	other := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
	res := other.do("POST", "/v1/carts", map[string]any{"currency": "EUR"}, key, "k-1")
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	require.Empty(t, res.Header.Get("Idempotent-Replayed"))
}
