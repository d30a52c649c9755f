package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// A handler that panics answers 500 and lets its Idempotency-Key go, as any
// 5xx does: the retry runs again (here, and succeeds) instead of waiting for
// a key held by a request that is gone.
func TestIdempotencyKeyReleasedWhenTheHandlerPanics(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	buyer := testenv.NewBuyer(t, pool, testenv.NewCompany(t, pool, "EUR", 1_000_00))
	calls := 0
	panicky := func(v1 gin.IRouter, s *api.Server) {
		v1.POST("/panicky", s.Idempotent, func(c *gin.Context) {
			calls++
			if calls == 1 {
				panic("a bug")
			}
			c.JSON(http.StatusCreated, gin.H{"ok": true})
		})
	}
	h := api.NewServer(pool, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{}).Handler(panicky)
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/panicky", strings.NewReader(`{"a":1}`))
		req.Header.Set("Authorization", "Bearer "+buyer.Token)
		req.Header.Set("Idempotency-Key", "k-panic")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := post()
	require.Equal(t, http.StatusInternalServerError, first.Code, "body: %s", first.Body)
	var held int
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT count(*) FROM idempotency_keys WHERE principal_id = $1`, buyer.ID).Scan(&held))
	require.Zero(t, held, "the key is let go")
	again := post()
	require.Equal(t, http.StatusCreated, again.Code, "the retry runs, not 409 request_in_progress: %s", again.Body)
	require.Equal(t, 2, calls)
}

// A key past its 24 hours is a new request: it runs (here it opens a second
// cart) instead of replaying the first answer, and the key then answers its
// retries again.
func TestIdempotencyKeyExpires(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	buyer := testenv.NewBuyer(t, pool, testenv.NewCompany(t, pool, "EUR", 1_000_00))
	h := api.NewServer(pool, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{}).Handler()
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/carts", strings.NewReader(`{"currency":"EUR"}`))
		req.Header.Set("Authorization", "Bearer "+buyer.Token)
		req.Header.Set("Idempotency-Key", "k-day")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := post()
	require.Equal(t, http.StatusCreated, first.Code, "body: %s", first.Body)
	require.Equal(t, "true", post().Header().Get("Idempotent-Replayed"), "within the day: a replay")

	_, err := pool.Exec(context.Background(),
		`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE principal_id = $1`, buyer.ID)
	require.NoError(t, err)
	late := post()
	require.Equal(t, http.StatusCreated, late.Code, "body: %s", late.Body)
	require.Empty(t, late.Header().Get("Idempotent-Replayed"), "a day later: a new request")
	require.NotEqual(t, first.Body.String(), late.Body.String(), "a second cart")
	require.Equal(t, "true", post().Header().Get("Idempotent-Replayed"), "the key answers its retries again")
}

// A first request whose server died before it answered (here: a claim
// written as a crashed server leaves it, unanswered) holds its key only as
// long as a request can run: a retry meanwhile is told 409
// request_in_progress before its own deadline (not a 503 for having waited
// past it), and a retry after that takes the key over and runs, instead of
// waiting on a request that is gone. Found by the chaos run (package chaos):
// a checkout in flight on a killed API server kept its key for good.
func TestIdempotencyKeyOfADeadRequestIsTakenOver(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	buyer := testenv.NewBuyer(t, pool, testenv.NewCompany(t, pool, "EUR", 1_000_00))
	// The default synchronous checkout wait: a retry would wait longer for the
	// first answer than its own deadline allows.
	h := api.NewServer(pool, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{CheckoutSyncWait: 5 * time.Second}).Handler()
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/carts", strings.NewReader(`{"currency":"EUR"}`))
		req.Header.Set("Authorization", "Bearer "+buyer.Token)
		req.Header.Set("Idempotency-Key", "k-crash")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	claim := func(claimedAgo time.Duration) {
		_, err := pool.Exec(context.Background(), `INSERT INTO idempotency_keys (principal_id, key, request_hash, locked_at)
			SELECT principal_id, 'k-crash', request_hash, now() - make_interval(secs => $2)
			FROM idempotency_keys WHERE principal_id = $1 AND key = 'k-model'
			ON CONFLICT (principal_id, key) DO UPDATE SET locked_at = EXCLUDED.locked_at, status_code = NULL, response_body = NULL`,
			buyer.ID, claimedAgo.Seconds())
		require.NoError(t, err)
	}
	// The claim's request hash is the one this request has: a model request
	// with another key stores it.
	model := httptest.NewRequest("POST", "/v1/carts", strings.NewReader(`{"currency":"EUR"}`))
	model.Header.Set("Authorization", "Bearer "+buyer.Token)
	model.Header.Set("Idempotency-Key", "k-model")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, model)
	require.Equal(t, http.StatusCreated, rec.Code, "body: %s", rec.Body)

	claim(5 * time.Second) // its request may still run
	running := post()
	require.Equal(t, http.StatusConflict, running.Code, "answered before its own deadline: %s", running.Body)
	require.Contains(t, running.Body.String(), "request_in_progress")

	claim(time.Hour) // its request is long dead
	taken := post()
	require.Equal(t, http.StatusCreated, taken.Code, "the retry runs: %s", taken.Body)
	require.Empty(t, taken.Header().Get("Idempotent-Replayed"))
	require.Equal(t, "true", post().Header().Get("Idempotent-Replayed"), "and its answer is the key's now")
}
