package e2e_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/testenv/chaos"
)

// TestChaos runs a short chaos run (package chaos, what `make chaos` runs for
// longer): `orderflow serve` ×2 and `orderflow worker` ×2 as processes of
// their own on a Temporal dev server persisted to a file, storefront clients
// checking out, taking quotes to orders and shipping orders through both
// APIs, while a worker, an API server and the Temporal dev server are killed
// with SIGKILL and started again. No order may be lost or doubled, no cart
// left checking out, and the books must agree with the orders.
func TestChaos(t *testing.T) {
	t.Parallel()
	temporalCLI, err := testenv.TemporalCLI()
	require.NoError(t, err)
	_, dbURL := testenv.NewDatabase(t)
	var out bytes.Buffer
	opts := chaos.Options{
		Orderflow:   testenv.OrderflowBinary(t),
		TemporalCLI: temporalCLI,
		DatabaseURL: dbURL,
		WorkDir:     t.TempDir(),
		Duration:    30 * time.Second,
		Clients:     4,
		// One kill of each kind, at least, within the drive: three waits of
		// at most 6.25 s and two pauses of at most 3 s.
		KillEvery: 5 * time.Second,
		// A request in flight on a killed API server holds its
		// Idempotency-Key for two minutes before a retry may take it over.
		Settle: 3 * time.Minute,
		Out:    &out,
	}
	report, err := chaos.Run(context.Background(), opts)
	t.Log("\n" + out.String())
	if err != nil {
		logTails(t, opts.WorkDir)
	}
	require.NoError(t, err)
	out.Reset()
	report.Print(&out)
	t.Log("\n" + out.String())
	if failures := report.Failures(); len(failures) > 0 {
		logTails(t, opts.WorkDir)
		t.Fatalf("the chaos run broke %d invariants:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	require.Positive(t, report.Kills["worker"], "a worker was killed")
	require.Positive(t, report.Kills["api"], "an API server was killed")
	require.Positive(t, report.Kills["temporal"], "the Temporal dev server was killed")
	require.Positive(t, report.Answered201+report.Answered202, "checkouts were answered")
	require.Positive(t, report.Answers5xx+report.ConnErrors, "the outages were seen by the clients")
}

// logTails logs the end of every process's log of a failed run.
func logTails(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("%s:\n%s", filepath.Base(l), b)
	}
}
