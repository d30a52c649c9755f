package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
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

// idempotencyHarness is an API server with test routes under /v1, a buyer
// to call them, and a post helper with an Idempotency-Key.
type idempotencyHarness struct {
	t     *testing.T
	pool  *pgxpool.Pool
	buyer testenv.Buyer
}

func newIdempotencyHarness(t *testing.T) idempotencyHarness {
	pool, _ := testenv.NewDatabase(t)
	return idempotencyHarness{t: t, pool: pool, buyer: testenv.NewBuyer(t, pool, testenv.NewCompany(t, pool, "EUR", 1_000_00))}
}

func (h idempotencyHarness) server(opts api.Options, routes ...api.Area) http.Handler {
	return api.NewServer(h.pool, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), opts).Handler(routes...)
}

func (h idempotencyHarness) post(srv http.Handler, path, key, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.buyer.Token)
	req.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// A replay answers the first answer's status, body and the headers that
// matter (Location, Retry-After, Content-Type), not the others.
func TestIdempotentReplayAnswersTheFirstAnswersHeaders(t *testing.T) {
	t.Parallel()
	h := newIdempotencyHarness(t)
	calls := 0
	routes := func(v1 gin.IRouter, s *api.Server) {
		v1.POST("/exports", s.Idempotent, func(c *gin.Context) {
			calls++
			c.Header("Location", "/v1/exports/7")
			c.Header("Retry-After", "30")
			c.Header("X-Other", "per request")
			c.Data(http.StatusAccepted, "text/csv; charset=utf-8", []byte("sku,quantity\nA-1,2\n"))
		})
	}
	srv := h.server(api.Options{}, routes)
	first := h.post(srv, "/v1/exports", "k-headers", `{"a":1}`)
	require.Equal(t, http.StatusAccepted, first.Code, "body: %s", first.Body)
	again := h.post(srv, "/v1/exports", "k-headers", `{"a":1}`)
	require.Equal(t, 1, calls, "the handler ran once")
	require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
	require.Equal(t, http.StatusAccepted, again.Code)
	require.Equal(t, first.Body.String(), again.Body.String())
	for _, name := range []string{"Location", "Retry-After", "Content-Type"} {
		require.Equal(t, first.Header().Get(name), again.Header().Get(name), name)
	}
	require.Equal(t, "text/csv; charset=utf-8", again.Header().Get("Content-Type"))
	require.Empty(t, again.Header().Get("X-Other"), "only the headers that matter are kept")

	// A real route: a new cart's Location comes back with its replay.
	srv = h.server(api.Options{})
	cart := h.post(srv, "/v1/carts", "k-cart", `{"currency":"EUR"}`)
	require.Equal(t, http.StatusCreated, cart.Code, "body: %s", cart.Body)
	require.NotEmpty(t, cart.Header().Get("Location"))
	replayed := h.post(srv, "/v1/carts", "k-cart", `{"currency":"EUR"}`)
	require.Equal(t, "true", replayed.Header().Get("Idempotent-Replayed"))
	require.Equal(t, http.StatusCreated, replayed.Code)
	require.Equal(t, cart.Header().Get("Location"), replayed.Header().Get("Location"))
	require.Equal(t, cart.Body.String(), replayed.Body.String())
}

// A 5xx answer is not kept: the key is let go and the retry runs again.
func TestIdempotencyKeyReleasedOnServerErrors(t *testing.T) {
	t.Parallel()
	h := newIdempotencyHarness(t)
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		calls := 0
		routes := func(v1 gin.IRouter, s *api.Server) {
			v1.POST("/flaky", s.Idempotent, func(c *gin.Context) {
				calls++
				if calls == 1 {
					c.Header("Retry-After", "5")
					c.JSON(status, gin.H{"error": gin.H{"code": "unavailable"}})
					return
				}
				c.JSON(http.StatusCreated, gin.H{"ok": true})
			})
		}
		srv := h.server(api.Options{}, routes)
		key := "k-" + strconv.Itoa(status)
		first := h.post(srv, "/v1/flaky", key, `{}`)
		require.Equal(t, status, first.Code)
		require.Zero(t, h.keys(key), "a %d lets the key go", status)
		again := h.post(srv, "/v1/flaky", key, `{}`)
		require.Equal(t, http.StatusCreated, again.Code, "the retry runs again: %s", again.Body)
		require.Empty(t, again.Header().Get("Idempotent-Replayed"))
		require.Equal(t, 2, calls)
		require.Equal(t, "true", h.post(srv, "/v1/flaky", key, `{}`).Header().Get("Idempotent-Replayed"),
			"the success is kept")
	}
}

func (h idempotencyHarness) keys(key string) int {
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM idempotency_keys WHERE principal_id = $1 AND key = $2`, h.buyer.ID, key).Scan(&n))
	return n
}

// While the first request with a key runs, a retry with the same key, on this
// API process or another, gets 409 request_in_progress with Retry-After, also
// after the first lease would have lapsed had the running request not renewed
// it; once the first answers, the retry gets its answer.
func TestConcurrentRequestWithTheKeyInProgress(t *testing.T) {
	t.Parallel()
	h := newIdempotencyHarness(t)
	const lease = 3 * time.Second
	started, finish := make(chan struct{}), make(chan struct{})
	calls := 0
	routes := func(v1 gin.IRouter, s *api.Server) {
		v1.POST("/slow", s.Idempotent, func(c *gin.Context) {
			calls++
			close(started)
			<-finish
			c.Header("Location", "/v1/slow/1")
			c.JSON(http.StatusCreated, gin.H{"n": calls})
		})
	}
	one, other := h.server(api.Options{IdempotencyLease: lease}, routes), h.server(api.Options{IdempotencyLease: lease}, routes)
	firstDone := make(chan *httptest.ResponseRecorder)
	go func() { firstDone <- h.post(one, "/v1/slow", "k-slow", `{"a":1}`) }()
	<-started

	for _, srv := range []http.Handler{one, other} {
		busy := h.post(srv, "/v1/slow", "k-slow", `{"a":1}`)
		requireErrorCode(t, busy, http.StatusConflict, "request_in_progress")
		require.Equal(t, "1", busy.Header().Get("Retry-After"))
	}

	// Outlive the first lease: the running request renews it.
	var claimed time.Time
	require.NoError(t, h.pool.QueryRow(context.Background(),
		`SELECT locked_until FROM idempotency_keys WHERE principal_id = $1 AND key = 'k-slow'`, h.buyer.ID).Scan(&claimed))
	require.Eventually(t, func() bool {
		var past bool
		require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT now() > $1`, claimed).Scan(&past))
		return past
	}, time.Minute, 100*time.Millisecond)
	var renewed time.Time
	require.NoError(t, h.pool.QueryRow(context.Background(),
		`SELECT locked_until FROM idempotency_keys WHERE principal_id = $1 AND key = 'k-slow'`, h.buyer.ID).Scan(&renewed))
	require.True(t, renewed.After(claimed), "the lease was renewed: %v, first %v", renewed, claimed)
	requireErrorCode(t, h.post(other, "/v1/slow", "k-slow", `{"a":1}`), http.StatusConflict, "request_in_progress")

	close(finish)
	first := <-firstDone
	require.Equal(t, http.StatusCreated, first.Code, "body: %s", first.Body)
	replay := h.post(other, "/v1/slow", "k-slow", `{"a":1}`)
	require.Equal(t, http.StatusCreated, replay.Code, "body: %s", replay.Body)
	require.Equal(t, "true", replay.Header().Get("Idempotent-Replayed"))
	require.Equal(t, first.Body.String(), replay.Body.String())
	require.Equal(t, "/v1/slow/1", replay.Header().Get("Location"))
	require.Equal(t, 1, calls)
}

// A claim left by a request whose process died (it stopped renewing its
// lease) does not hold the key: the retry runs at once. A claim whose lease
// is live does.
func TestIdempotencyKeyOfADeadRequestIsTakenOver(t *testing.T) {
	t.Parallel()
	h := newIdempotencyHarness(t)
	calls := 0
	routes := func(v1 gin.IRouter, s *api.Server) {
		v1.POST("/things", s.Idempotent, func(c *gin.Context) {
			calls++
			c.JSON(http.StatusCreated, gin.H{"n": calls})
		})
	}
	srv := h.server(api.Options{}, routes)
	claim := func(key, lockedUntil string) {
		_, err := h.pool.Exec(context.Background(),
			`INSERT INTO idempotency_keys (principal_id, key, request_hash, locked_until) VALUES ($1, $2, $3, `+lockedUntil+`)`,
			h.buyer.ID, key, api.Fingerprint("POST", "/v1/things", []byte(`{"a":1}`)))
		require.NoError(t, err)
	}

	claim("k-live", "now() + interval '1 minute'")
	requireErrorCode(t, h.post(srv, "/v1/things", "k-live", `{"a":1}`), http.StatusConflict, "request_in_progress")
	require.Zero(t, calls)

	claim("k-dead", "now() - interval '1 second'")
	res := h.post(srv, "/v1/things", "k-dead", `{"a":1}`)
	require.Equal(t, http.StatusCreated, res.Code, "the retry takes the key over: %s", res.Body)
	require.Empty(t, res.Header().Get("Idempotent-Replayed"))
	require.Equal(t, 1, calls)
	again := h.post(srv, "/v1/things", "k-dead", `{"a":1}`)
	require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"), "and its answer is kept")
	require.Equal(t, res.Body.String(), again.Body.String())
}

func requireErrorCode(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body)
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, code, body.Error.Code)
}

// A request whose lease lapsed while it still ran (say Postgres was
// unreachable for longer than the lease) lost its claim: the retry that took
// the key over keeps it, and the late first answer does not overwrite the
// retry's.
func TestIdempotencyKeyTakenOverKeepsTheSuccessorsAnswer(t *testing.T) {
	t.Parallel()
	h := newIdempotencyHarness(t)
	started, finish := make(chan struct{}, 2), make(chan struct{})
	calls := 0
	routes := func(v1 gin.IRouter, s *api.Server) {
		v1.POST("/slow", s.Idempotent, func(c *gin.Context) {
			calls++
			n := calls
			started <- struct{}{}
			if n == 1 {
				<-finish
			}
			c.JSON(http.StatusCreated, gin.H{"n": n})
		})
	}
	// A lease long enough that the first request does not renew it during
	// the test; the test lets it lapse.
	srv := h.server(api.Options{IdempotencyLease: time.Minute}, routes)
	firstDone := make(chan *httptest.ResponseRecorder)
	go func() { firstDone <- h.post(srv, "/v1/slow", "k-lost", `{}`) }()
	<-started
	_, err := h.pool.Exec(context.Background(),
		`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE principal_id = $1 AND key = 'k-lost'`, h.buyer.ID)
	require.NoError(t, err)

	second := h.post(srv, "/v1/slow", "k-lost", `{}`)
	require.Equal(t, http.StatusCreated, second.Code, "the retry takes the lapsed key over: %s", second.Body)
	close(finish)
	require.Equal(t, http.StatusCreated, (<-firstDone).Code)

	replay := h.post(srv, "/v1/slow", "k-lost", `{}`)
	require.Equal(t, "true", replay.Header().Get("Idempotent-Replayed"))
	require.Equal(t, second.Body.String(), replay.Body.String(), "the key keeps its current claim's answer")
	require.JSONEq(t, `{"n":2}`, replay.Body.String())
}
