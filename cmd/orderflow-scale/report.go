package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

// targetRatio is issue 13's target: each figure on the loaded data within
// this many times the same figure on the small data (the demo data, with a
// fiftieth of the scale catalog and history: scripts/bench-scale.sh).
const targetRatio = 2.0

// runReport prints the last small and the last scale measurement of a results
// file side by side, as Markdown (so it pastes into docs/performance.md), with
// the ratio scale / small of each figure and a pass/fail line per target:
// the GET requests at p99, the checkout at p50. It fails when a target is
// missed, so a script can tell.
func runReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	results := fs.String("results", "", "the JSON-lines file measure appended to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*results)
	if err != nil {
		return err
	}
	defer f.Close()
	byLabel := map[string]Measurement{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m Measurement
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("%s: %w", *results, err)
		}
		byLabel[m.Label] = m
	}
	if err := sc.Err(); err != nil {
		return err
	}
	small, okSmall := byLabel["small"]
	big, okBig := byLabel["scale"]
	if !okSmall || !okBig {
		return fmt.Errorf("%s: needs a measurement labelled small and one labelled scale", *results)
	}
	fmt.Printf("\nsmall: %d orders (%d the buyer's), %d SKUs; load average %s\n", small.Orders, small.BuyerOrders, small.Products, small.LoadAverage)
	fmt.Printf("scale: %d orders (%d the buyer's), %d SKUs; load average %s\n", big.Orders, big.BuyerOrders, big.Products, big.LoadAverage)
	fmt.Printf("checkouts answered 202 and polled until placed: small %d of %d, scale %d of %d\n\n",
		small.LateCheckouts, small.Checkouts.N, big.LateCheckouts, big.Checkouts.N)
	fmt.Println("| figure | small p50 / p99 ms | scale p50 / p99 ms | scale / small (target figure) | target | answer small / scale, KB |")
	fmt.Println("|---|---|---|---|---|---|")
	type verdict struct {
		name  string
		ratio float64
	}
	var verdicts []verdict
	row := func(name, stat string, s, b Timing, sizes string) {
		ratio := b.P99 / s.P99
		if stat == "p50" {
			ratio = b.P50 / s.P50
		}
		fmt.Printf("| %s | %.1f / %.1f | %.1f / %.1f | **%.2f×** (%s) | ≤ %.0f× | %s |\n", name, s.P50, s.P99, b.P50, b.P99, ratio, stat, targetRatio, sizes)
		verdicts = append(verdicts, verdict{name + " " + stat, ratio})
	}
	scaleReads := map[string]NamedTiming{}
	for _, r := range big.Reads {
		scaleReads[r.Name] = r
	}
	for _, r := range small.Reads {
		b, ok := scaleReads[r.Name]
		if !ok {
			return fmt.Errorf("%q was measured on the small data only", r.Name)
		}
		row(r.Name, "p99", r.Timing, b.Timing, fmt.Sprintf("%.1f / %.1f", float64(r.Bytes)/1000, float64(b.Bytes)/1000))
	}
	row("checkout (POST …/checkout)", "p50", small.Checkouts, big.Checkouts, "-")
	row("whole order (cart, 3 lines, ship-to, checkout)", "p50", small.WholeOrders, big.WholeOrders, "-")
	fmt.Println()
	missed := 0
	for _, v := range verdicts {
		state := "PASS"
		if v.ratio > targetRatio {
			state = "FAIL"
			missed++
		}
		fmt.Printf("%s  %s: %.2f× the small data's (target ≤ %.0f×)\n", state, v.name, v.ratio, targetRatio)
	}
	if missed > 0 {
		return fmt.Errorf("%d of %d figures missed the target", missed, len(verdicts))
	}
	return nil
}
