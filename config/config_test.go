package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaultsMatchMakeRun(t *testing.T) {
	c, err := load(env(nil))
	require.NoError(t, err)
	require.Equal(t, Default(), c)
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	require.Equal(t, "127.0.0.1:8081", c.WorkerHTTPAddr)
	require.Equal(t, "127.0.0.1:7233", c.TemporalAddress)
	require.False(t, c.UseTLS())
}

func TestLoadReadsEnvironment(t *testing.T) {
	c, err := load(env(map[string]string{
		"DATABASE_URL": "postgres://u:secret@db:5432/of", "HTTP_ADDR": ":9000", "WORKER_HTTP_ADDR": "127.0.0.1:0",
		"TEMPORAL_ADDRESS": "t.example:7233", "TEMPORAL_NAMESPACE": "prod",
		"TEMPORAL_API_KEY": "key-123", "CHECKOUT_SYNC_WAIT": "2s", "LOG_LEVEL": "debug", "LOG_FORMAT": "json",
		"ERP_URL": "https://erp.example/api", "ERP_TOKEN": "erp-secret-9", "ERP_TIMEOUT": "10s",
		"ERP_RETRY_BUDGET": "6h", "ERP_RETRY_MAX_INTERVAL": "5m",
	}))
	require.NoError(t, err)
	require.Equal(t, "prod", c.TemporalNamespace)
	require.Equal(t, "127.0.0.1:0", c.WorkerHTTPAddr)
	require.Equal(t, 2*time.Second, c.CheckoutSyncWait)
	require.True(t, c.UseTLS(), "an API key implies TLS")
	s := c.String()
	require.NotContains(t, s, "secret")
	require.NotContains(t, s, "key-123")
	require.Contains(t, s, "u:xxxxx@db")
	require.Equal(t, "https://erp.example/api", c.ERPURL)
	require.Equal(t, "erp-secret-9", c.ERPToken)
	require.Equal(t, 10*time.Second, c.ERPTimeout)
	require.Equal(t, 6*time.Hour, c.ERPRetryBudget)
	require.Equal(t, 5*time.Minute, c.ERPRetryMaxInterval)
	require.NotContains(t, s, "erp-secret-9")
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := load(env(map[string]string{
		"DATABASE_URL": "mysql://x", "CHECKOUT_SYNC_WAIT": "soon", "LOG_LEVEL": "loud",
		"TEMPORAL_TLS_CERT": "cert.pem", "LOG_FORMAT": "xml", "ERP_TIMEOUT": "later",
		"ERP_RETRY_BUDGET": "a day",
	}))
	require.Error(t, err)
	for _, name := range []string{"CHECKOUT_SYNC_WAIT", "LOG_LEVEL", "ERP_TIMEOUT", "ERP_RETRY_BUDGET"} {
		require.True(t, strings.Contains(err.Error(), name), "error names %s: %v", name, err)
	}
	_, err = load(env(map[string]string{"DATABASE_URL": "mysql://x", "TEMPORAL_TLS_CERT": "cert.pem", "LOG_FORMAT": "xml",
		"ERP_URL": "erp.example", "ERP_TIMEOUT": "1h", "ERP_RETRY_BUDGET": "10s", "ERP_RETRY_MAX_INTERVAL": "100ms", "WORKER_HTTP_ADDR": "8081"}))
	for _, name := range []string{"WORKER_HTTP_ADDR", "DATABASE_URL", "TEMPORAL_TLS_KEY", "LOG_FORMAT", "ERP_URL", "ERP_TIMEOUT", "ERP_RETRY_BUDGET", "ERP_RETRY_MAX_INTERVAL"} {
		require.True(t, strings.Contains(err.Error(), name), "error names %s: %v", name, err)
	}
}

func TestWebhookSecretKey(t *testing.T) {
	c, err := load(env(nil))
	require.NoError(t, err)
	require.Len(t, c.WebhookSecretKey, 32)
	require.True(t, c.UsesDevWebhookSecretKey(), "make run uses the public dev key")
	require.Error(t, c.RequireProductionSecrets(), "serve refuses the public dev key")
	require.Contains(t, c.String(), "webhook_key=dev")

	key := "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyISE=" // 32 bytes
	c, err = load(env(map[string]string{"WEBHOOK_SECRET_KEY": key}))
	require.NoError(t, err)
	require.Equal(t, "secret-secret-secret-secret-32!!", string(c.WebhookSecretKey))
	require.NoError(t, c.RequireProductionSecrets())
	require.Contains(t, c.String(), "webhook_key=xxxxx")
	require.NotContains(t, c.String(), "secret-secret")
	require.NotContains(t, c.String(), key)

	for _, bad := range []string{"not base64!", "c2hvcnQ="} {
		_, err = load(env(map[string]string{"WEBHOOK_SECRET_KEY": bad}))
		require.ErrorContains(t, err, "WEBHOOK_SECRET_KEY", bad)
	}
}
