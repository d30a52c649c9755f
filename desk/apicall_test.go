package desk

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// A form sent twice carries one Idempotency-Key: while the first request
// runs the API answers the second 409 request_in_progress, and the desk asks
// again after Retry-After until it gets the first one's answer, a few times
// at most.
func TestCallAsksAgainWhileTheFirstRequestRuns(t *testing.T) {
	for _, c := range []struct {
		name  string
		busy  int
		calls int
		ok    bool
	}{
		{"answered after two busy answers", 2, 3, true},
		{"busy for too long", 100, inProgressAttempts, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				require.Equal(t, "k-1", r.Header.Get("Idempotency-Key"))
				body, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				require.JSONEq(t, `{"comment":"ok"}`, string(body), "the same request each time")
				w.Header().Set("Content-Type", "application/json")
				if calls <= c.busy {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusConflict)
					_, _ = w.Write([]byte(`{"error":{"code":"request_in_progress","message":"still running"}}`))
					return
				}
				_, _ = w.Write([]byte(`{"status":"claimed"}`))
			})
			d := New(nil, fake, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
			r := httptest.NewRequest("POST", "/desk/quotes/1/claim", nil)
			r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, &session{tokenHash: []byte("h")}))
			var out struct {
				Status string `json:"status"`
			}
			err := d.call(r, "POST", "/v1/sales/quotes/1/claim", map[string]string{"comment": "ok"}, "k-1", &out)
			require.Equal(t, c.calls, calls)
			if c.ok {
				require.NoError(t, err)
				require.Equal(t, "claimed", out.Status)
				return
			}
			var ae *apiError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, "request_in_progress", ae.Body.Code)
		})
	}
}
