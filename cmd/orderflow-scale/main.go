// Command orderflow-scale is `make bench-scale`'s driver (scripts/bench-scale.sh):
//
//	orderflow-scale load     fill a migrated database with demo data with the scale history
//	                         (testenv/scaledata: 100,000 SKUs, 1,000 companies, 1,000,000 orders)
//	orderflow-scale measure  time the named GET requests and whole checkouts against a running stack
//	orderflow-scale report   compare a small and a scale measurement against issue 13's targets
//
// It is a binary of its own, like orderflow-bench, so that it does not ship in
// bin/orderflow.
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
		fmt.Fprintln(os.Stderr, "orderflow-scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: orderflow-scale load|measure|report [flags]")
	}
	switch args[0] {
	case "load":
		return runLoad(ctx, args[1:])
	case "measure":
		return runMeasure(ctx, args[1:])
	case "report":
		return runReport(args[1:])
	default:
		return fmt.Errorf("unknown command %q: load, measure or report", args[0])
	}
}
