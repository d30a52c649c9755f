package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// lockedBuffer is a log destination the handler's goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "a JSON line: %s", line)
		out = append(out, m)
	}
	return out
}

// Every request is one JSON line at info level with its request ID (the
// caller's, echoed), principal, route pattern, status and duration; probes
// only at debug.
func TestOneLogLinePerRequest(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	buyer := testenv.NewBuyer(t, pool, testenv.NewCompany(t, pool, "EUR", 1_000_00))
	var logged lockedBuffer
	h := api.NewServer(pool, nil, slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelInfo})), api.Options{}).Handler()

	req := httptest.NewRequest("GET", "/v1/carts/00000000-0000-4000-8000-000000000001", nil)
	req.Header.Set("Authorization", "Bearer "+buyer.Token)
	req.Header.Set("X-Request-Id", "req-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "req-42", rec.Header().Get("X-Request-Id"))

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil)) // debug only

	lines := logged.lines(t)
	require.Len(t, lines, 1, "one line: the probe is not logged at info")
	line := lines[0]
	require.Equal(t, "INFO", line["level"])
	require.Equal(t, "http request", line["msg"])
	require.Equal(t, "req-42", line["request_id"])
	require.Equal(t, "GET", line["method"])
	require.Equal(t, "/v1/carts/:cart_id", line["route"], "the route's pattern, not the path")
	require.EqualValues(t, 404, line["status"])
	require.Equal(t, buyer.ID.String(), line["principal"])
	require.Equal(t, "buyer", line["role"])
	require.Contains(t, line, "duration_ms")
}
