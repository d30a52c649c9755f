package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/webhooks"
)

// benchSettings are the flags of orderflow-bench.
type benchSettings struct {
	api         string
	token       string
	orders      int
	concurrency []int
	lines       int
	warmup      int
	// plain orders as a company without price lists, limits or rules and
	// without a ship-to: the checkout path before B2B policies, for comparison.
	plain bool
	// quotes is how many quotes to accept per quote concurrency level (0: no
	// quote path), quoteConcurrency those levels.
	quotes           int
	quoteConcurrency []int
	// webhooks is how many shipment webhooks to send per level of the quote
	// concurrency list (0: skip the webhook path).
	webhooks int
	// erp is how many orders to place and follow into the ERP per level of
	// the quote concurrency list and per sandbox error rate (0: skip).
	erp int
	// erpURL and erpToken name the stack's sandbox ERP.
	erpURL, erpToken string
	// stackPID is the `orderflow dev` process under test (0: its CPU and its
	// Temporal server's are not measured).
	stackPID int
	// results is a file the levels are appended to, for one table of every
	// path of a run (-report).
	results string
	// report, when set, prints the table of a results file and does nothing
	// else.
	report string
}

// runBench drives a running stack and compares it with the bare ceiling of its
// Temporal server. For each concurrency C it runs phases of N units each, C at
// a time: "ours" places orders through the API (create a cart, add lines,
// check out synchronously), "checkouts only" checks out carts built
// beforehand, "bare" starts and awaits, the way the API does, a workflow made
// of no-op local activities, and "bare order" the design's three workflows of
// a whole order with no-op steps (bench_bareorder.go). The ratios to bare tell
// how much our own code costs on top of Temporal, and bare order ÷ bare how
// much of that the design's shape costs whatever our code does.
// Each measured run also reads the CPU of the stack's processes (cpu.go), and
// the levels end in one table (report.go), appended to -results for a table of
// every path of a `make bench` run.
func runBench(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	s, err := parseBenchFlags(cfg, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.report != "" {
		f, err := os.Open(s.report)
		if err != nil {
			return err
		}
		defer f.Close()
		levels, err := readLevels(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "\norderflow bench: every path of the run\n\n")
		printReport(os.Stdout, levels)
		return nil
	}

	// The bench company must exist in the database the API reads.
	pool, err := app.OpenDatabase(ctx, cfg, log, false, false)
	if err != nil {
		return err
	}
	secrets, err := webhooks.NewSecretBox(cfg.WebhookSecretKey)
	if err == nil {
		err = demo.Seed(ctx, pool, secrets)
	}
	pool.Close()
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}

	shop := newBenchShop(s)
	if err := shop.preflight(ctx); err != nil {
		return err
	}
	bare, err := startBareCeiling(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer bare.stop()

	out := os.Stdout
	meter := newCPUMeter(s.stackPID, cfg.DatabaseURL)
	printBenchHeader(out, cfg, s)
	if meter.unavailable != "" {
		fmt.Fprintf(out, "cpu       %s\n\n", meter.unavailable)
	} else if s.stackPID == 0 {
		fmt.Fprintf(out, "cpu       no -stack-pid: the CPU of orderflow and its Temporal server is not measured (reads 0)\n\n")
	}
	// What the stack burns doing nothing, to read the per-unit figures against.
	idle := measureIdle(ctx, meter, idleWindow)
	if idle != nil {
		fmt.Fprintf(out, "idle      CPU ms per second over %s before the first level: %s\n\n", idleWindow, fmtIdle(*idle))
	}
	var rows []benchRow
	for _, c := range s.concurrency {
		fmt.Fprintf(out, "C=%d: ours…", c)
		drive(ctx, c, s.warmup, shop.order)
		row := benchRow{c: c, ours: measured(ctx, meter, c, s.orders, shop.order)}
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(out, " interrupted")
			return err
		}
		fmt.Fprint(out, " checkouts only…")
		prepared := shop.checkoutsOnly(ctx, c, s.orders) // builds the carts, untimed
		row.checkouts = measured(ctx, meter, c, s.orders, prepared)
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(out, " interrupted")
			return err
		}
		fmt.Fprint(out, " bare…")
		drive(ctx, c, s.warmup, bare.checkout)
		row.bare = measured(ctx, meter, c, s.orders, bare.checkout)
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(out, " interrupted")
			return err
		}
		fmt.Fprint(out, " bare order…")
		drive(ctx, c, s.warmup, bare.bareOrder)
		row.bareOrder = measured(ctx, meter, c, s.orders, bare.bareOrder)
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(out, " interrupted")
			return err
		}
		row.load = loadAverage()
		fmt.Fprintf(out, " done (load average %s)\n", row.load)
		row.print(out)
		rows = append(rows, row)
	}
	path := "policies"
	if s.plain {
		path = "plain"
	}
	levels := make([]benchLevel, len(rows))
	for i, r := range rows {
		levels[i] = levelOf(path, r, meter.unavailable)
		levels[i].Idle = idle
	}
	fmt.Fprintf(out, "summary   %s path\n\n", path)
	printReport(out, levels)
	fmt.Fprintln(out)
	if s.results != "" {
		if err := appendLevels(s.results, levels); err != nil {
			return err
		}
	}
	if s.webhooks > 0 {
		fmt.Fprintf(out, "\nwebhook path: orders placed untimed; then a signed shipment.created per order from the demo warehouse\n")
		for _, c := range s.quoteConcurrency {
			wb := &benchWebhooks{shop: shop}
			wb.prepare(ctx, 8, s.webhooks)
			printWebhookRow(out, c, drive(ctx, c, s.webhooks, wb.unit))
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if s.erp > 0 {
		fmt.Fprintf(out, "\nERP path: an order placed (timed as before), then until GET /v1/orders/{id} shows its erp_number;\n"+
			"          the sandbox ERP fails the given share of calls (503), the push retries (1 s, doubling)\n")
		eb := &benchERP{shop: shop, erp: s.erpURL, token: s.erpToken}
		for _, rate := range []float64{0, 0.3} {
			if err := eb.setFaults(ctx, rate); err != nil {
				return err
			}
			for _, c := range s.quoteConcurrency {
				printERPRow(out, c, rate, drive(ctx, c, s.erp, eb.unit))
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		if err := eb.setFaults(ctx, 0); err != nil {
			return err
		}
	}
	if s.quotes > 0 {
		fmt.Fprintf(out, "\nquote path: request, claim, draft and send untimed; then accept → order placed (the quote's child checkout)\n")
		qb := &benchQuotes{temporal: bare.temporal, lines: s.lines}
		for _, c := range s.quoteConcurrency {
			drive(ctx, c, min(s.warmup, s.quotes), qb.unit)
			printQuoteRow(out, c, drive(ctx, c, s.quotes, qb.unit))
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseBenchFlags(cfg config.Config, args []string) (benchSettings, error) {
	var s benchSettings
	var concurrency string
	fs := flag.NewFlagSet("orderflow-bench", flag.ContinueOnError)
	fs.StringVar(&s.api, "api", "http://"+cfg.HTTPAddr, "base URL of the running API")
	fs.StringVar(&s.token, "token", "", "bearer token of the buyer placing the orders (default: the demo bench buyer)")
	fs.BoolVar(&s.plain, "plain", false, "order as a company with no price lists, spending limits or approval rules, without ship-to")
	fs.IntVar(&s.orders, "n", 500, "orders (and bare workflows) per concurrency level")
	fs.StringVar(&concurrency, "c", "1,32", "comma-separated concurrency levels (clients running at once)")
	fs.IntVar(&s.lines, "lines", 3, fmt.Sprintf("lines per cart (1..%d, one bench SKU each)", len(demo.BenchSKUs)))
	fs.IntVar(&s.warmup, "warmup", 20, "unmeasured orders (and bare workflows) before each measured run")
	fs.IntVar(&s.quotes, "quotes", 100, "quotes accepted per quote concurrency level (0: skip the quote path)")
	fs.IntVar(&s.webhooks, "webhooks", 200, "shipment webhooks per level of -quote-c (0: skip the webhook path)")
	fs.IntVar(&s.erp, "erp", 100, "orders followed into the ERP per level of -quote-c and per sandbox error rate (0 %, 30 %) (0: skip the ERP path)")
	fs.StringVar(&s.erpURL, "erp-url", cfg.ERPURL, "base URL of the stack's sandbox ERP (its faults are set for the ERP path)")
	fs.StringVar(&s.erpToken, "erp-token", cfg.ERPToken, "the sandbox's token")
	fs.IntVar(&s.stackPID, "stack-pid", 0, "pid of the `orderflow dev` under test, for the CPU of it and of its Temporal server (Linux)")
	fs.StringVar(&s.results, "results", "", "append this run's levels to `file` (JSON lines), for -report")
	fs.StringVar(&s.report, "report", "", "print the table of every run in results `file` and exit")
	var quoteConcurrency string
	fs.StringVar(&quoteConcurrency, "quote-c", "1,8", "comma-separated concurrency levels of the quote, webhook and ERP paths")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: orderflow-bench [flags]\n\n"+
			"Drives a running stack (orderflow dev) and its Temporal server; prints orders/s,\n"+
			"checkout latency and the ratios to a bare workflow with no-op local activities.\n"+
			"DATABASE_URL and TEMPORAL_* must name the stack's database and Temporal server.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	s.api = strings.TrimRight(s.api, "/")
	if s.token == "" {
		s.token = demo.BenchBuyer.Token
		if s.plain {
			s.token = demo.BenchPlainBuyer.Token
		}
	}
	var errs []error
	s.concurrency, errs = parseConcurrency("-c", concurrency, errs)
	s.quoteConcurrency, errs = parseConcurrency("-quote-c", quoteConcurrency, errs)
	if s.quotes < 0 || s.quotes > 100_000 {
		errs = append(errs, errors.New("-quotes: must be from 0 to 100000"))
	}
	if s.webhooks < 0 || s.webhooks > 100_000 {
		errs = append(errs, errors.New("-webhooks: must be from 0 to 100000"))
	}
	if s.stackPID < 0 {
		errs = append(errs, errors.New("-stack-pid: must not be negative"))
	}
	if s.erp < 0 || s.erp > 100_000 {
		errs = append(errs, errors.New("-erp: must be from 0 to 100000"))
	}
	s.erpURL = strings.TrimRight(s.erpURL, "/")
	if s.orders < 1 || s.orders > 1_000_000 {
		errs = append(errs, errors.New("-n: must be from 1 to 1000000"))
	}
	if s.lines < 1 || s.lines > len(demo.BenchSKUs) {
		errs = append(errs, fmt.Errorf("-lines: must be from 1 to %d", len(demo.BenchSKUs)))
	}
	if s.warmup < 0 || s.warmup > 100_000 {
		errs = append(errs, errors.New("-warmup: must be from 0 to 100000"))
	}
	if s.token == "" {
		errs = append(errs, errors.New("-token: must not be empty"))
	}
	return s, errors.Join(errs...)
}

// parseConcurrency reads a comma-separated list of concurrency levels.
func parseConcurrency(flagName, list string, errs []error) ([]int, []error) {
	var out []int
	for _, part := range strings.Split(list, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || c < 1 || c > 1024 {
			errs = append(errs, fmt.Errorf("%s: %q is not a concurrency from 1 to 1024", flagName, part))
			continue
		}
		out = append(out, c)
	}
	return out, errs
}

func printBenchHeader(w io.Writer, cfg config.Config, s benchSettings) {
	fmt.Fprintf(w, "\norderflow bench  %s\n\n", time.Now().Format(time.RFC3339))
	fmt.Fprintf(w, "machine   nproc=%d GOMAXPROCS=%d %s %s/%s", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if model := cpuModel(); model != "" {
		fmt.Fprintf(w, " (%s)", model)
	}
	fmt.Fprintf(w, "\nsettings  api=%s temporal=%s namespace=%s\n", s.api, cfg.TemporalAddress, cfg.TemporalNamespace)
	fmt.Fprintf(w, "          n=%d per run, c=%s, lines=%d, warmup=%d per run, token=%s\n",
		s.orders, joinInts(s.concurrency), s.lines, s.warmup, s.token)
	if s.plain {
		fmt.Fprintf(w, "ours      per order: POST /v1/carts, %d× POST lines, POST checkout (Idempotency-Key); 201 = success\n", s.lines)
		fmt.Fprintf(w, "          plain: a company with no price lists, spending limits or approval rules, no ship-to\n")
	} else {
		fmt.Fprintf(w, "ours      per order: POST /v1/carts, %d× POST lines, PATCH ship-to, POST checkout (Idempotency-Key); 201 = success\n", s.lines)
		fmt.Fprintf(w, "          policies: price list with tiers, shipping, tax, a spending limit reserved, approval rules evaluated (none match)\n")
	}
	fmt.Fprintf(w, "bare      workflow %s with %d no-op local activities on task queue %s,\n",
		bareWorkflowName, bareSteps, bareTaskQueue)
	fmt.Fprintf(w, "          started with ExecuteWorkflow (eager start) and awaited with run.Get, in-process worker\n")
	fmt.Fprintf(w, "bare order %s (%d no-op local activities, then one that starts %s eagerly, one upsert),\n",
		bareOrderCheckoutName, bareOrderCheckoutSteps, bareOrderName)
	fmt.Fprintf(w, "          %s (%d no-op, one upsert, one that starts %s eagerly, then open on a timer),\n",
		bareOrderName, bareOrderOpeningSteps, bareOrderPushName)
	fmt.Fprintf(w, "          %s (one no-op, one upsert, completes); the checkout awaited as bare is\n\n", bareOrderPushName)
}

// cpuModel names the CPU, where Linux tells.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// benchRow is one concurrency level's runs: whole orders, checkouts of carts
// built beforehand, bare workflows, and bare orders.
type benchRow struct {
	c                                int
	ours, checkouts, bare, bareOrder benchRun
	load                             string // the load average when the level ended
}

// throughputRatio is ours/bare in completed units per second.
func (r benchRow) throughputRatio() float64 { return ratio(r.ours.rate(), r.bare.rate()) }

// checkoutThroughputRatio is checkouts-only/bare in completed units per second:
// the checkout path against the bare workflow, without cart building sharing the
// CPU.
func (r benchRow) checkoutThroughputRatio() float64 { return ratio(r.checkouts.rate(), r.bare.rate()) }

// latencyRatio is ours/bare in median checkout latency.
func (r benchRow) latencyRatio() float64 {
	return ratio(float64(r.ours.percentile(r.ours.checkout, 50)), float64(r.bare.percentile(r.bare.checkout, 50)))
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (r benchRow) print(w io.Writer) {
	o, b := r.ours, r.bare
	fmt.Fprintf(w, "\n  C=%d, %d per run\n", r.c, o.n)
	fmt.Fprintf(w, "  %-24s %9s %9s %9s %9s %13s %s\n", "", "per s", "p50 ms", "p95 ms", "p99 ms", "order p50 ms", "errors")
	fmt.Fprintf(w, "  %-24s %9.1f %9s %9s %9s %13s %d/%d\n", "ours  orders (checkout)", o.rate(),
		ms(o.percentile(o.checkout, 50)), ms(o.percentile(o.checkout, 95)), ms(o.percentile(o.checkout, 99)),
		ms(o.percentile(o.order, 50)), o.failed, o.n)
	k := r.checkouts
	fmt.Fprintf(w, "  %-24s %9.1f %9s %9s %9s %13s %d/%d\n", "ours  checkouts only", k.rate(),
		ms(k.percentile(k.checkout, 50)), ms(k.percentile(k.checkout, 95)), ms(k.percentile(k.checkout, 99)),
		"", k.failed, k.n)
	fmt.Fprintf(w, "  %-24s %9.1f %9s %9s %9s %13s %d/%d\n", "bare  workflows", b.rate(),
		ms(b.percentile(b.checkout, 50)), ms(b.percentile(b.checkout, 95)), ms(b.percentile(b.checkout, 99)),
		"", b.failed, b.n)
	bo := r.bareOrder
	fmt.Fprintf(w, "  %-24s %9.1f %9s %9s %9s %13s %d/%d\n", "bare  orders (3 wfs)", bo.rate(),
		ms(bo.percentile(bo.checkout, 50)), ms(bo.percentile(bo.checkout, 95)), ms(bo.percentile(bo.checkout, 99)),
		"", bo.failed, bo.n)
	fmt.Fprintf(w, "  %-24s %8.2fx %8.2fx\n", "ours / bare", r.throughputRatio(), r.latencyRatio())
	fmt.Fprintf(w, "  %-24s %8.2fx\n", "checkouts only / bare", r.checkoutThroughputRatio())
	fmt.Fprintf(w, "  %-24s %8.2fx   (the most ours / bare the design's three workflows permit)\n",
		"bare order / bare", ratio(bo.rate(), b.rate()))
	for _, x := range []struct {
		name string
		run  benchRun
	}{{"orders", o}, {"checkouts only", k}, {"bare", b}, {"bare order", bo}} {
		if t := x.run.cpu; t != nil {
			fmt.Fprintf(w, "  CPU ms per %-14s orderflow %.1f, postgres %.1f, temporal %.1f, driver %.1f = %.1f (pg all %.1f)\n", x.name,
				t[cpuOrderflow]*1000, t[cpuPostgres]*1000, t[cpuTemporal]*1000, t[cpuDriver]*1000, t.total()*1000, t[cpuPostgresAll]*1000)
		}
	}
	o.printErrors(w, "ours")
	k.printErrors(w, "checkouts only")
	b.printErrors(w, "bare")
	bo.printErrors(w, "bare order")
	fmt.Fprintln(w)
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}
