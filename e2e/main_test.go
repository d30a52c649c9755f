// Package e2e tests Orderflow end to end: the real HTTP API, the real worker and
// a real Temporal dev server (the project's own bin/temporal) on real Postgres.
package e2e_test

import (
	"fmt"
	"log/slog"
	"os"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/testenv"
)

// devServer is shared by the package's tests; each test's Stack has its own
// namespace and database on it.
var devServer *testsuite.DevServer

func TestMain(m *testing.M) {
	var err error
	devServer, err = testenv.StartTemporal(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "start Temporal dev server:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := devServer.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop Temporal dev server:", err)
	}
	os.Exit(code)
}
