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
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows"
)

// DevServerArgs are extra `temporal server start-dev` flags for a one-node
// server: a single task-queue partition, so a worker's pollers meet tasks
// directly instead of waiting for them to be forwarded between partitions
// (tens of milliseconds per workflow task on a small machine).
var DevServerArgs = []string{
	"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
	"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
}

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

// OpenDatabase creates the database if it is missing (when create is set),
// connects, and applies pending migrations (when migrate is set).
func OpenDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, create, migrate bool) (*pgxpool.Pool, error) {
	if create {
		if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// pgxpool's default (max(4, cores)) starves a process that serves HTTP and
	// runs local activities at once; pool_max_conns in the URL still wins.
	if !strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
		poolCfg.MaxConns = defaultPoolSize
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
// and API key, logging through slog.
func DialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(log.With("component", "temporal")),
	}
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

// NewCheckoutWorker builds the worker of the checkout task queue with the
// checkout workflow and its activities registered.
func NewCheckoutWorker(c client.Client, acts *activities.Activities) worker.Worker {
	w := worker.New(c, workflows.CheckoutTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.Checkout, workflow.RegisterOptions{Name: workflows.CheckoutWorkflowName})
	w.RegisterActivity(acts)
	return w
}

// NewActivities builds the activities with the built-in payment provider.
func NewActivities(pool *pgxpool.Pool) *activities.Activities {
	return &activities.Activities{DB: pool, Payments: activities.OnAccount{DB: pool}}
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
	for name, typ := range workflows.SearchAttributeTypes {
		if _, ok := have.GetCustomAttributes()[name]; ok {
			continue
		}
		v, ok := enumspb.IndexedValueType_shorthandValue[typ]
		if !ok {
			log.Error("unknown search attribute type", "name", name, "type", typ)
			continue
		}
		missing[name] = enumspb.IndexedValueType(v)
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
