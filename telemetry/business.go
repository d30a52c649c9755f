package telemetry

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/orderflow/orderflow/db"
)

// BusinessCollector reads what waits from Postgres at each scrape: checkouts
// waiting for an approver, quotes by status, ERP pushes not synced. Each is
// one short query (the approvals' and the pushes' from partial indexes), so
// a scrape every 15 s costs nothing; a query that fails leaves its metrics
// out of that scrape and the error in the scrape's answer.
type BusinessCollector struct {
	q *db.Queries

	approvalsWaiting, approvalsOldest *prometheus.Desc
	quotes                            *prometheus.Desc
	erpSyncs, erpSyncsOldest          *prometheus.Desc
}

// scrapeTimeout bounds the collector's queries at each scrape.
const scrapeTimeout = 2 * time.Second

// NewBusinessCollector reads from pool; register it on one process's
// registry (the worker's: every worker would report the same numbers).
func NewBusinessCollector(pool *pgxpool.Pool) *BusinessCollector {
	return &BusinessCollector{
		q: db.New(pool),
		approvalsWaiting: prometheus.NewDesc("orderflow_approvals_waiting",
			"Checkouts waiting for an approver of the buyer's company.", nil, nil),
		approvalsOldest: prometheus.NewDesc("orderflow_approvals_oldest_waiting_seconds",
			"How long the oldest checkout waiting for an approver has waited (0 when none waits).", nil, nil),
		quotes: prometheus.NewDesc("orderflow_quotes",
			"Quotes by status.", []string{"status"}, nil),
		erpSyncs: prometheus.NewDesc("orderflow_erp_syncs_unsynced",
			"Orders' ERP pushes not synced, by status: pending (retrying), stuck (waiting for ops), cancelled.", []string{"status"}, nil),
		erpSyncsOldest: prometheus.NewDesc("orderflow_erp_syncs_unsynced_oldest_seconds",
			"Seconds since the oldest ERP push of the status last changed.", []string{"status"}, nil),
	}
}

// Describe sends the collector's metrics.
func (b *BusinessCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{b.approvalsWaiting, b.approvalsOldest, b.quotes, b.erpSyncs, b.erpSyncsOldest} {
		ch <- d
	}
}

// Collect queries Postgres.
func (b *BusinessCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()

	if a, err := b.q.ApprovalRequestCountPending(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(b.approvalsWaiting, err)
	} else {
		ch <- prometheus.MustNewConstMetric(b.approvalsWaiting, prometheus.GaugeValue, float64(a.Waiting))
		ch <- prometheus.MustNewConstMetric(b.approvalsOldest, prometheus.GaugeValue, a.OldestSeconds)
	}

	if rows, err := b.q.QuoteCountByStatus(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(b.quotes, err)
	} else {
		for _, r := range rows {
			ch <- prometheus.MustNewConstMetric(b.quotes, prometheus.GaugeValue, float64(r.Quotes), r.Status)
		}
	}

	if rows, err := b.q.ErpSyncCountUnsynced(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(b.erpSyncs, err)
	} else {
		// pending and stuck are always there, so an alert on stuck > 0 has a
		// series to read when none is stuck.
		counts := map[string]db.ErpSyncCountUnsyncedRow{"pending": {Status: "pending"}, "stuck": {Status: "stuck"}}
		for _, r := range rows {
			counts[r.Status] = r
		}
		for status, r := range counts {
			ch <- prometheus.MustNewConstMetric(b.erpSyncs, prometheus.GaugeValue, float64(r.Syncs), status)
			ch <- prometheus.MustNewConstMetric(b.erpSyncsOldest, prometheus.GaugeValue, r.OldestSeconds, status)
		}
	}
}
