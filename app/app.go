// Package app wires Orderflow's parts from configuration: the logger, the
// Postgres pool, the Temporal client and the worker with everything registered.
// The binary in cmd/ and the end-to-end tests build the system through it, so
// both run the same wiring.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/activities/fulfilment"
	housekeepingacts "github.com/orderflow/orderflow/activities/housekeeping"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/desk"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/housekeeping"
	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/quote"
)

// DevServerArgs are extra `temporal server start-dev` flags for a one-node
// server:
//
//   - a single task-queue partition, so a worker's pollers meet tasks directly
//     instead of waiting for them to be forwarded between partitions (tens of
//     milliseconds per workflow task on a small machine);
//   - a transfer queue that reads as often as it is told of new tasks. The dev
//     server has one history shard, and a shard's transfer queue (the tasks
//     that hand a workflow task to matching, start a child, …) reads at most
//     history.transferProcessorMaxPollRPS times a second, 20 by default: one
//     workflow after another then waits ~50 ms for its first workflow task, the
//     floor of every round trip at concurrency 1 (docs/performance.md, "The 50
//     ms floor at C=1"). A server with hundreds of shards spreads workflows
//     over as many queues and never meets that limit at low load;
//   - history long polls (the wait for a workflow's result) that expire after
//     1 s instead of 20 s. The history service keeps one pending notification
//     per waiting poll and drops the next while it is full, so a workflow
//     whose last events follow each other within a millisecond or two (which
//     the faster transfer queue makes common) now and then closes unseen, and
//     the caller hears of it only when its poll expires: 20 s, longer than
//     checkout's synchronous wait. Measured: those misses now cost 1.0 s.
var DevServerArgs = []string{
	"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
	"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
	"--dynamic-config-value", DevTransferPollRPS,
	"--dynamic-config-value", `history.longPollExpirationInterval="1s"`,
}

// DevTransferPollRPS is the dynamic config value in DevServerArgs that lifts
// the dev server's transfer-queue read rate from 20 to 1000 a second.
const DevTransferPollRPS = "history.transferProcessorMaxPollRPS=1000"

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// defaultPoolSize is the connection pool size of one process unless
// DATABASE_URL sets pool_max_conns.
const defaultPoolSize = 20

// PoolConfig is the pool OpenDatabase opens on url. pgx's defaults stay as
// they are where they matter for speed: each connection prepares a statement
// the first time it runs it and reuses it after (QueryExecModeCacheStatement,
// 512 statements a connection), so a checkout's statements cost one round
// trip each, not a parse and plan each time. A URL may still set
// default_query_exec_mode (a pooler in transaction mode needs "exec").
func PoolConfig(url string) (*pgxpool.Config, error) {
	poolCfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// pgxpool's default (max(4, cores)) starves a process that serves HTTP and
	// runs local activities at once; pool_max_conns in the URL still wins.
	if !strings.Contains(url, "pool_max_conns") {
		poolCfg.MaxConns = defaultPoolSize
	}
	return poolCfg, nil
}

// OpenDatabase creates the database if it is missing (when create is set),
// connects, and applies pending migrations (when migrate is set).
func OpenDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, create, migrate bool) (*pgxpool.Pool, error) {
	if create {
		if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	poolCfg, err := PoolConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to Postgres: %w", err)
	}
	if migrate {
		if _, err := db.Migrate(ctx, pool, log); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// DialTemporal connects to Temporal with the configured address, namespace, TLS
// and API key, logging through slog, with the SDK's metrics going to m (nil:
// none) and the request ID carried along (ObserveTemporal).
func DialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger, m *telemetry.Metrics) (client.Client, error) {
	opts := ObserveTemporal(client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(log.With("component", "temporal")),
	}, m)
	if cfg.UseTLS() {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}
		if cfg.TemporalTLSCert != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
			if err != nil {
				return nil, fmt.Errorf("TEMPORAL_TLS_CERT/KEY: %w", err)
			}
			tlsCfg.Certificates = []tls.Certificate{cert}
		}
		if cfg.TemporalTLSCA != "" {
			pem, err := os.ReadFile(cfg.TemporalTLSCA)
			if err != nil {
				return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("TEMPORAL_TLS_CA: no certificates found")
			}
			tlsCfg.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tlsCfg
	}
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	return client.DialContext(ctx, opts)
}

// ObserveTemporal adds to a Temporal client's options what every Orderflow
// client has: the SDK's metrics (workflow and activity latencies, task slots,
// the sticky cache, and the business counters workflows emit) into m's
// registry, when m is set; the request ID of the HTTP request that starts a
// workflow or sends an update, carried in its headers to every workflow and
// activity that follows; and workers' workflow and activity loggers that
// name it. The workers made from the client inherit all of it.
func ObserveTemporal(opts client.Options, m *telemetry.Metrics) client.Options {
	if m != nil {
		opts.MetricsHandler = m.Temporal.Handler()
	}
	opts.ContextPropagators = append(opts.ContextPropagators, telemetry.RequestIDPropagator{})
	opts.Interceptors = append(opts.Interceptors, &telemetry.RequestIDLogging{})
	return opts
}

// Activities are every activity capability the worker runs, with their
// dependencies.
type Activities struct {
	Carts      *carts.Activities
	Spend      *spend.Activities
	Approval   *approval.Activities
	Inventory  *inventory.Activities
	Payment    *payment.Activities
	Orders     *orders.Activities
	Quotes     *quotes.Activities
	Fulfilment *fulfilment.Activities
	Erp        *erp.Activities
	// Housekeeping deletes expired Idempotency-Keys.
	Housekeeping *housekeepingacts.Activities
}

// NewActivities builds the activities on the pool, with the built-in
// payment-on-account provider and erpConn as the ERP.
func NewActivities(pool *pgxpool.Pool, erpConn erp.Connector) Activities {
	return Activities{
		Carts:        &carts.Activities{DB: pool},
		Spend:        &spend.Activities{DB: pool},
		Approval:     &approval.Activities{DB: pool},
		Inventory:    &inventory.Activities{DB: pool},
		Payment:      &payment.Activities{DB: pool, Provider: payment.OnAccount{DB: pool}},
		Orders:       &orders.Activities{DB: pool},
		Quotes:       &quotes.Activities{DB: pool},
		Fulfilment:   &fulfilment.Activities{DB: pool},
		Erp:          &erp.Activities{DB: pool, Connector: erpConn},
		Housekeeping: &housekeepingacts.Activities{DB: pool},
	}
}

// NewCheckoutWorker builds the worker of the checkout task queue with the
// checkout workflow and its activities registered. Activities are registered
// by method name (the names workflows reference them by), so registering two
// capabilities with a method of the same name fails here, at start.
//
// Each workflow type is registered with the versioning behavior its process
// chose (pinned or auto-upgrade, said why in its contract); the workers set
// no default, so a versioned worker with a type that chose none panics here.
func NewCheckoutWorker(c client.Client, acts Activities, v Versioning) worker.Worker {
	w := worker.New(c, checkout.TaskQueue, v.workerOptions())
	w.RegisterWorkflowWithOptions(checkout.Checkout, workflow.RegisterOptions{Name: checkout.WorkflowName,
		VersioningBehavior: checkout.VersioningBehavior})
	for _, capability := range []any{acts.Carts, acts.Spend, acts.Approval, acts.Inventory, acts.Payment, acts.Orders} {
		w.RegisterActivity(capability)
	}
	// The hand-over starts the order's workflow with this worker's client.
	w.RegisterActivity(&order.Starter{Client: c})
	return w
}

// NewQuoteWorker builds the worker of the quote task queue with the quote
// workflow and its activities registered.
func NewQuoteWorker(c client.Client, acts Activities, v Versioning) worker.Worker {
	w := worker.New(c, quote.TaskQueue, v.workerOptions())
	w.RegisterWorkflowWithOptions(quote.Quote, workflow.RegisterOptions{Name: quote.WorkflowName,
		VersioningBehavior: quote.VersioningBehavior})
	w.RegisterActivity(acts.Quotes)
	return w
}

// NewOrderWorker builds the worker of the order task queue with the order
// workflow and its activities registered (fulfilment, and the payment
// activities that capture and release).
func NewOrderWorker(c client.Client, acts Activities, v Versioning) worker.Worker {
	w := worker.New(c, order.TaskQueue, v.workerOptions())
	w.RegisterWorkflowWithOptions(order.Order, workflow.RegisterOptions{Name: order.WorkflowName,
		VersioningBehavior: order.VersioningBehavior})
	w.RegisterActivity(acts.Fulfilment)
	w.RegisterActivity(acts.Payment)
	// An opening order starts its ERP push with this worker's client.
	w.RegisterActivity(&erpsync.Starter{Client: c})
	return w
}

// NewErpWorker builds the worker of the ERP task queue with the ERP order,
// stock pull, price pull and reconciliation workflows and the ERP activities
// registered: its own queue and worker, so a slow ERP occupies no checkout or
// order slot.
func NewErpWorker(c client.Client, acts Activities, v Versioning) worker.Worker {
	w := worker.New(c, erpsync.TaskQueue, v.workerOptions())
	w.RegisterWorkflowWithOptions(erpsync.ErpOrder, workflow.RegisterOptions{Name: erpsync.WorkflowName,
		VersioningBehavior: erpsync.VersioningBehavior})
	w.RegisterWorkflowWithOptions(erpsync.ErpStockPull, workflow.RegisterOptions{Name: erpsync.StockPullWorkflowName,
		VersioningBehavior: erpsync.PullVersioningBehavior})
	w.RegisterWorkflowWithOptions(erpsync.ErpReconcile, workflow.RegisterOptions{Name: erpsync.ReconcileWorkflowName,
		VersioningBehavior: erpsync.ReconcileVersioningBehavior})
	w.RegisterWorkflowWithOptions(erpsync.ErpPricePull, workflow.RegisterOptions{Name: erpsync.PricePullWorkflowName,
		VersioningBehavior: erpsync.PullVersioningBehavior})
	w.RegisterActivity(acts.Erp)
	return w
}

// NewHousekeepingWorker builds the worker of the housekeeping task queue: the
// hourly expiry of Idempotency-Keys.
func NewHousekeepingWorker(c client.Client, acts Activities, v Versioning) worker.Worker {
	w := worker.New(c, housekeeping.TaskQueue, v.workerOptions())
	w.RegisterWorkflowWithOptions(housekeeping.ExpireIdempotencyKeys, workflow.RegisterOptions{Name: housekeeping.ExpireKeysWorkflowName,
		VersioningBehavior: housekeeping.ExpireKeysVersioningBehavior})
	w.RegisterActivity(acts.Housekeeping)
	return w
}

// workerOptions are every worker's options: each activity's error passes
// through activities.Classify (activities.ClassifyErrors), so input Postgres
// can never store ends its step at once, as a refusal, in every process.

// workerOptions are the worker options of every worker: the activities'
// interceptors (activities.Interceptors: a step's error judged retryable or
// not in one place), polling as v. No default
// versioning behavior: each workflow type registers its own.
func (v Versioning) workerOptions() worker.Options {
	opts := worker.Options{Interceptors: activities.Interceptors()}
	if v.Deployment != "" {
		opts.DeploymentOptions = worker.DeploymentOptions{
			UseVersioning: true,
			Version:       worker.WorkerDeploymentVersion{DeploymentName: v.Deployment, BuildID: v.BuildID},
		}
	}
	return opts
}

// Workers are every process's worker, started and stopped together.
type Workers []worker.Worker

// NewWorkers builds the worker of every process's task queue (TaskQueues),
// all of them as deployment version v.
func NewWorkers(c client.Client, acts Activities, v Versioning) Workers {
	return Workers{NewCheckoutWorker(c, acts, v), NewQuoteWorker(c, acts, v), NewOrderWorker(c, acts, v), NewErpWorker(c, acts, v),
		NewHousekeepingWorker(c, acts, v)}
}

// TaskQueues are the task queues NewWorkers polls, one per process: what a
// worker deployment version of Orderflow must poll before it may become
// current.
var TaskQueues = []string{checkout.TaskQueue, quote.TaskQueue, order.TaskQueue, erpsync.TaskQueue, housekeeping.TaskQueue}

// Start starts every worker; when one fails, those started are stopped again.
func (ws Workers) Start() error {
	for i, w := range ws {
		if err := w.Start(); err != nil {
			ws[:i].Stop()
			return err
		}
	}
	return nil
}

// Stop stops every worker, waiting for their tasks to finish.
func (ws Workers) Stop() {
	for _, w := range ws {
		w.Stop()
	}
}

// SearchAttributes are the custom search attributes of every process, each
// once, sorted by name: what a namespace must have registered.
func SearchAttributes() []temporal.SearchAttributeKey {
	seen := map[string]bool{}
	var out []temporal.SearchAttributeKey
	for _, k := range slices.Concat(checkout.SearchAttributes, quote.SearchAttributes, order.SearchAttributes, erpsync.SearchAttributes) {
		if !seen[k.GetName()] {
			seen[k.GetName()] = true
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b temporal.SearchAttributeKey) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out
}

// SearchAttributeFlags are the `temporal server start-dev` flags that register
// SearchAttributes on a dev server.
func SearchAttributeFlags() []string {
	var flags []string
	for _, k := range SearchAttributes() {
		flags = append(flags, "--search-attribute", k.GetName()+"="+searchAttributeTypeName(k))
	}
	return flags
}

// searchAttributeTypeName is the name the CLI and the operator API give a
// search attribute's type ("Keyword", "Int", …).
func searchAttributeTypeName(k temporal.SearchAttributeKey) string {
	for name, v := range enumspb.IndexedValueType_shorthandValue {
		if enumspb.IndexedValueType(v) == k.GetValueType() {
			return name
		}
	}
	return k.GetValueType().String()
}

// APIAreas are the route areas the API serves besides the buyer-facing ones in
// api.Server.Routes: ops administration, and company admins' self-service.
// The binary and the tests serve the same areas through NewAPIHandler.
var APIAreas = []api.Area{admin.Routes, admin.CompanyRoutes}

// NewAPIHandler is the whole HTTP API, and the sales desk under /desk/ on top
// of it (the desk serves every page through this same API handler). Webhook
// events go to their orders' workflows unless opts names another deliverer.
// Until ctx ends, the API listens to Postgres for revoked tokens and changed
// principals (api.Server.WatchPrincipals), so that its token cache never
// outlives a revocation made on any server.
func NewAPIHandler(ctx context.Context, pool *pgxpool.Pool, c client.Client, log *slog.Logger, opts api.Options) http.Handler {
	if opts.WebhookDeliverer == nil {
		opts.WebhookDeliverer = api.OrderWebhooks{Temporal: c}
	}
	server := api.NewServer(pool, c, log, opts)
	go server.WatchPrincipals(ctx)
	apiHandler := server.Handler(APIAreas...)
	deskHandler := desk.New(pool, apiHandler, log, desk.Options{TemporalUI: opts.TemporalUI}).Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/desk":
			http.Redirect(w, r, desk.Prefix, http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, desk.Prefix):
			deskHandler.ServeHTTP(w, r)
		default:
			apiHandler.ServeHTTP(w, r)
		}
	})
}

// EnsureSearchAttributes registers the custom search attributes the workflows
// set, when the namespace lacks them. Temporal Cloud does not allow this through
// the API; there, register them once in the Cloud UI or with tcld, and the
// failure here is only logged.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		log.Warn("cannot list search attributes; register them by hand", "err", err)
		return
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, k := range SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[k.GetName()]; !ok {
			missing[k.GetName()] = k.GetValueType()
		}
	}
	if len(missing) == 0 {
		return
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	}); err != nil {
		log.Warn("cannot register search attributes; register them by hand", "missing", missing, "err", err)
		return
	}
	log.Info("registered search attributes", "names", len(missing))
}
