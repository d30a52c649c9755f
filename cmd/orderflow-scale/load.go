package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/testenv/scaledata"
)

// runLoad loads the scale history into DATABASE_URL (migrated and seeded with
// the demo data): the demo's benchmark company is the biggest buyer, so the
// same token and requests run on the small and the loaded data.
func runLoad(ctx context.Context, args []string) error {
	sizes := scaledata.Full
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.IntVar(&sizes.Products, "products", sizes.Products, "SKUs (variants)")
	fs.IntVar(&sizes.Companies, "companies", sizes.Companies, "companies")
	fs.IntVar(&sizes.Orders, "orders", sizes.Orders, "orders")
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "the database (migrated, with the demo data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sizes.BigCompany = demo.BenchID
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	fmt.Printf("loading %d SKUs, %d companies (%d employees each), %d orders over %.0f days; the biggest company is the demo's Bench Co\n",
		sizes.Products, sizes.Companies, sizes.CustomersPerCompany, sizes.Orders, sizes.History.Hours()/24)
	report, err := scaledata.Load(ctx, pool, sizes)
	fmt.Print(report)
	if err != nil {
		return err
	}
	fmt.Printf("load took %.1f s (load average %s)\n", report.Took.Seconds(), loadAverage())
	return nil
}

// loadAverage is the machine's 1, 5 and 15 minute load average ("?" off Linux).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	var one, five, fifteen string
	if _, err := fmt.Sscan(string(b), &one, &five, &fifteen); err != nil {
		return "?"
	}
	return one + " " + five + " " + fifteen
}
