package app_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/app"
)

// TestPoolReusesPreparedStatements: the pool the processes open keeps pgx's
// statement cache, so a statement is parsed and planned once per connection,
// and has the pool size OpenDatabase promises.
func TestPoolReusesPreparedStatements(t *testing.T) {
	cfg, err := app.PoolConfig("postgres://postgres@127.0.0.1:5432/orderflow?sslmode=disable")
	require.NoError(t, err)
	require.Equal(t, pgx.QueryExecModeCacheStatement, cfg.ConnConfig.DefaultQueryExecMode)
	require.Greater(t, cfg.ConnConfig.StatementCacheCapacity, 0)
	require.EqualValues(t, 20, cfg.MaxConns)

	cfg, err = app.PoolConfig("postgres://postgres@127.0.0.1:5432/orderflow?pool_max_conns=7&default_query_exec_mode=exec")
	require.NoError(t, err)
	require.EqualValues(t, 7, cfg.MaxConns, "the URL's pool size wins")
	require.Equal(t, pgx.QueryExecModeExec, cfg.ConnConfig.DefaultQueryExecMode, "the URL's mode wins")
}
