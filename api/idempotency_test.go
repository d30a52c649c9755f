package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
