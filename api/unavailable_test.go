package api_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// deadTemporal is a client of a Temporal server that is not there: a port
// that refuses connections, or (silent) one that accepts them and never
// answers, as a hung server or a network that drops packets does.
func deadTemporal(t *testing.T, silent bool) client.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	if silent {
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { conn.Close() })
			}
		}()
	} else {
		require.NoError(t, l.Close())
	}
	c, err := client.NewLazyClient(client.Options{HostPort: addr})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// With Temporal unreachable, a checkout answers 503 with Retry-After within
// its deadline, not never (a client with a 10 s timeout gets an answer);
// readiness says Temporal is unreachable while liveness stays up; and
// nothing is checked out: the cart is still open for the retry.
func TestTemporalOutageAnswers503(t *testing.T) {
	t.Parallel()
	for _, silent := range []bool{false, true} {
		t.Run(map[bool]string{false: "refused", true: "silent"}[silent], func(t *testing.T) {
			t.Parallel()
			temporalOutage(t, silent)
		})
	}
}

func temporalOutage(t *testing.T, silent bool) {
	pool, _ := testenv.NewDatabase(t)
	company := testenv.NewCompany(t, pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, pool, company)
	sku := testenv.NewProduct(t, pool, "EUR", 100, 10)
	cart := testenv.NewCart(t, pool, buyer, "EUR", map[string]int32{sku: 1})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.NewServer(pool, deadTemporal(t, silent), log, api.Options{CheckoutSyncWait: time.Second}).Handler())
	defer srv.Close()
	httpClient := &http.Client{Timeout: 10 * time.Second}

	req, err := http.NewRequest("POST", srv.URL+"/v1/carts/"+cart.String()+"/checkout", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+buyer.Token)
	res, err := httpClient.Do(req)
	require.NoError(t, err, "answered before the client's 10 s timeout")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "body: %s", body)
	require.Contains(t, string(body), `"code":"unavailable"`)
	require.Equal(t, "5", res.Header.Get("Retry-After"))
	var status string
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT status FROM carts WHERE id = $1`, cart).Scan(&status))
	require.Equal(t, "open", status, "nothing checked out")

	ready, err := httpClient.Get(srv.URL + "/readyz")
	require.NoError(t, err)
	readyBody, _ := io.ReadAll(ready.Body)
	ready.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, ready.StatusCode)
	require.JSONEq(t, `{"status":"unavailable","database":"ok","temporal":"unreachable"}`, string(readyBody))

	live, err := httpClient.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	live.Body.Close()
	require.Equal(t, http.StatusOK, live.StatusCode, "the process lives")
}
