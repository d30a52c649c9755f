// Package testenv gives tests real infrastructure: a fresh, migrated Postgres
// database per test (cloned from a template, dropped afterwards), a Temporal dev
// server from the project's own bin/temporal, and fixtures.
package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// DefaultDatabaseURL is used when TEST_DATABASE_URL is not set; it matches the
// local PostgreSQL that `make test` starts.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/orderflow_test?sslmode=disable"

// templateLockID serialises template creation across test binaries that `go test`
// runs in parallel.
const templateLockID = 0x6f66746d706c // "oftmpl"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// DatabaseURL is the base URL tests connect with.
func DatabaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultDatabaseURL
}

// NewDatabase creates a database of its own for the test, migrated, and returns
// a pool on it. The database is dropped when the test ends. Cloning a migrated
// template takes a few tens of milliseconds, so every test can have one and tests
// can run in parallel without seeing each other's rows.
func NewDatabase(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	return newDatabase(t, nil)
}

// newDatabase is NewDatabase with a tracer on the pool (nil: none).
func newDatabase(t testing.TB, tracer pgx.QueryTracer) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("test database template: %v", templateErr)
	}

	admin := adminConn(t)
	name := "orderflow_t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	// The template may be momentarily in use by another package's clone; retry.
	var err error
	for i := 0; i < 50; i++ {
		_, err = admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName))
		if err == nil || !strings.Contains(err.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDatabase(t, DatabaseURL(), name)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("test database URL: %v", err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close(context.Background())
	})
	return pool, url
}

// ensureTemplate builds (once per schema version) a template database holding
// the migrated schema. Its name carries a fingerprint of the migrations, so a
// changed migration gets a new template instead of a stale one.
func ensureTemplate(ctx context.Context) (string, error) {
	migrations, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := uuid.Nil
	for _, m := range migrations {
		h = uuid.NewSHA1(h, []byte(m.Name+"\x00"+m.SQL))
	}
	name := "orderflow_tmpl_" + strings.ReplaceAll(h.String(), "-", "")[:12]

	if err := db.EnsureDatabase(ctx, DatabaseURL()); err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLockID)); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(templateLockID)) //nolint:errcheck

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_wip"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	cfg, err := pgxpool.ParseConfig(DatabaseURL())
	if err != nil {
		return "", err
	}
	cfg.ConnConfig.Database = building
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return "", err
	}
	// Renamed only when complete, so an interrupted build never looks finished.
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func adminConn(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), DatabaseURL())
	if err != nil {
		t.Fatalf("connect to Postgres at %s (is it running? `make test` starts it): %v", DatabaseURL(), err)
	}
	return conn
}

func withDatabase(t testing.TB, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
