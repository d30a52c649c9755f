package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/webhooks"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/housekeeping"
)

const usage = `usage: orderflow <command>

commands:
  serve     run the HTTP API
  worker    run the Temporal worker
  migrate   create the database if missing and apply migrations
  seed      load the demo data
  dev       run everything locally (Temporal dev server, API, worker, demo data)
  erp-sandbox  run the sandbox ERP (flags: orderflow erp-sandbox -h)`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := app.NewLogger(cfg, os.Stderr)
	slog.SetDefault(log)

	switch args[0] {
	case "serve":
		return runServe(ctx, cfg, log)
	case "worker":
		return runWorker(ctx, cfg, log)
	case "migrate":
		pool, err := app.OpenDatabase(ctx, cfg, log, true, true)
		if err == nil {
			pool.Close()
			log.Info("database is up to date")
		}
		return err
	case "seed":
		pool, err := app.OpenDatabase(ctx, cfg, log, false, false)
		if err != nil {
			return err
		}
		defer pool.Close()
		secrets, err := webhooks.NewSecretBox(cfg.WebhookSecretKey)
		if err != nil {
			return err
		}
		return demo.Seed(ctx, pool, secrets)
	case "dev":
		return runDev(ctx, cfg, log)
	case "erp-sandbox":
		return runERPSandbox(ctx, cfg, log, args[1:])
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	fmt.Fprintln(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// runServe runs the API alone (production: scale it out behind a load balancer).
func runServe(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting API", "config", cfg.String())
	if err := cfg.RequireProductionSecrets(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	pool, err := app.OpenDatabase(ctx, cfg, log, false, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	metrics := telemetry.NewMetrics()
	tc, err := app.DialTemporal(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	defer tc.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveHTTP(ctx, cfg, log, pool, tc, metrics) })
	return g.Wait()
}

// runWorker runs the worker alone, with its own listener for /metrics,
// /healthz and /readyz (WORKER_HTTP_ADDR).
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting worker", "config", cfg.String())
	pool, err := app.OpenDatabase(ctx, cfg, log, false, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	metrics := telemetry.NewMetrics()
	metrics.Registry.MustRegister(telemetry.NewBusinessCollector(pool))
	tc, err := app.DialTemporal(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	defer tc.Close()
	app.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, log)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveWorkerHTTP(ctx, cfg, log, pool, tc, metrics) })
	g.Go(func() error { return runWorkers(ctx, cfg, log, tc, pool) })
	return g.Wait()
}

// runWorkers runs every process's worker until ctx ends, then stops them.
func runWorkers(ctx context.Context, cfg config.Config, log *slog.Logger, tc client.Client, pool *pgxpool.Pool) error {
	acts := app.NewActivities(pool, erp.NewHTTPConnector(cfg.ERPURL, cfg.ERPToken, cfg.ERPTimeout))
	acts.Erp.Policy = erp.PushPolicy{RetryBudget: cfg.ERPRetryBudget, MaxInterval: cfg.ERPRetryMaxInterval}
	ws := app.NewWorkers(tc, acts)
	if err := ws.Start(); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	// Without its schedules the worker still pushes orders; the pulls and
	// the daily reconciliation wait for the next worker start (an ops stock
	// pull trigger creates them too).
	if err := erpsync.EnsureSchedules(ctx, tc); err != nil {
		log.Warn("ERP schedules not ensured", "err", err)
	}
	if err := housekeeping.EnsureSchedules(ctx, tc); err != nil {
		log.Warn("housekeeping schedule not ensured; expired Idempotency-Keys stay until the next worker start", "err", err)
	}
	<-ctx.Done()
	ws.Stop()
	return nil
}

// The API's HTTP server limits. A request's headers must arrive within
// readHeaderTimeout and its whole body within apiReadTimeout (a 1 MiB body
// on a slow link); an answer may take the /v1 request deadline
// (api.RequestTimeout) and writeTimeoutMargin more before the connection is
// cut; an idle keep-alive connection closes after idleTimeout.
const (
	readHeaderTimeout  = 5 * time.Second
	apiReadTimeout     = 30 * time.Second
	writeTimeoutMargin = 10 * time.Second
	idleTimeout        = 2 * time.Minute
)

// The worker's listener answers only probes and scrapes, each bounded (2 s
// per readiness check): short timeouts all round.
const (
	workerReadTimeout  = 5 * time.Second
	workerWriteTimeout = 15 * time.Second
)

// apiServer is the API's http.Server with its limits.
func apiServer(cfg config.Config, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       apiReadTimeout,
		WriteTimeout:      api.RequestTimeout(cfg.CheckoutSyncWait) + writeTimeoutMargin,
		IdleTimeout:       idleTimeout,
	}
}

// serveHTTP serves the API, and the process's /metrics, until ctx ends, then
// shuts down gracefully.
func serveHTTP(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, tc client.Client, metrics *telemetry.Metrics) error {
	secrets, err := webhooks.NewSecretBox(cfg.WebhookSecretKey)
	if err != nil {
		return fmt.Errorf("WEBHOOK_SECRET_KEY: %w", err)
	}
	srv := apiServer(cfg, app.NewAPIHandler(ctx, pool, tc, log, api.Options{CheckoutSyncWait: cfg.CheckoutSyncWait, WebhookSecrets: secrets,
		TemporalUI: cfg.TemporalUINamespace(), Metrics: metrics}))
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	log.Info("API listening", "addr", "http://"+cfg.HTTPAddr)
	return serveUntilDone(ctx, srv, ln)
}

// serveWorkerHTTP serves the worker's /metrics, /healthz and /readyz on
// WORKER_HTTP_ADDR until ctx ends.
func serveWorkerHTTP(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, tc client.Client, metrics *telemetry.Metrics) error {
	srv := &http.Server{
		Handler:           telemetry.OpsHandler(metrics, pool, tc),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       workerReadTimeout,
		WriteTimeout:      workerWriteTimeout,
		IdleTimeout:       idleTimeout,
	}
	ln, err := net.Listen("tcp", cfg.WorkerHTTPAddr)
	if err != nil {
		return fmt.Errorf("WORKER_HTTP_ADDR: %w", err)
	}
	// The address listened on: with port 0, the port the system chose.
	log.Info("worker HTTP listening", "addr", "http://"+ln.Addr().String())
	return serveUntilDone(ctx, srv, ln)
}

// serveUntilDone serves on ln until the server fails or ctx ends, then shuts
// down gracefully, letting in-flight requests finish (10 s at most).
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
