package db_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// TestMigrateIsIdempotentAndSerialised creates a database with EnsureDatabase,
// runs four migrators at once on it, then one more: every migration is applied
// exactly once, and the last run applies nothing.
func TestMigrateIsIdempotentAndSerialised(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u, err := url.Parse(testenv.DatabaseURL())
	require.NoError(t, err)
	name := "orderflow_m_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	u.Path = "/" + name
	require.NoError(t, db.EnsureDatabase(ctx, u.String()))
	require.NoError(t, db.EnsureDatabase(ctx, u.String()), "an existing database is fine")
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), testenv.DatabaseURL())
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	})

	pool, err := pgxpool.New(ctx, u.String())
	require.NoError(t, err)
	defer pool.Close()
	migrations, err := db.Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, migrations)

	applied := make([]int, 4)
	var g errgroup.Group
	for i := range applied {
		g.Go(func() error {
			n, err := db.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
			applied[i] = n
			return err
		})
	}
	require.NoError(t, g.Wait())
	total := 0
	for _, n := range applied {
		total += n
	}
	require.Equal(t, len(migrations), total, "each migration applied once across concurrent migrators")

	n, err := db.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Zero(t, n)
	var recorded int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&recorded))
	require.Equal(t, len(migrations), recorded)
}
