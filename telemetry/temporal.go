package telemetry

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// TemporalMetrics turns the Temporal SDK's metrics into Prometheus metrics:
// it is the client's MetricsHandler (client.Options) and a collector of the
// registry. The SDK names a metric and gives it tags as it goes (namespace,
// task queue, workflow and activity type, operation…), so series are made on
// first use. Names follow Prometheus's conventions: counters end in _total,
// timers are histograms in seconds ending in _seconds, gauges keep their name.
//
// A small adapter rather than tally and its Prometheus reporter: the SDK's
// interface is four methods, and tally would add a metrics library of its own
// (with its own reporting loop) between the SDK and the one registry.
//
// Orderflow's business counters travel the same way (their names start with
// orderflow_), emitted by workflows through workflow.GetMetricsHandler, which
// records nothing while a workflow replays, and by activities through
// activity.GetMetricsHandler. Of the SDK's tags they keep only the namespace.
type TemporalMetrics struct {
	mu     sync.Mutex
	series map[string]prometheus.Metric
	order  []string // keys of series, in creation order (stable scrapes)
}

// NewTemporalMetrics returns an empty adapter; NewMetrics registers one.
func NewTemporalMetrics() *TemporalMetrics {
	return &TemporalMetrics{series: map[string]prometheus.Metric{}}
}

// Handler is the SDK's view of the adapter: pass it as
// client.Options.MetricsHandler.
func (t *TemporalMetrics) Handler() client.MetricsHandler { return newTemporalHandler(t, nil) }

// Describe sends nothing: series appear as the SDK names them (an unchecked
// collector).
func (t *TemporalMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series made so far.
func (t *TemporalMetrics) Collect(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	all := make([]prometheus.Metric, len(t.order))
	for i, k := range t.order {
		all[i] = t.series[k]
	}
	t.mu.Unlock()
	for _, m := range all {
		ch <- m
	}
}

// timerBuckets cover a local activity's milliseconds to a workflow's hour.
var timerBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

// sdkBookkeepingTags are the tags the SDK puts on every metric of a worker,
// dropped from Orderflow's own metrics (they keep the namespace).
var sdkBookkeepingTags = []string{"client_name", "worker_type", "workflow_type", "activity_type", "task_queue"}

// get returns the series of a name and labels, made by mk on first use.
func (t *TemporalMetrics) get(key string, mk func() prometheus.Metric) prometheus.Metric {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.series[key]
	if !ok {
		m = mk()
		t.series[key] = m
		t.order = append(t.order, key)
	}
	return m
}

// temporalHandler is the adapter with a set of tags, and the labels they make
// (worked out once per set, not per metric call: the SDK asks for a counter
// at every event).
type temporalHandler struct {
	store *TemporalMetrics
	tags  map[string]string
	// sdk are the labels of the SDK's metrics (every tag), own those of
	// Orderflow's (without the SDK's bookkeeping), each with its key.
	sdk, own       prometheus.Labels
	sdkKey, ownKey string
}

func newTemporalHandler(store *TemporalMetrics, tags map[string]string) temporalHandler {
	h := temporalHandler{store: store, tags: tags, sdk: prometheus.Labels{}, own: prometheus.Labels{}}
	for k, v := range tags {
		h.sdk[k], h.own[k] = v, v
	}
	for _, t := range sdkBookkeepingTags {
		delete(h.own, t)
	}
	h.sdkKey, h.ownKey = labelKey(h.sdk), labelKey(h.own)
	return h
}

func (h temporalHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range tags {
		merged[labelName(k)] = v
	}
	return newTemporalHandler(h.store, merged)
}

func (h temporalHandler) Counter(name string) client.MetricsCounter {
	name = strings.TrimSuffix(metricName(name), "_total") + "_total"
	labels, key := h.labelsFor(name)
	c := h.store.get("c|"+name+"|"+key, func() prometheus.Metric {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help(name), ConstLabels: labels})
	}).(prometheus.Counter)
	return counter{c}
}

func (h temporalHandler) Gauge(name string) client.MetricsGauge {
	name = metricName(name)
	labels, key := h.labelsFor(name)
	g := h.store.get("g|"+name+"|"+key, func() prometheus.Metric {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help(name), ConstLabels: labels})
	}).(prometheus.Gauge)
	return gauge{g}
}

func (h temporalHandler) Timer(name string) client.MetricsTimer {
	name = strings.TrimSuffix(metricName(name), "_seconds") + "_seconds"
	labels, key := h.labelsFor(name)
	hist := h.store.get("t|"+name+"|"+key, func() prometheus.Metric {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help(name), ConstLabels: labels, Buckets: timerBuckets})
	}).(prometheus.Histogram)
	return timer{hist}
}

// labelsFor is the labels of a metric, and their key: every tag for the
// SDK's metrics, no SDK bookkeeping for Orderflow's own. The labels are only
// read (a new series copies them).
func (h temporalHandler) labelsFor(name string) (prometheus.Labels, string) {
	if strings.HasPrefix(name, "temporal_") {
		return h.sdk, h.sdkKey
	}
	return h.own, h.ownKey
}

func labelKey(labels prometheus.Labels) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(labels[k])
		b.WriteByte(0)
	}
	return b.String()
}

func help(name string) string {
	if strings.HasPrefix(name, "temporal_") {
		return "Temporal SDK metric " + name + " (docs/operations.md)."
	}
	return "Orderflow metric " + name + " (docs/operations.md)."
}

// metricName and labelName keep to Prometheus's alphabet ([a-zA-Z0-9_],
// and ':' in metric names), replacing anything else with '_'.
func metricName(s string) string { return sanitize(s, true) }
func labelName(s string) string  { return sanitize(s, false) }

func sanitize(s string, colon bool) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') || (colon && c == ':')
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(d int64) {
	if d > 0 {
		c.c.Add(float64(d))
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) { g.g.Set(v) }

type timer struct{ h prometheus.Histogram }

func (t timer) Record(d time.Duration) { t.h.Observe(d.Seconds()) }
