package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// A checkout's 202 is an interim answer: a retry with its Idempotency-Key
// gets how that checkout stands now, not the stale 202. While it waits for an
// approver, 202 again; once approved and placed, exactly what a checkout
// placed in time answers (201, the order, its Location), which is then kept;
// once refused, the refusal.
func TestReplayedPendingCheckoutAnswersItsCurrentState(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})
	const key = "Idempotency-Key"

	// waiting starts a checkout that waits for an approver, with an
	// Idempotency-Key, and checks that its replay is still 202.
	waiting := func(t *testing.T) (b, a buyerClient, buyerID, cartID uuid.UUID) {
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		b, buyerID = newBuyerClient(t, s, buyer), buyer.ID
		a = newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "approver"))
		cartID = b.createCart(testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10), 2)

		first := b.checkout(cartID, key, "co-"+cartID.String())
		require.Equal(t, http.StatusAccepted, first.Status, string(first.Body))
		again := b.checkout(cartID, key, "co-"+cartID.String())
		require.Equal(t, http.StatusAccepted, again.Status, "still waiting: %s", again.Body)
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.Equal(t, checkoutURL(cartID), again.Header.Get("Location"))
		var status api.Checkout
		again.decode(t, &status)
		require.Equal(t, "awaiting_approval", status.Status)
		require.True(t, storedAnswer(t, s.Pool, buyerID, "co-"+cartID.String()).interim, "a 202 is kept as interim")
		return b, a, buyerID, cartID
	}

	t.Run("placed: the order, kept", func(t *testing.T) {
		t.Parallel()
		b, a, buyerID, cartID := waiting(t)
		require.Equal(t, http.StatusOK, a.decide(cartID, "approve", "fine").Status)
		b.awaitCheckoutStatus(cartID, "placed")
		orderID := orderOfCart(t, s.Pool, cartID)

		placed := b.checkout(cartID, key, "co-"+cartID.String())
		require.Equal(t, http.StatusCreated, placed.Status, string(placed.Body))
		require.Equal(t, "true", placed.Header.Get("Idempotent-Replayed"))
		require.Equal(t, "/v1/orders/"+orderID.String(), placed.Header.Get("Location"))
		var order api.Order
		placed.decode(t, &order)
		require.Equal(t, orderID, order.ID)
		require.Equal(t, "placed", order.Status)
		stored := storedAnswer(t, s.Pool, buyerID, "co-"+cartID.String())
		require.False(t, stored.interim, "the final answer replaces the interim one")
		require.Equal(t, http.StatusCreated, stored.status)

		again := b.checkout(cartID, key, "co-"+cartID.String())
		require.Equal(t, http.StatusCreated, again.Status)
		require.Equal(t, string(placed.Body), string(again.Body), "later retries get the kept answer")
		require.Equal(t, placed.Header.Get("Location"), again.Header.Get("Location"))
		requirePlacedOnce(t, s.Pool, cartID, 2, 120_00)
	})

	t.Run("refused: the refusal", func(t *testing.T) {
		t.Parallel()
		b, a, buyerID, cartID := waiting(t)
		require.Equal(t, http.StatusOK, a.decide(cartID, "reject", "over budget").Status)
		b.awaitCheckoutStatus(cartID, "failed")

		refused := b.checkout(cartID, key, "co-"+cartID.String())
		e := refused.requireError(t, http.StatusConflict, "approval_rejected", "")
		require.Contains(t, e.Message, "over budget")
		require.Equal(t, "true", refused.Header.Get("Idempotent-Replayed"))
		stored := storedAnswer(t, s.Pool, buyerID, "co-"+cartID.String())
		require.False(t, stored.interim)
		require.Equal(t, http.StatusConflict, stored.status)

		// The cart is open again; a new checkout takes a new key. The old key
		// still answers its own checkout's refusal.
		require.Equal(t, string(refused.Body), string(b.checkout(cartID, key, "co-"+cartID.String()).Body))
	})
}

type storedKey struct {
	status  int
	interim bool
}

// storedAnswer is what idempotency_keys holds for a buyer's key.
func storedAnswer(t testing.TB, pool *pgxpool.Pool, principalID uuid.UUID, key string) storedKey {
	t.Helper()
	var k storedKey
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT status_code, interim FROM idempotency_keys WHERE principal_id = $1 AND key = $2`, principalID, key).Scan(&k.status, &k.interim))
	return k
}

// A checkout slower than its synchronous wait answers 202 pending; retried
// with its Idempotency-Key while the payment hangs, 202 again; once the
// payment goes through, the order, as a checkout placed in time answers.
func TestReplayedSlowCheckoutAnswersTheOrder(t *testing.T) {
	t.Parallel()
	s, payments := stackWithStuckPayments(t, 1, time.Second)
	buyer := testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_00))
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(testenv.NewProduct(t, s.Pool, "EUR", 100, 10), 1)
	key := []string{"Idempotency-Key", "slow-" + cartID.String()}

	first := c.checkout(cartID, key...)
	for range 5 { // see startCheckout: a 500 lets the key go, and the retry joins the checkout
		if first.Status != http.StatusInternalServerError {
			break
		}
		first = c.checkout(cartID, key...)
	}
	requirePending(t, first, cartID)
	pending := c.checkout(cartID, key...)
	requirePending(t, pending, cartID)
	require.Equal(t, "true", pending.Header.Get("Idempotent-Replayed"))

	close(payments.release)
	var placed response
	require.Eventually(t, func() bool {
		placed = c.checkout(cartID, key...)
		return placed.Status != http.StatusAccepted
	}, time.Minute, 200*time.Millisecond)
	require.Equal(t, http.StatusCreated, placed.Status, string(placed.Body))
	require.Equal(t, "true", placed.Header.Get("Idempotent-Replayed"))
	orderID := orderOfCart(t, s.Pool, cartID)
	require.Equal(t, "/v1/orders/"+orderID.String(), placed.Header.Get("Location"))
	var order api.Order
	placed.decode(t, &order)
	require.Equal(t, orderID, order.ID)
	require.Equal(t, storedKey{status: http.StatusCreated}, storedAnswer(t, s.Pool, buyer.ID, key[1]))
}
