// Package telemetry is what an operator watches Orderflow by: one Prometheus
// registry per process with the HTTP, Temporal SDK and business metrics
// (docs/operations.md lists them), the request ID that follows a request into
// the workflows and activities it starts, and the small listener a worker
// serves /metrics, /healthz and /readyz on.
package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a process's one registry and the metrics Orderflow records into
// it. `orderflow dev` and the test stacks run the API and the worker in one
// process, on one Metrics.
type Metrics struct {
	// Registry holds every metric of the process; Handler serves it.
	Registry *prometheus.Registry
	// Temporal receives the Temporal SDK's metrics (client.Options.MetricsHandler)
	// and the business counters workflows and activities emit through the
	// SDK's handlers (replay-safe in workflows).
	Temporal *TemporalMetrics
	// HTTP counts and times the API's requests.
	HTTP *HTTPMetrics
}

// NewMetrics builds a registry with the Go runtime's and the process's
// metrics, the Temporal SDK's and the API's.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{Registry: reg, Temporal: NewTemporalMetrics(), HTTP: newHTTPMetrics()}
	reg.MustRegister(m.Temporal, m.HTTP.requests, m.HTTP.duration)
	return m
}

// Handler serves the registry in Prometheus's text format. A collector that
// fails (Postgres not answering) leaves its metrics out of that scrape and
// the rest are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// HTTPMetrics are the API's request metrics, labelled by route pattern (never
// the raw path, whose IDs would make a series per cart).
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics() *HTTPMetrics {
	return &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_http_requests_total",
			Help: "HTTP requests answered by the API, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "orderflow_http_request_duration_seconds",
			Help:    "How long the API took to answer, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method", "route"}),
	}
}

// UnmatchedRoute is the route label of a request that matched no route (a
// 404 or 405), so that scanners' paths do not each make a series.
const UnmatchedRoute = "unmatched"

// Observe records one answered request. route is the route's pattern
// (/v1/carts/:cart_id), or "" when none matched.
func (h *HTTPMetrics) Observe(method, route string, status int, took time.Duration) {
	if route == "" {
		route = UnmatchedRoute
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	h.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	h.duration.WithLabelValues(method, route).Observe(took.Seconds())
}
