// Command orderflow is Orderflow's one binary:
//
//	orderflow serve     the HTTP API
//	orderflow worker    the Temporal worker (workflows and activities)
//	orderflow migrate   create the database if missing and apply migrations
//	orderflow seed      load the demo data
//	orderflow dev       everything locally: Temporal dev server, migrations,
//	                    demo data, API and worker (what `make run` runs)
//	orderflow erp-sandbox  a sandbox ERP speaking the ERP contract, with
//	                    fault injection (docs/erp.md)
//
// Every subcommand is configured by the environment; see docs/operations.md.
// The load test is a binary of its own, cmd/orderflow-bench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "orderflow:", err)
		os.Exit(1)
	}
}
