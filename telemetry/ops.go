package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// readyTimeout bounds each of the readiness checks.
const readyTimeout = 2 * time.Second

// OpsHandler is what a process without the API (the worker) serves on its own
// listener: /metrics, /healthz (the process lives) and /readyz (Postgres and
// Temporal answer within 2 s each; else 503 naming the one that does not).
func OpsHandler(m *Metrics, pool *pgxpool.Pool, tc client.Client) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		body, ok := Readiness(r.Context(), pool, tc)
		status := http.StatusOK
		if !ok {
			w.Header().Set("Retry-After", "5")
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, body)
	})
	return mux
}

// Readiness checks Postgres and Temporal, each within 2 s, and says which
// does not answer: {"status":"ready","database":"ok","temporal":"ok"}, or
// "unavailable" with "unreachable" for the one that failed.
func Readiness(ctx context.Context, pool *pgxpool.Pool, tc client.Client) (map[string]string, bool) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	body := map[string]string{"status": "ready", "database": "ok", "temporal": "ok"}
	ready := true
	if err := pool.Ping(ctx); err != nil {
		body["database"], ready = "unreachable", false
	}
	if tc == nil {
		body["temporal"], ready = "not configured", false
	} else if _, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		body["temporal"], ready = "unreachable", false
	}
	if !ready {
		body["status"] = "unavailable"
	}
	return body, ready
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
