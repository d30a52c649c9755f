package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/config"
)

// TestAPIServerTimeoutsOutlastTheRequestDeadline: whatever CHECKOUT_SYNC_WAIT
// allows, the server lets an answer take the whole /v1 deadline (so a slow
// checkout gets its 202 or 503, not a cut connection), and every timeout is set.
func TestAPIServerTimeoutsOutlastTheRequestDeadline(t *testing.T) {
	t.Parallel()
	for _, wait := range []time.Duration{0, 5 * time.Second, time.Minute} {
		cfg := config.Default()
		cfg.CheckoutSyncWait = wait
		srv := apiServer(cfg, http.NotFoundHandler())
		require.Greater(t, srv.WriteTimeout, api.RequestTimeout(wait), "CHECKOUT_SYNC_WAIT=%s", wait)
		require.Positive(t, srv.ReadHeaderTimeout)
		require.Positive(t, srv.ReadTimeout)
		require.Positive(t, srv.IdleTimeout)
	}
}
