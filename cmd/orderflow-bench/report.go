package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The table of a `make bench` run: one row per path, concurrency and phase,
// with throughput, latency, the ratios to the bare workflow and CPU per unit of
// each process. Each orderflow-bench run (one path, on its own stack) appends
// its levels to a results file (-results); `orderflow-bench -report FILE`
// prints every path of the run in one table, which scripts/bench.sh does last.

// benchLevel is one path's figures at one concurrency, as written to the
// results file.
type benchLevel struct {
	Path      string      `json:"path"`
	C         int         `json:"c"`
	Orders    benchFigure `json:"orders"`
	Checkouts benchFigure `json:"checkouts_only"`
	Bare      benchFigure `json:"bare"`
	// BareOrder is the design's three workflows with no-op steps
	// (bench_bareorder.go); zero in results written before it was measured.
	BareOrder benchFigure `json:"bare_order,omitzero"`
	// CPUNote says why CPU is not measured ("" when it is).
	CPUNote string `json:"cpu_note,omitempty"`
	// Load is the machine's load average (1, 5, 15 min) when the level ended,
	// "" where there is no /proc/loadavg.
	Load string `json:"load,omitempty"`
	// Idle is the CPU seconds per second of the stack's processes while it
	// did nothing, before the path's first level (nil: not measured).
	Idle *cpuTime `json:"idle_cpu_seconds_per_second,omitempty"`
}

// benchFigure is one phase: latencies in ms, CPU in seconds per completed unit
// (nil when not measured).
type benchFigure struct {
	N           int      `json:"n"`
	Failed      int      `json:"failed"`
	PerSecond   float64  `json:"per_second"`
	CheckoutP50 float64  `json:"checkout_p50_ms"`
	CheckoutP99 float64  `json:"checkout_p99_ms"`
	OrderP50    float64  `json:"order_p50_ms,omitempty"`
	OrderP99    float64  `json:"order_p99_ms,omitempty"`
	CPU         *cpuTime `json:"cpu_seconds_per_unit,omitempty"`
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func figureOf(r benchRun, withOrder bool) benchFigure {
	f := benchFigure{
		N: r.n, Failed: r.failed, PerSecond: r.rate(),
		CheckoutP50: msf(r.percentile(r.checkout, 50)), CheckoutP99: msf(r.percentile(r.checkout, 99)),
		CPU: r.cpu,
	}
	if withOrder {
		f.OrderP50, f.OrderP99 = msf(r.percentile(r.order, 50)), msf(r.percentile(r.order, 99))
	}
	return f
}

func levelOf(path string, r benchRow, cpuNote string) benchLevel {
	return benchLevel{Path: path, C: r.c, Orders: figureOf(r.ours, true), Checkouts: figureOf(r.checkouts, false),
		Bare: figureOf(r.bare, false), BareOrder: figureOf(r.bareOrder, false), CPUNote: cpuNote, Load: r.load}
}

// loadAverage is the first three fields of /proc/loadavg, "" elsewhere.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// appendLevels adds levels to a results file, one JSON object a line.
func appendLevels(file string, levels []benchLevel) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, l := range levels {
		if err := enc.Encode(l); err != nil {
			f.Close()
			return fmt.Errorf("results: %w", err)
		}
	}
	return f.Close()
}

// readLevels reads a results file.
func readLevels(r io.Reader) ([]benchLevel, error) {
	var levels []benchLevel
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l benchLevel
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("results line %d: %w", line, err)
		}
		levels = append(levels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(levels) == 0 {
		return nil, errors.New("results: no levels")
	}
	return levels, nil
}

// printReport prints the levels as one table (Markdown, so it pastes into
// docs/performance.md as it is), then how the policies path compares with the
// targets of issue 12.
func printReport(w io.Writer, levels []benchLevel) {
	fmt.Fprintf(w, "Latencies in ms. ÷ bare: ours / bare at the same C and path (throughput; checkout p50).\n")
	fmt.Fprintf(w, "bare order: the design's three workflows of a whole order (checkout, order, ERP push) with no-op\n")
	fmt.Fprintf(w, "steps, the checkout awaited; its ÷ bare is the most whole orders ÷ bare can reach with that shape.\n")
	fmt.Fprintf(w, "CPU: CPU-ms per completed unit (order or bare workflow) of each process, from /proc utime+stime;\n")
	fmt.Fprintf(w, "orderflow = API+worker (`orderflow dev`), postgres = the stack's database's backends + Postgres's\n")
	fmt.Fprintf(w, "background processes, temporal = the dev server, driver = orderflow-bench (its HTTP clients; in\n")
	fmt.Fprintf(w, "the bare run the bare worker and client); total = the four. pg all = every postgres process of the\n")
	fmt.Fprintf(w, "machine, other databases included (not in the total).\n\n")
	fmt.Fprintf(w, "| path | C | run | /s | co p50 | co p99 | order p50 | order p99 | /s ÷ bare | p50 ÷ bare | errors | CPU orderflow | postgres | temporal | driver | **total** | pg all |\n")
	fmt.Fprintf(w, "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	notes := map[string]bool{}
	for _, l := range levels {
		if l.CPUNote != "" {
			notes[l.CPUNote] = true
		}
		for _, ph := range []struct {
			name string
			f    benchFigure
			bare bool
		}{{"whole orders", l.Orders, false}, {"checkouts only", l.Checkouts, false}, {"bare", l.Bare, true},
			{"bare order", l.BareOrder, false}} {
			f := ph.f
			if ph.name == "bare order" && f.N == 0 {
				continue // results from before the bare order was measured
			}
			thru, lat := "", ""
			if !ph.bare {
				thru = fmtRatio(ratio(f.PerSecond, l.Bare.PerSecond))
				lat = fmtRatio(ratio(f.CheckoutP50, l.Bare.CheckoutP50))
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.1f | %s | %s | %s | %s | %s | %s | %d/%d | %s |\n",
				l.Path, l.C, ph.name, f.PerSecond, fmtMS(f.CheckoutP50), fmtMS(f.CheckoutP99),
				fmtMS(f.OrderP50), fmtMS(f.OrderP99), thru, lat, f.Failed, f.N, fmtCPU(f.CPU))
		}
	}
	for n := range notes {
		fmt.Fprintf(w, "\nCPU: %s.\n", n)
	}
	idleSeen := map[string]bool{}
	for _, l := range levels {
		if l.Idle != nil && !idleSeen[l.Path] {
			if len(idleSeen) == 0 {
				fmt.Fprintln(w)
			}
			idleSeen[l.Path] = true
			fmt.Fprintf(w, "Idle before the %s levels, CPU ms per second: %s.\n", l.Path, fmtIdle(*l.Idle))
		}
	}
	var loads []string
	for _, l := range levels {
		if l.Load != "" {
			loads = append(loads, fmt.Sprintf("%s C=%d: %s", l.Path, l.C, l.Load))
		}
	}
	if len(loads) > 0 {
		fmt.Fprintf(w, "\nLoad average (1, 5, 15 min) at the end of each level: %s.\n", strings.Join(loads, "; "))
	}
	fmt.Fprintln(w)
	printTargets(w, levels)
}

func fmtMS(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func fmtRatio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", v)
}

// fmtCPU is the CPU columns, in ms per unit.
func fmtCPU(t *cpuTime) string {
	if t == nil {
		return "- | - | - | - | - | -"
	}
	c := func(s float64) string { return fmt.Sprintf("%.1f", s*1000) }
	return strings.Join([]string{c(t[cpuOrderflow]), c(t[cpuPostgres]), c(t[cpuTemporal]), c(t[cpuDriver]),
		"**" + c(t.total()) + "**", c(t[cpuPostgresAll])}, " | ")
}

func fmtIdle(t cpuTime) string {
	return fmt.Sprintf("orderflow %.1f, postgres %.1f, temporal %.1f, driver %.1f = %.1f (pg all %.1f)",
		t[cpuOrderflow]*1000, t[cpuPostgres]*1000, t[cpuTemporal]*1000, t[cpuDriver]*1000, t.total()*1000, t[cpuPostgresAll]*1000)
}

// The targets of issue 12, for the policies path.
const (
	targetCheckoutsOnlyRatio = 0.80 // × bare throughput, at C=8 and C=32
	targetOrdersRatio        = 0.60 // × bare throughput, at C=8 and C=32
	targetCheckoutP50C1      = 25.0 // ms, whole orders' checkout at C=1
	targetCPUPerOrder        = 0.030
)

// printTargets prints one pass/fail line per target of issue 12, for the
// policies path; a level the run did not measure is said so.
func printTargets(w io.Writer, levels []benchLevel) {
	at := map[int]benchLevel{}
	var cs []int
	for _, l := range levels {
		if l.Path == "policies" {
			if _, seen := at[l.C]; !seen {
				cs = append(cs, l.C)
			}
			at[l.C] = l
		}
	}
	if len(at) == 0 {
		return
	}
	fmt.Fprintf(w, "targets (issue 12, policies path):\n")
	for _, c := range []int{8, 32} {
		l, ok := at[c]
		if !ok {
			fmt.Fprintf(w, "  C=%d not measured: checkouts-only and whole-order ratios not checked\n", c)
			continue
		}
		co, ord := ratio(l.Checkouts.PerSecond, l.Bare.PerSecond), ratio(l.Orders.PerSecond, l.Bare.PerSecond)
		fmt.Fprintf(w, "  C=%-2d checkouts only %.2f× bare, wanted ≥ %.2f×: %s\n", c, co, targetCheckoutsOnlyRatio, passFail(co >= targetCheckoutsOnlyRatio))
		fmt.Fprintf(w, "  C=%-2d whole orders   %.2f× bare, wanted ≥ %.2f×: %s\n", c, ord, targetOrdersRatio, passFail(ord >= targetOrdersRatio))
	}
	if l, ok := at[1]; ok {
		p50 := l.Orders.CheckoutP50
		fmt.Fprintf(w, "  C=1  checkout p50 %.1f ms (%.2f× the bare round trip of %.1f ms; checkouts only %.1f ms), wanted ≤ %.0f ms: %s\n",
			p50, ratio(p50, l.Bare.CheckoutP50), l.Bare.CheckoutP50, l.Checkouts.CheckoutP50, targetCheckoutP50C1,
			passFail(p50 > 0 && p50 <= targetCheckoutP50C1))
	} else {
		fmt.Fprintf(w, "  C=1 not measured: checkout p50 not checked\n")
	}
	for _, c := range cs {
		l := at[c]
		if l.Orders.CPU == nil {
			fmt.Fprintf(w, "  C=%-2d CPU per whole order not measured\n", c)
			continue
		}
		total := l.Orders.CPU.total()
		fmt.Fprintf(w, "  C=%-2d CPU per whole order, all processes %.4f s, wanted ≤ %.3f s: %s\n", c, total, targetCPUPerOrder,
			passFail(total <= targetCPUPerOrder))
	}
	printDesignFloor(w, cs, at)
}

// printDesignFloor says, per level of the policies path, what the bare order
// leaves of the targets: its throughput ÷ bare is the most whole orders ÷
// bare can reach with the design's three workflows per order, and its CPU the
// least a whole order can cost, before any step of ours does anything.
func printDesignFloor(w io.Writer, cs []int, at map[int]benchLevel) {
	var lines []string
	for _, c := range cs {
		if l := at[c]; l.BareOrder.N > 0 {
			lines = append(lines, designFloorLine(c, l))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "design floor (bare order: the three workflows of a whole order, every step a no-op):\n")
	for _, line := range lines {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// designFloorLine is one level's design floor against the whole-order
// targets: the throughput one where it is a target (C=8 and C=32), the CPU
// one at every C.
func designFloorLine(c int, l benchLevel) string {
	r := ratio(l.BareOrder.PerSecond, l.Bare.PerSecond)
	line := fmt.Sprintf("C=%-2d bare order %.2f× bare", c, r)
	if c == 8 || c == 32 {
		line += fmt.Sprintf(" (whole orders ≥ %.2f× %s)", targetOrdersRatio, reachable(r >= targetOrdersRatio))
	}
	if l.BareOrder.CPU == nil {
		return line + "; CPU not measured"
	}
	t := l.BareOrder.CPU
	line += fmt.Sprintf(", CPU %.1f ms per order (temporal %.1f)", t.total()*1000, t[cpuTemporal]*1000)
	if left := targetCPUPerOrder - t.total(); left >= 0 {
		return line + fmt.Sprintf(" (≤ %.3f s reachable: %.1f ms left for our steps)", targetCPUPerOrder, left*1000)
	}
	return line + fmt.Sprintf(" (≤ %.3f s %s)", targetCPUPerOrder, reachable(false))
}

func reachable(ok bool) string {
	if ok {
		return "reachable"
	}
	return "NOT reachable with three workflows per order"
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
