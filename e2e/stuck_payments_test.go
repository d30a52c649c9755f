package e2e_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// stuckPayments is the on-account provider whose first authorizations hang, as
// a payment call does on a worker that is about to die. Each hung call reports
// on entered, then waits for release or the end of its context. Released with
// its context alive, it goes on to authorize for real, as a zombie activity
// finishing after another worker took over would.
type stuckPayments struct {
	payment.OnAccount
	entered chan uuid.UUID
	release chan struct{}

	mu    sync.Mutex
	stuck int // how many more calls hang
}

func newStuckPayments(pool *pgxpool.Pool, calls int) *stuckPayments {
	return &stuckPayments{
		OnAccount: payment.OnAccount{DB: pool},
		entered:   make(chan uuid.UUID, calls),
		release:   make(chan struct{}),
		stuck:     calls,
	}
}

func (p *stuckPayments) Authorize(ctx context.Context, req payment.Request) (string, error) {
	p.mu.Lock()
	hang := p.stuck > 0
	p.stuck--
	p.mu.Unlock()
	if hang {
		p.entered <- req.CartID
		select {
		case <-p.release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return p.OnAccount.Authorize(ctx, req)
}

// awaitStuck waits until n checkouts hang in their payment call.
func (p *stuckPayments) awaitStuck(t testing.TB, n int) {
	t.Helper()
	for range n {
		select {
		case <-p.entered:
		case <-time.After(20 * time.Second):
			t.Fatalf("checkout never reached the payment call")
		}
	}
}

// awaitCheckout polls the checkout's status URL until it is placed or failed.
func (c buyerClient) awaitCheckout(statusURL string) api.Checkout {
	c.t.Helper()
	var status api.Checkout
	require.Eventually(c.t, func() bool {
		res := c.do("GET", statusURL, nil)
		require.Equal(c.t, http.StatusOK, res.Status, string(res.Body))
		res.decode(c.t, &status)
		return status.Status == "placed" || status.Status == "failed"
	}, 60*time.Second, 100*time.Millisecond, "checkout not finished at %s", statusURL)
	return status
}

// stackWithStuckPayments is a stack whose first `stuck` payment calls hang, and
// whose POST /checkout answers 202 after syncWait.
func stackWithStuckPayments(t *testing.T, stuck int, syncWait time.Duration) (*testenv.Stack, *stuckPayments) {
	t.Helper()
	var payments *stuckPayments
	s := testenv.NewStack(t, devServer, testenv.StackOptions{
		CheckoutSyncWait: syncWait,
		Payments: func(pool *pgxpool.Pool) payment.Provider {
			payments = newStuckPayments(pool, stuck)
			return payments
		},
	})
	return s, payments
}

// startCheckout posts a checkout that cannot finish in time and returns its
// status URL. A 500 is retried, as a client would: POST /checkout sometimes
// answers 500 instead of 202 when the wait runs out (a production bug that
// TestSlowCheckoutAnswers202 shows); the retry joins the same workflow.
func (c buyerClient) startCheckout(cartID uuid.UUID) string {
	c.t.Helper()
	for range 5 {
		res, err := c.send("POST", cartPath(cartID, "checkout"), nil)
		require.NoError(c.t, err)
		if res.Status != http.StatusInternalServerError {
			return requirePending(c.t, res, cartID)
		}
		c.t.Logf("checkout answered 500 instead of 202 (see TestSlowCheckoutAnswers202); retrying: %s", res.Body)
	}
	c.t.Fatalf("checkout of cart %s kept answering 500", cartID)
	return ""
}

// requirePending checks a 202 answer to POST /checkout and returns its status URL.
func requirePending(t testing.TB, res response, cartID uuid.UUID) string {
	t.Helper()
	require.Equal(t, http.StatusAccepted, res.Status, string(res.Body))
	var pending api.Checkout
	res.decode(t, &pending)
	require.Equal(t, "pending", pending.Status)
	require.Equal(t, cartID, pending.CartID)
	require.Equal(t, cartPath(cartID, "checkout"), pending.StatusURL)
	require.Equal(t, pending.StatusURL, res.Header.Get("Location"))
	return pending.StatusURL
}

// restartWorker replaces the worker, whose payment calls hang, by one with the
// plain on-account provider, then lets the hung calls go.
func restartWorker(t *testing.T, s *testenv.Stack, payments *stuckPayments) {
	t.Helper()
	s.RestartWorker(t, payment.OnAccount{DB: s.Pool})
	close(payments.release)
}
