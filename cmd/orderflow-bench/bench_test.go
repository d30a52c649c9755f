package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/config"
)

func TestBenchPercentileIsNearestRank(t *testing.T) {
	t.Parallel()
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	var r benchRun
	require.Equal(t, 50*time.Millisecond, r.percentile(sorted, 50))
	require.Equal(t, 95*time.Millisecond, r.percentile(sorted, 95))
	require.Equal(t, 99*time.Millisecond, r.percentile(sorted, 99))
	require.Equal(t, 7*time.Millisecond, r.percentile([]time.Duration{7 * time.Millisecond}, 99))
	require.Zero(t, r.percentile(nil, 50))
}

func TestBenchFlags(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	s, err := parseBenchFlags(cfg, nil)
	require.NoError(t, err)
	require.Equal(t, "http://"+cfg.HTTPAddr, s.api)
	require.Equal(t, "oft_demo_bench", s.token)
	require.Equal(t, []int{1, 32}, s.concurrency)
	require.Equal(t, 500, s.orders)
	require.Equal(t, 3, s.lines)
	require.Equal(t, 20, s.warmup)

	s, err = parseBenchFlags(cfg, []string{"-api", "http://x:1/", "-n", "300", "-c", "1, 8,32", "-lines", "2", "-warmup", "0"})
	require.NoError(t, err)
	require.Equal(t, "http://x:1", s.api)
	require.Equal(t, []int{1, 8, 32}, s.concurrency)
	require.Equal(t, 300, s.orders)

	for _, args := range [][]string{{"-c", "0"}, {"-c", "a"}, {"-n", "0"}, {"-lines", "4"}, {"-lines", "0"}, {"-warmup", "-1"}, {"extra"}} {
		_, err := parseBenchFlags(cfg, args)
		require.Error(t, err, "%v", args)
	}
}

func TestBenchDriveCountsAndStopsWithContext(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	run := drive(context.Background(), 4, 10, func(context.Context) benchSample {
		n := calls.Add(1)
		return benchSample{ok: n%5 != 0, checkout: time.Millisecond, order: 2 * time.Millisecond, failure: "boom"}
	})
	require.Equal(t, 10, run.n)
	require.Equal(t, 2, run.failed)
	require.Len(t, run.checkout, 8)
	require.Equal(t, []string{"boom", "boom"}, run.errorSamples)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run = drive(ctx, 4, 10, func(context.Context) benchSample { return benchSample{ok: true} })
	require.Zero(t, run.n)
}
