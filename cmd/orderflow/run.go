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
	tc, err := app.DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveHTTP(ctx, cfg, log, pool, tc) })
	return g.Wait()
}

// runWorker runs the worker alone.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting worker", "config", cfg.String())
	pool, err := app.OpenDatabase(ctx, cfg, log, false, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	tc, err := app.DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	app.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, log)
	return runWorkers(ctx, cfg, log, tc, pool)
}

// runWorkers runs every process's worker until ctx ends, then stops them.
func runWorkers(ctx context.Context, cfg config.Config, log *slog.Logger, tc client.Client, pool *pgxpool.Pool) error {
	acts := app.NewActivities(pool, erp.NewHTTPConnector(cfg.ERPURL, cfg.ERPToken, cfg.ERPTimeout))
	acts.Erp.Policy = erp.PushPolicy{RetryBudget: cfg.ERPRetryBudget, MaxInterval: cfg.ERPRetryMaxInterval}
	version := app.VersioningOf(cfg)
	ws := app.NewWorkers(tc, acts, version)
	if err := ws.Start(); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	// Under worker versioning this build gets new work once its version is
	// current: the deployment's first build makes itself current, a later
	// one waits for an operator (docs/deployment.md) unless configured
	// otherwise.
	if err := app.MakeCurrent(ctx, tc, version, cfg.WorkerSetCurrent, log); err != nil {
		ws.Stop()
		return err
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

// serveHTTP serves the API until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, tc client.Client) error {
	secrets, err := webhooks.NewSecretBox(cfg.WebhookSecretKey)
	if err != nil {
		return fmt.Errorf("WEBHOOK_SECRET_KEY: %w", err)
	}
	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           app.NewAPIHandler(pool, tc, log, api.Options{CheckoutSyncWait: cfg.CheckoutSyncWait, WebhookSecrets: secrets, TemporalUI: cfg.TemporalUINamespace()}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	log.Info("API listening", "addr", "http://"+cfg.HTTPAddr)
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
