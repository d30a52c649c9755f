package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// benchSample is one timed unit of work: an order (ours) or a workflow (bare).
type benchSample struct {
	ok bool
	// checkout is the synchronous checkout: the POST /checkout request for an
	// order, start to result for a bare workflow.
	checkout time.Duration
	// order is the whole unit: cart, lines and checkout for an order; the same as
	// checkout for a bare workflow.
	order time.Duration
	// failure says what went wrong when not ok.
	failure string
}

// maxErrorSamples bounds the failures a run keeps to show.
const maxErrorSamples = 5

// benchRun is what one run of n units measured. Latencies are those of the
// units that succeeded.
type benchRun struct {
	n, failed       int
	elapsed         time.Duration
	checkout, order []time.Duration // sorted
	errorSamples    []string
	// cpu is the CPU of each process per completed unit (nil: not measured).
	cpu *cpuTime
}

// drive runs n units of work, c at a time, and measures them. It stops early,
// with the units done so far, when ctx ends.
func drive(ctx context.Context, c, n int, unit func(context.Context) benchSample) benchRun {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		samples = make([]benchSample, n)
		did     = make([]bool, n)
	)
	start := time.Now()
	for range min(c, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				samples[i] = unit(ctx)
				did[i] = true
			}
		})
	}
	wg.Wait()
	run := benchRun{elapsed: time.Since(start)}
	for i, s := range samples {
		if !did[i] {
			continue
		}
		run.n++
		if !s.ok {
			run.failed++
			if len(run.errorSamples) < maxErrorSamples {
				run.errorSamples = append(run.errorSamples, s.failure)
			}
			continue
		}
		run.checkout = append(run.checkout, s.checkout)
		run.order = append(run.order, s.order)
	}
	slices.Sort(run.checkout)
	slices.Sort(run.order)
	return run
}

// measured runs drive with the CPU of the stack's processes read before and
// after, and divided by the units that completed.
func measured(ctx context.Context, m *cpuMeter, c, n int, unit func(context.Context) benchSample) benchRun {
	before := m.snapshot()
	run := drive(ctx, c, n, unit)
	after := m.snapshot()
	if before != nil && after != nil && run.n-run.failed > 0 {
		cpu := cpuSince(before, after).per(run.n - run.failed)
		run.cpu = &cpu
	}
	return run
}

// idleWindow is how long the stack is watched doing nothing.
const idleWindow = 3 * time.Second

// idleSettle is how long a freshly started stack is left alone before its
// idle CPU is measured.
const idleSettle = 5 * time.Second

// measureIdle is the CPU of the stack's processes per second of d doing
// nothing (nil when not measured).
func measureIdle(ctx context.Context, m *cpuMeter, d time.Duration) *cpuTime {
	// A stack that has just started is still at work (demo data, the ERP's
	// first pulls, schedules): let it settle first, or its start-up counts as
	// idle.
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(idleSettle):
	}
	before := m.snapshot()
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(d):
	}
	after := m.snapshot()
	if before == nil || after == nil {
		return nil
	}
	t := cpuSince(before, after)
	secs := time.Since(start).Seconds()
	for i := range t {
		t[i] /= secs
	}
	return &t
}

// rate is the units that succeeded per second of the run.
func (r benchRun) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n-r.failed) / r.elapsed.Seconds()
}

// percentile is the nearest-rank p-th percentile of sorted latencies, 0 when
// there are none.
func (benchRun) percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

func (r benchRun) printErrors(w io.Writer, name string) {
	if r.failed == 0 {
		return
	}
	fmt.Fprintf(w, "  %s: %d of %d failed; first %d:\n", name, r.failed, r.n, len(r.errorSamples))
	for _, e := range r.errorSamples {
		fmt.Fprintf(w, "    %s\n", e)
	}
}
