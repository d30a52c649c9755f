package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// TestMetricsAfterACheckout scrapes the API's /metrics after one checkout, as
// `curl 127.0.0.1:8080/metrics` after the README's checkout: the request
// counted under its route pattern and status, the Temporal SDK's workflow
// metrics, and the business counter of placed checkouts.
func TestMetricsAfterACheckout(t *testing.T) {
	t.Parallel()
	// A long synchronous wait, so that a busy machine still answers 201.
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 30 * time.Second})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	c := newBuyerClient(t, s, buyer)
	c.placeOrder(c.createCart(sku, 2))

	route := "/v1/carts/:cart_id/checkout"
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		m := scrape(ct, s.API.URL+"/metrics")
		assert.Equal(ct, 1.0, m.sum("orderflow_http_requests_total", map[string]string{"method": "POST", "route": route, "status": "201"}),
			"checkout requests answered 201")
		assert.Equal(ct, 1.0, m.sum("orderflow_http_requests_total", map[string]string{"method": "POST", "route": "/v1/carts/:cart_id/lines"}),
			"line requests, counted under the route's pattern")
		assert.Equal(ct, 1.0, m.sum("orderflow_http_request_duration_seconds", map[string]string{"method": "POST", "route": route}),
			"checkout requests timed")
		assert.Equal(ct, 1.0, m.sum(checkout.PlacedMetric+"_total", map[string]string{"namespace": s.Namespace}), "checkouts placed")
		assert.GreaterOrEqual(ct, m.sum("temporal_workflow_completed_total", map[string]string{"workflow_type": checkout.WorkflowName}), 1.0,
			"the SDK counts the checkout workflow completed")
		assert.GreaterOrEqual(ct, m.sum("temporal_workflow_endtoend_latency_seconds", map[string]string{"workflow_type": checkout.WorkflowName}), 1.0,
			"the SDK times the checkout workflow")
		assert.GreaterOrEqual(ct, m.sum("temporal_local_activity_execution_latency_seconds", map[string]string{"activity_type": "PlaceOrder"}), 1.0,
			"the SDK times the checkout's steps")
		assert.Contains(ct, m, "temporal_worker_task_slots_available", "task slots")
		assert.Contains(ct, m, "temporal_sticky_cache_size", "the sticky cache")
		assert.Contains(ct, m, "orderflow_approvals_waiting", "approvals waiting, from Postgres")
		assert.Equal(ct, 0.0, m.sum("orderflow_erp_syncs_unsynced", map[string]string{"status": "stuck"}), "no ERP push stuck")
	}, 30*time.Second, 200*time.Millisecond)

	// Raw paths never become labels: each cart would make a series.
	res, err := http.Get(s.API.URL + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.NotContains(t, string(body), `route="/v1/carts/`+"0", "no raw cart path as a route label")
}

// metricFamilies is a scrape, by metric name.
type metricFamilies map[string]*dto.MetricFamily

// scrape reads a /metrics answer.
func scrape(t require.TestingT, url string) metricFamilies {
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return families
}

// sum adds up the series of a metric whose labels include want: counters'
// and gauges' values, histograms' counts.
func (m metricFamilies) sum(name string, want map[string]string) float64 {
	f, ok := m[name]
	if !ok {
		return 0
	}
	total := 0.0
	for _, s := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			total += s.GetCounter().GetValue()
		case s.Gauge != nil:
			total += s.GetGauge().GetValue()
		case s.Histogram != nil:
			total += float64(s.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// TestWorkerProcessServesProbesAndMetrics runs `orderflow worker` as a process
// with WORKER_HTTP_ADDR on a free port: its /healthz answers, its /readyz
// sees Postgres and Temporal, and its /metrics has the SDK's worker metrics
// and the business gauges.
func TestWorkerProcessServesProbesAndMetrics(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{ExternalWorkers: true})
	w := startWorkerProcess(t, s, "worker", "LOG_LEVEL=info")
	base := w.httpURL(t)

	res, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	res, err = http.Get(base + "/readyz")
	require.NoError(t, err)
	var ready map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&ready))
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "readiness: %v", ready)
	require.Equal(t, map[string]string{"status": "ready", "database": "ok", "temporal": "ok"}, ready)

	w.awaitPolling(t, s)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		m := scrape(ct, base+"/metrics")
		assert.GreaterOrEqual(ct, m.sum("temporal_worker_start_total", map[string]string{"namespace": s.Namespace}), 1.0, "workers started")
		assert.Contains(ct, m, "temporal_num_pollers", "pollers")
		assert.Contains(ct, m, "orderflow_approvals_waiting", "approvals waiting, from Postgres")
		assert.Contains(ct, m, "go_goroutines", "the Go runtime's metrics")
	}, 30*time.Second, 200*time.Millisecond)
}

// TestRequestIDReachesWorkerLogs checks out a cart with a known X-Request-Id
// against a worker running as a process of its own: the API answers with the
// ID, and the worker's log has it on the checkout workflow's line and on its
// PlaceOrder step's line, carried there in Temporal headers.
func TestRequestIDReachesWorkerLogs(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{ExternalWorkers: true, CheckoutSyncWait: 30 * time.Second})
	w := startWorkerProcess(t, s, "worker", "LOG_LEVEL=info")
	w.awaitPolling(t, s)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	c := newBuyerClient(t, s, buyer)
	cart := c.createCart(sku, 1)

	const id = "e2e-req-4f2a9c"
	res := c.checkout(cart, "X-Request-Id", id)
	require.Equal(t, http.StatusCreated, res.Status, "checkout: %s", res.Body)
	require.Equal(t, id, res.Header.Get("X-Request-Id"), "the API answers with the caller's request ID")

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		lines := w.output.jsonLines()
		assert.True(ct, hasLogLine(lines, "checkout placed the order", id), "the workflow's line names the request")
		assert.True(ct, hasLogLine(lines, "order placed", id), "the PlaceOrder activity's line names the request")
	}, 30*time.Second, 200*time.Millisecond)

	// An ID that is not sane is replaced, never echoed.
	bad := c.do("GET", cartPath(cart), nil, "X-Request-Id", "../a b;c")
	require.NotEqual(t, "../a b;c", bad.Header.Get("X-Request-Id"))
	require.NotEmpty(t, bad.Header.Get("X-Request-Id"))
}

// hasLogLine tells whether a JSON log line has the message and request ID.
func hasLogLine(lines []map[string]any, msg, requestID string) bool {
	for _, l := range lines {
		if l["msg"] == msg && l["request_id"] == requestID {
			return true
		}
	}
	return false
}

// capturedLog keeps a process's output for the test to read.
type capturedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capturedLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// jsonLines are the output's lines that are JSON objects (LOG_FORMAT=json).
func (c *capturedLog) jsonLines() []map[string]any {
	c.mu.Lock()
	raw := c.buf.String()
	c.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
