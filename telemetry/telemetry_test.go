package telemetry_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/testenv"
)

func gather(t *testing.T, m *telemetry.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := m.Registry.Gather()
	require.NoError(t, err)
	out := map[string]*dto.MetricFamily{}
	for _, f := range families {
		out[f.GetName()] = f
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestTemporalMetricsFollowPrometheusNames: the SDK's counters end in
// _total, its timers are histograms in seconds, gauges keep their name, each
// tag set is a series of its own, and Orderflow's own metrics drop the SDK's
// bookkeeping tags but keep the namespace and their own.
func TestTemporalMetricsFollowPrometheusNames(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	root := m.Temporal.Handler().WithTags(map[string]string{"namespace": "prod", "client_name": "temporal_go", "task_queue": "none"})
	wf := root.WithTags(map[string]string{"workflow_type": "Checkout", "task_queue": "orderflow-checkout"})

	wf.Counter("temporal_workflow_completed").Inc(2)
	wf.Counter("temporal_workflow_completed").Inc(1)
	root.WithTags(map[string]string{"workflow_type": "Quote"}).Counter("temporal_workflow_completed").Inc(1)
	wf.Timer("temporal_workflow_endtoend_latency").Record(1500 * time.Millisecond)
	wf.Gauge("temporal_sticky_cache_size").Update(7)
	wf.WithTags(map[string]string{"code": "insufficient_stock"}).Counter("orderflow_checkouts_refused").Inc(1)

	got := gather(t, m)
	completed := got["temporal_workflow_completed_total"]
	require.NotNil(t, completed)
	require.Equal(t, dto.MetricType_COUNTER, completed.GetType())
	byType := map[string]float64{}
	for _, s := range completed.GetMetric() {
		byType[labels(s)["workflow_type"]] = s.GetCounter().GetValue()
		require.Equal(t, "prod", labels(s)["namespace"])
	}
	require.Equal(t, map[string]float64{"Checkout": 3, "Quote": 1}, byType)

	latency := got["temporal_workflow_endtoend_latency_seconds"]
	require.NotNil(t, latency)
	require.Equal(t, dto.MetricType_HISTOGRAM, latency.GetType())
	require.Equal(t, uint64(1), latency.GetMetric()[0].GetHistogram().GetSampleCount())
	require.InDelta(t, 1.5, latency.GetMetric()[0].GetHistogram().GetSampleSum(), 1e-9)

	require.Equal(t, 7.0, got["temporal_sticky_cache_size"].GetMetric()[0].GetGauge().GetValue())

	refused := got["orderflow_checkouts_refused_total"]
	require.NotNil(t, refused)
	require.Equal(t, map[string]string{"namespace": "prod", "code": "insufficient_stock"}, labels(refused.GetMetric()[0]))
}

// TestHTTPMetricsLabelRoutesNotPaths: a request that matched no route is
// counted under one label, whatever its path, and odd methods under "other".
func TestHTTPMetricsLabelRoutesNotPaths(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	m.HTTP.Observe("POST", "/v1/carts/:cart_id/checkout", 201, 40*time.Millisecond)
	m.HTTP.Observe("GET", "", 404, time.Millisecond)
	m.HTTP.Observe("BREW", "", 405, time.Millisecond)

	series := map[string]float64{}
	for _, s := range gather(t, m)["orderflow_http_requests_total"].GetMetric() {
		l := labels(s)
		series[l["method"]+" "+l["route"]+" "+l["status"]] = s.GetCounter().GetValue()
	}
	require.Equal(t, map[string]float64{
		"POST /v1/carts/:cart_id/checkout 201": 1,
		"GET unmatched 404":                    1,
		"other unmatched 405":                  1,
	}, series)
}

// TestRequestIDTravelsInHeaders: what Inject writes, Extract reads back; a
// context without an ID writes no header.
func TestRequestIDTravelsInHeaders(t *testing.T) {
	t.Parallel()
	p := telemetry.RequestIDPropagator{}
	h := header{}
	require.NoError(t, p.Inject(telemetry.WithRequestID(context.Background(), "req-1"), h))
	ctx, err := p.Extract(context.Background(), h)
	require.NoError(t, err)
	require.Equal(t, "req-1", telemetry.RequestID(ctx))

	empty := header{}
	require.NoError(t, p.Inject(context.Background(), empty))
	require.Empty(t, empty)
	ctx, err = p.Extract(context.Background(), empty)
	require.NoError(t, err)
	require.Equal(t, "", telemetry.RequestID(ctx))
}

// header is a Temporal header for the propagator to write and read.
type header map[string]*commonpb.Payload

func (h header) Set(k string, p *commonpb.Payload) { h[k] = p }
func (h header) Get(k string) (*commonpb.Payload, bool) {
	p, ok := h[k]
	return p, ok
}
func (h header) ForEachKey(fn func(string, *commonpb.Payload) error) error {
	for k, p := range h {
		if err := fn(k, p); err != nil {
			return err
		}
	}
	return nil
}

// TestWorkerOpsHandler: /healthz answers while the process lives; /readyz is
// 503 with Retry-After naming Temporal when Temporal does not answer, and
// /metrics serves the registry.
func TestWorkerOpsHandler(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // a port that refuses connections
	dead, err := client.NewLazyClient(client.Options{HostPort: addr,
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	require.NoError(t, err)
	t.Cleanup(dead.Close)

	m := telemetry.NewMetrics()
	m.Registry.MustRegister(telemetry.NewBusinessCollector(pool))
	srv := httptest.NewServer(telemetry.OpsHandler(m, pool, dead))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	res, err = http.Get(srv.URL + "/readyz")
	require.NoError(t, err)
	var body map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "5", res.Header.Get("Retry-After"))
	require.Equal(t, map[string]string{"status": "unavailable", "database": "ok", "temporal": "unreachable"}, body)

	res, err = http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(raw), "orderflow_approvals_waiting 0")
	require.True(t, strings.Contains(string(raw), `orderflow_erp_syncs_unsynced{status="stuck"} 0`), "%s", raw)
}

// TestBusinessCollectorCountsFromPostgres: the scrape-time gauges count what
// Postgres holds: pending approvals only (and the oldest one's age), quotes by
// status.
func TestBusinessCollectorCountsFromPostgres(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	company := testenv.NewCompany(t, pool, "EUR", 0)
	buyer := testenv.NewBuyer(t, pool, company)
	for _, status := range []string{"requested", "requested", "offered"} {
		_, err := pool.Exec(ctx, `INSERT INTO quotes (id, company_id, customer_id, currency, status) VALUES (gen_random_uuid(), $1, $2, 'EUR', $3)`,
			company.ID, buyer.ID, status)
		require.NoError(t, err)
	}
	for i, a := range []struct {
		status string
		age    time.Duration
	}{{"pending", time.Hour}, {"pending", time.Minute}, {"approved", 2 * time.Hour}} {
		cart := testenv.NewCart(t, pool, buyer, "EUR", nil)
		_, err := pool.Exec(ctx, `INSERT INTO approval_requests (cart_id, attempt, company_id, customer_id, status, required_role, total, currency, deadline, created_at)
			VALUES ($1, 1, $2, $3, $4, 'approver', 100, 'EUR', now() + interval '1 day', now() - $5::interval)`,
			cart, company.ID, buyer.ID, a.status, a.age.String())
		require.NoError(t, err, "approval %d", i)
	}

	reg := telemetry.NewMetrics().Registry
	reg.MustRegister(telemetry.NewBusinessCollector(pool))
	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "/" + l.GetValue()
			}
			got[name] = m.GetGauge().GetValue()
		}
	}
	require.Equal(t, 2.0, got["orderflow_approvals_waiting"], "pending approvals only: %v", got)
	require.InDelta(t, time.Hour.Seconds(), got["orderflow_approvals_oldest_waiting_seconds"], 60, "%v", got)
	require.Equal(t, 2.0, got["orderflow_quotes/requested"], "%v", got)
	require.Equal(t, 1.0, got["orderflow_quotes/offered"], "%v", got)
}
