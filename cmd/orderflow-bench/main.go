// Command orderflow-bench load-tests a running Orderflow stack (`orderflow dev`)
// and compares it with the bare ceiling of that stack's Temporal server: it
// prints orders/s, checkout latency and the ratios between the two. It is a
// developer's tool, so it is a binary of its own rather than a subcommand of the
// production one; `make bench` builds it and runs it on fresh stacks
// (scripts/bench.sh). Flags: `orderflow-bench -h`. It reads the same
// environment as orderflow (DATABASE_URL, TEMPORAL_*, HTTP_ADDR), which must
// name the stack under test; see docs/performance.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "orderflow-bench:", err)
		os.Exit(1)
	}
}

// run reads the configuration the stack under test was started with, so the
// bench reaches the same API, database and Temporal server, then drives it.
func run(ctx context.Context) error {
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := app.NewLogger(cfg, os.Stderr)
	slog.SetDefault(log)
	return runBench(ctx, cfg, log, os.Args[1:])
}
