package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/webhooks"
)

// RepoRoot finds the repository root (the folder with go.mod) above the test's
// working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// TemporalCLI is the project's own Temporal CLI, built by `make temporal`.
func TemporalCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no Temporal CLI at %s: run `make temporal` (make test does it)", p)
	}
	return p, nil
}

// ERPToken is the token of every Stack's ERP sandbox.
const ERPToken = "stack-erp-token"

// stackNamespaces is how many Stacks one dev server can hold: each Stack gets a
// namespace of its own, so its worker sees only its own tasks and its
// visibility queries see only its own workflows.
const stackNamespaces = 120

var nextNamespace atomic.Int32

func stackNamespace(i int) string { return fmt.Sprintf("stack-%d", i) }

// StartTemporal starts an in-memory Temporal dev server from bin/temporal, with
// the project's search attributes registered, on a free port. Call it once per
// test binary (TestMain) and Stop it at the end: it takes a few seconds.
func StartTemporal(log *slog.Logger) (*testsuite.DevServer, error) {
	cli, err := TemporalCLI()
	if err != nil {
		return nil, err
	}
	extra := append(app.SearchAttributeFlags(), app.DevServerArgs...)
	for i := 1; i <= stackNamespaces; i++ {
		extra = append(extra, "--namespace", stackNamespace(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Namespace: "default", Logger: tlog.NewStructuredLogger(log)},
		LogLevel:      "error",
		ExtraArgs:     extra,
		Stdout:        io.Discard,
		Stderr:        os.Stderr,
	})
}

// Stack is the real system under test: the API over HTTP, the worker, Temporal
// and Postgres, with a database and a Temporal namespace of its own.
type Stack struct {
	Namespace string
	Pool      *pgxpool.Pool
	Temporal  client.Client
	API       *httptest.Server
	Workers   app.Workers
	// Metrics is the stack's registry, served at the API's /metrics (the
	// stack's in-process workers record into it too).
	Metrics *telemetry.Metrics
	// Activities is what the worker runs; tests may swap its payment provider
	// before starting a replacement worker.
	Activities app.Activities

	// ERP is the stack's ERP: a sandbox (package erpsandbox) served over
	// HTTP at ERPURL with ERPToken, keeping its data in the stack's database
	// (schema erp_sandbox). Tests set its faults and read its orders.
	ERP      *erpsandbox.Server
	ERPStore *erpsandbox.Store
	ERPURL   string
	// ERPIntegration is the integration the sandbox posts its news to
	// (/v1/webhooks/erp), with StackOptions.ERPWebhooks.
	ERPIntegration Integration

	// DatabaseURL is the stack's own database, and TemporalAddress the dev
	// server's frontend (host:port): with Namespace, what a worker started as
	// a process of its own (`orderflow worker`) needs to join the stack.
	DatabaseURL     string
	TemporalAddress string
}

// stackVersioning is how a Stack's in-process workers poll: unversioned. A
// versioned build takes work only once the server has registered each of its
// task queues with the deployment and it is made current, seconds per stack
// (more on a busy machine) that every test would wait. The `orderflow worker`
// processes tests start run versioned, as in production, and
// e2e/worker_versions_test.go tests rollouts and rollbacks.
var stackVersioning = app.Versioning{}

// StackOptions tune a Stack.
type StackOptions struct {
	// CheckoutSyncWait is how long checkout waits before answering 202 (default 5s).
	CheckoutSyncWait time.Duration
	// Payments replaces the built-in on-account provider.
	Payments func(pool *pgxpool.Pool) payment.Provider
	// ExternalWorkers starts no worker in the test process (Workers stays
	// empty): the test runs `orderflow worker` processes of its own (see
	// OrderflowBinary), so it can kill them as a crash would. Those set
	// WORKER_HTTP_ADDR=127.0.0.1:0, so that their listeners never clash.
	ExternalWorkers bool
	// ERPPushPolicy is the workers' ERP push policy (zero: the defaults, a
	// 24 h budget with tries at most 30 min apart).
	ERPPushPolicy erp.PushPolicy
	// ERPWebhooks makes the ERP sandbox send its news (acknowledged,
	// invoiced, shipped, paid) to the stack's API, as `make run` does: an
	// integration "erp" is created and the sandbox's dispatcher runs until
	// the test ends. Off by default, so that other tests' orders change only
	// as they say.
	ERPWebhooks bool
	// Statements, when set, counts every SQL statement the stack's pool
	// sends (the API's, the workers' and the test's own fixtures).
	Statements *StatementCounter
}

// NewStack builds the system against the given Temporal server and a new
// database, and tears it down when the test ends. The worker and API use the
// same wiring as the binary (package app).
func NewStack(t testing.TB, server *testsuite.DevServer, opts StackOptions) *Stack {
	t.Helper()
	var tracer pgx.QueryTracer
	if opts.Statements != nil {
		tracer = opts.Statements
	}
	pool, dbURL := newDatabase(t, tracer)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	i := int(nextNamespace.Add(1))
	if i > stackNamespaces {
		t.Fatalf("more than %d stacks on one dev server; raise stackNamespaces", stackNamespaces)
	}
	// One registry per stack, as per process: the API serves it at /metrics.
	metrics := telemetry.NewMetrics()
	metrics.Registry.MustRegister(telemetry.NewBusinessCollector(pool))
	tc, err := client.NewClientFromExisting(server.Client(), app.ObserveTemporal(client.Options{
		Namespace: stackNamespace(i), Logger: tlog.NewStructuredLogger(log)}, metrics))
	if err != nil {
		t.Fatalf("temporal client: %v", err)
	}
	erpStore, err := erpsandbox.NewStore(context.Background(), pool)
	if err != nil {
		t.Fatalf("ERP sandbox: %v", err)
	}
	erpServer, err := erpsandbox.NewServer(erpStore, ERPToken, erpsandbox.Faults{}, log)
	if err != nil {
		t.Fatalf("ERP sandbox: %v", err)
	}
	erpHTTP := httptest.NewServer(asSender("erp sandbox", erpServer.Handler()))
	acts := app.NewActivities(pool, erp.NewHTTPConnector(erpHTTP.URL, ERPToken, 5*time.Second))
	acts.Erp.Policy = opts.ERPPushPolicy
	if opts.Payments != nil {
		acts.Payment = &payment.Activities{DB: pool, Provider: opts.Payments(pool)}
	}
	var ws app.Workers
	if !opts.ExternalWorkers {
		ws = app.NewWorkers(tc, acts, stackVersioning)
		if err := ws.Start(); err != nil {
			t.Fatalf("start worker: %v", err)
		}
	}
	if opts.CheckoutSyncWait == 0 {
		opts.CheckoutSyncWait = 5 * time.Second
	}
	secrets, err := webhooks.NewSecretBox(config.DevWebhookKey())
	if err != nil {
		t.Fatalf("webhook secrets: %v", err)
	}
	// The desk links each workflow in the Temporal UI; a reserved name stands
	// for one here, as the tests check the links and never follow them.
	ui := "http://temporal-ui.test/namespaces/" + stackNamespace(i)
	apiCtx, stopAPI := context.WithCancel(context.Background())
	srv := httptest.NewServer(app.NewAPIHandler(apiCtx, pool, tc, log, api.Options{CheckoutSyncWait: opts.CheckoutSyncWait, WebhookSecrets: secrets, TemporalUI: ui,
		Metrics: metrics}))
	s := &Stack{Namespace: stackNamespace(i), Pool: pool, Temporal: tc, API: srv, Workers: ws, Activities: acts, Metrics: metrics,
		ERP: erpServer, ERPStore: erpStore, ERPURL: erpHTTP.URL,
		DatabaseURL: dbURL, TemporalAddress: server.FrontendHostPort()}
	stopNews := func() {}
	if opts.ERPWebhooks {
		s.ERPIntegration = newIntegration(t, pool, "erp", webhooks.KindERP)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- erpServer.SendWebhooks(ctx, erpsandbox.WebhookTarget{URL: srv.URL + "/v1/webhooks/erp",
				Secret: s.ERPIntegration.Secret, Poll: 50 * time.Millisecond})
		}()
		stopNews = func() { cancel(); <-done }
	}
	t.Cleanup(func() {
		stopNews()
		srv.Close()
		stopAPI()
		s.Workers.Stop()
		erpHTTP.Close()
		tc.Close()
		// Whatever the test did, the running credit and spend totals must
		// still equal the history they stand for.
		RequireTotalsAgree(t, pool)
	})
	return s
}

// RestartWorker stops the workers and starts new ones, as a redeploy or a
// crash-and-restart would. A non-nil provider replaces the payment provider.
func (s *Stack) RestartWorker(t testing.TB, provider payment.Provider) {
	t.Helper()
	s.Workers.Stop()
	if provider != nil {
		s.Activities.Payment = &payment.Activities{DB: s.Pool, Provider: provider}
	}
	s.Workers = app.NewWorkers(s.Temporal, s.Activities, stackVersioning)
	if err := s.Workers.Start(); err != nil {
		t.Fatalf("restart worker: %v", err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
