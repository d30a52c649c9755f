package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/erpsandbox"
)

// Defaults of `orderflow erp-sandbox`; the environment and then the flags
// override them.
const (
	defaultERPSandboxAddr  = "127.0.0.1:8090"
	defaultERPSandboxToken = "sandbox-token"
)

// runERPSandbox serves the sandbox ERP (package erpsandbox) until ctx ends.
// It shares Orderflow's DATABASE_URL but keeps to its own schema, erp_sandbox.
func runERPSandbox(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("erp-sandbox", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	addr := fs.String("addr", envOr("ERP_SANDBOX_ADDR", defaultERPSandboxAddr), "listen address (env ERP_SANDBOX_ADDR)")
	token := fs.String("token", envOr("ERP_SANDBOX_TOKEN", defaultERPSandboxToken), "bearer token callers must present (env ERP_SANDBOX_TOKEN)")
	var faults erpsandbox.Faults
	fs.Float64Var(&faults.ErrorRate, "error-rate", 0, "share (0..1) of contract calls answered 503 without doing anything")
	fs.Float64Var(&faults.LoseAnswerRate, "lose-answer-rate", 0, "share (0..1) of order creations committed and then answered 502 without a body")
	fs.IntVar(&faults.LatencyMS, "latency-ms", 0, "milliseconds added to every contract call")
	fs.Float64Var(&faults.DuplicateRate, "duplicate-rate", 0, "share (0..1) of webhooks sent twice")
	fs.IntVar(&faults.ReorderWindowMS, "reorder-window-ms", 0, "hold webhooks this many milliseconds, then send them newest first")
	var news erpsandbox.WebhookTarget
	fs.StringVar(&news.URL, "webhook-url", os.Getenv("ERP_SANDBOX_WEBHOOK_URL"),
		"where to post the ERP's news, e.g. http://127.0.0.1:8080/v1/webhooks/erp (env ERP_SANDBOX_WEBHOOK_URL; none: news stays in the outbox)")
	fs.StringVar(&news.Secret, "webhook-secret", os.Getenv("ERP_SANDBOX_WEBHOOK_SECRET"),
		"the integration's secret the news is signed with (env ERP_SANDBOX_WEBHOOK_SECRET)")
	outageUntil := fs.String("outage-until", "", "answer 503 to every contract call until this RFC 3339 time")
	outageFor := fs.Duration("outage-for", 0, "answer 503 to every contract call for this long after start (e.g. 2m)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case *outageUntil != "" && *outageFor != 0:
		return errors.New("erp-sandbox: give -outage-until or -outage-for, not both")
	case *outageUntil != "":
		t, err := time.Parse(time.RFC3339, *outageUntil)
		if err != nil {
			return fmt.Errorf("erp-sandbox -outage-until: %w", err)
		}
		faults.OutageUntil = t
	case *outageFor > 0:
		faults.OutageUntil = time.Now().Add(*outageFor)
	}

	pool, err := app.OpenDatabase(ctx, cfg, log, true, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if (news.URL == "") != (news.Secret == "") {
		return errors.New("erp-sandbox: give -webhook-url and -webhook-secret together")
	}
	return serveERPSandbox(ctx, pool, *addr, *token, faults, news, log)
}

// serveERPSandbox serves a sandbox ERP on addr until ctx ends, and sends its
// news to the webhook target when it has a URL; `orderflow dev` runs one
// beside the API and worker.
func serveERPSandbox(ctx context.Context, pool *pgxpool.Pool, addr, token string, faults erpsandbox.Faults,
	news erpsandbox.WebhookTarget, log *slog.Logger) error {
	store, err := erpsandbox.NewStore(ctx, pool)
	if err != nil {
		return err
	}
	sandbox, err := erpsandbox.NewServer(store, token, faults, log)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sandbox.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ERP sandbox address: %w", err)
	}
	log.Info("ERP sandbox listening", "addr", "http://"+addr, "error_rate", faults.ErrorRate,
		"lose_answer_rate", faults.LoseAnswerRate, "latency_ms", faults.LatencyMS, "outage_until", faults.OutageUntil,
		"duplicate_rate", faults.DuplicateRate, "reorder_window_ms", faults.ReorderWindowMS, "webhook_url", news.URL)
	g, ctx := errgroup.WithContext(ctx)
	if news.URL != "" {
		g.Go(func() error { return sandbox.SendWebhooks(ctx, news) })
	}
	g.Go(func() error { return serveUntilDone(ctx, srv, ln) })
	return g.Wait()
}

// envOr is the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
