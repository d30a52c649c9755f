// Command orderflow-chaos runs Orderflow as separate processes — two API
// servers, two workers, a Temporal dev server persisted to SQLite, the
// sandbox ERP — on a fresh database of its own, drives checkouts, quotes and
// shipments through both APIs, kills a worker, an API server and the
// Temporal dev server with SIGKILL again and again, and prints what became
// of every order (package testenv/chaos). It exits 1 when an order was lost
// or doubled, a cart is stuck, or the books disagree. `make chaos` builds
// and runs it; flags: `orderflow-chaos -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/testenv/chaos"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "orderflow-chaos:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	opts := chaos.Options{Out: os.Stdout}
	var database string
	fs := flag.NewFlagSet("orderflow-chaos", flag.ContinueOnError)
	fs.DurationVar(&opts.Duration, "duration", 75*time.Second, "how long the clients drive and processes are killed")
	fs.IntVar(&opts.Clients, "clients", 8, "storefront clients at once")
	fs.DurationVar(&opts.KillEvery, "kill-every", 8*time.Second, "mean time between two kills (a worker, an API server, Temporal, in turn)")
	fs.DurationVar(&opts.Settle, "settle", 3*time.Minute, "longest wait, after the drive, for every checkout, quote and shipment to finish")
	fs.StringVar(&opts.Orderflow, "orderflow", "bin/orderflow", "the orderflow binary")
	fs.StringVar(&opts.TemporalCLI, "temporal", "bin/temporal", "the Temporal CLI")
	fs.StringVar(&database, "database", "postgres://postgres@127.0.0.1:5432/orderflow_chaos?sslmode=disable",
		"the run's own database: dropped and created afresh")
	fs.StringVar(&opts.WorkDir, "workdir", filepath.Join(os.TempDir(), "orderflow-chaos"), "the dev server's SQLite file and every process's log")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := recreateDatabase(ctx, database); err != nil {
		return err
	}
	opts.DatabaseURL = database
	if err := os.RemoveAll(opts.WorkDir); err != nil {
		return err
	}
	report, err := chaos.Run(ctx, opts)
	if err != nil {
		return err
	}
	report.Print(os.Stdout)
	if f := report.Failures(); len(f) > 0 {
		return fmt.Errorf("%d invariants broken; the processes' logs are in %s", len(f), opts.WorkDir)
	}
	return nil
}

// recreateDatabase drops the run's database, left by the last run for a
// look, so that this run starts from nothing; `orderflow migrate` creates
// it again.
func recreateDatabase(ctx context.Context, database string) error {
	u, err := url.Parse(database)
	if err != nil {
		return fmt.Errorf("-database: %w", err)
	}
	name := u.Path[1:]
	if name == "" {
		return errors.New("-database: names no database")
	}
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return fmt.Errorf("connect to Postgres: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}
