package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// statLine is a /proc/<pid>/stat line with the given fields; the rest are
// zeros, as many as the kernel writes.
func statLine(pid int, comm string, ppid int, utime, stime, cutime, cstime, start uint64) string {
	f := make([]string, 52)
	for i := range f {
		f[i] = "0"
	}
	f[0], f[1], f[2], f[3] = fmt.Sprint(pid), "("+comm+")", "S", fmt.Sprint(ppid)
	f[13], f[14], f[15], f[16] = fmt.Sprint(utime), fmt.Sprint(stime), fmt.Sprint(cutime), fmt.Sprint(cstime)
	f[21] = fmt.Sprint(start)
	return strings.Join(f, " ") + "\n"
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	// comm may hold spaces and parentheses.
	p, err := parseProcStat([]byte(statLine(4242, "tem poral) (x", 17, 1234, 56, 7, 8, 99)))
	require.NoError(t, err)
	require.Equal(t, procStat{pid: 4242, ppid: 17, comm: "tem poral) (x", utime: 1234, stime: 56, cutime: 7, cstime: 8, start: 99}, p)
	require.InDelta(t, 12.90, p.seconds(), 1e-9)

	// A real line of this kernel's format.
	real := "2207 (postgres) S 1 2207 2207 0 -1 4194560 13056 1271452 3 2 131 244 3801 2730 20 0 1 0 1402 227647488 7286 18446744073709551615 1 1 0 0 0 0 4194304 19935232 84487 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	p, err = parseProcStat([]byte(real))
	require.NoError(t, err)
	require.Equal(t, procStat{pid: 2207, ppid: 1, comm: "postgres", utime: 131, stime: 244, cutime: 3801, cstime: 2730, start: 1402}, p)

	for _, bad := range []string{"", "12 postgres S 1", "12 (x) S 1 2 3", "x (y) " + strings.Repeat("0 ", 30), "12 (x) S one" + strings.Repeat(" 0", 30)} {
		_, err := parseProcStat([]byte(bad))
		require.Error(t, err, "%q", bad)
	}
}

func TestParseOwnProcStat(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	b, err := os.ReadFile("/proc/self/stat")
	require.NoError(t, err)
	p, err := parseProcStat(b)
	require.NoError(t, err)
	require.Equal(t, os.Getpid(), p.pid)
	require.Equal(t, os.Getppid(), p.ppid)
	require.NotZero(t, p.start)
}

func TestPostgresBackendDB(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cmdline    string
		db         string
		background bool
	}{
		{"postgres: 15/main: postgres orderflow_bench_policies 127.0.0.1(33002) idle", "orderflow_bench_policies", false},
		{"postgres: 15/main: postgres orderflow_x 127.0.0.1(33002) INSERT waiting\x00\x00", "orderflow_x", false},
		{"postgres: app shop [local] idle in transaction", "shop", false},
		{"postgres: 15/main: autovacuum worker orderflow_bench_plain", "orderflow_bench_plain", false},
		{"postgres: 15/main: checkpointer ", "", true},
		{"postgres: 15/main: background writer ", "", true},
		{"postgres: walwriter", "", true},
		{"postgres: 15/main: logical replication launcher ", "", true},
		{"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main\x00", "", false},
	} {
		db, background := postgresBackendDB(tc.cmdline)
		require.Equal(t, tc.db, db, tc.cmdline)
		require.Equal(t, tc.background, background, tc.cmdline)
	}
}

func TestDatabaseName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "orderflow_bench_plain", databaseName("postgres://postgres@127.0.0.1:5432/orderflow_bench_plain?sslmode=disable"))
	require.Equal(t, "", databaseName("postgres://postgres@127.0.0.1:5432"))
}

// fakeProc writes a /proc of the given processes: pid → stat line and
// cmdline.
func fakeProc(t *testing.T, dir string, procs map[int][2]string) {
	t.Helper()
	require.NoError(t, os.RemoveAll(dir))
	for pid, p := range procs {
		d := filepath.Join(dir, fmt.Sprint(pid))
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "stat"), []byte(p[0]), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(d, "cmdline"), []byte(p[1]), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "self"), 0o755)) // not a pid: skipped
}

func TestCPUMeterGroupsAndDeltas(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "proc")
	m := &cpuMeter{procDir: dir, stackPID: 100, selfPID: 50, database: "bench_db"}
	const pm = "/usr/lib/postgresql/15/bin/postgres\x00-D\x00/x\x00"
	fakeProc(t, dir, map[int][2]string{
		1:   {statLine(1, "init", 0, 5, 5, 0, 0, 1), ""},
		50:  {statLine(50, "orderflow-bench", 10, 100, 0, 0, 0, 500), ""},
		100: {statLine(100, "orderflow", 10, 200, 100, 0, 0, 600), ""},
		101: {statLine(101, "temporal", 100, 1000, 0, 0, 0, 601), ""},
		102: {statLine(102, "sh", 101, 10, 0, 0, 0, 602), ""}, // a grandchild: temporal too
		200: {statLine(200, "postgres", 1, 10, 10, 300, 0, 50), pm},
		201: {statLine(201, "postgres", 200, 40, 0, 0, 0, 51), "postgres: 15/main: walwriter "},
		202: {statLine(202, "postgres", 200, 30, 0, 0, 0, 700), "postgres: 15/main: postgres bench_db 127.0.0.1(1) idle"},
		203: {statLine(203, "postgres", 200, 70, 0, 0, 0, 701), "postgres: 15/main: postgres other_db 127.0.0.1(2) idle"},
		204: {statLine(204, "postgres", 200, 5, 0, 0, 0, 702), "postgres: 15/main: postgres bench_db 127.0.0.1(3) idle"},
		300: {statLine(300, "bash", 1, 999, 0, 0, 0, 40), ""}, // not ours: ignored
	})
	before := m.snapshot()
	require.Len(t, before, 9)

	// After: every process used some CPU; backend 204 ended (the postmaster
	// reaped its 5+15 ticks); a new backend of bench_db started and the pid of
	// 203 was reused by a new other_db backend.
	fakeProc(t, dir, map[int][2]string{
		1:   {statLine(1, "init", 0, 50, 5, 0, 0, 1), ""},
		50:  {statLine(50, "orderflow-bench", 10, 150, 10, 0, 0, 500), ""},                                                 // +60
		100: {statLine(100, "orderflow", 10, 300, 150, 0, 0, 600), ""},                                                     // +150
		101: {statLine(101, "temporal", 100, 1300, 100, 0, 0, 601), ""},                                                    // +400
		102: {statLine(102, "sh", 101, 20, 0, 0, 0, 602), ""},                                                              // +10
		200: {statLine(200, "postgres", 1, 10, 10, 320, 0, 50), pm},                                                        // +0, reaped +20
		201: {statLine(201, "postgres", 200, 50, 0, 0, 0, 51), "postgres: 15/main: walwriter "},                            // +10
		202: {statLine(202, "postgres", 200, 90, 10, 0, 0, 700), "postgres: 15/main: postgres bench_db 127.0.0.1(1) idle"}, // +70
		203: {statLine(203, "postgres", 200, 8, 0, 0, 0, 800), "postgres: 15/main: postgres other_db 127.0.0.1(4) idle"},   // new: +8
		205: {statLine(205, "postgres", 200, 25, 0, 0, 0, 801), "postgres: 15/main: postgres bench_db 127.0.0.1(5) idle"},  // new: +25
		300: {statLine(300, "bash", 1, 5000, 0, 0, 0, 40), ""},
	})
	got := cpuSince(before, m.snapshot())
	want := cpuTime{
		cpuOrderflow:   1.50,
		cpuTemporal:    4.10,
		cpuDriver:      0.60,
		cpuPostgres:    0.10 + 0.70 + 0.25,
		cpuPostgresAll: 0.20 + 0.10 + 0.70 + 0.08 + 0.25,
	}
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-9, "group %d", i)
	}
	require.InDelta(t, 1.50+4.10+0.60+1.05, got.total(), 1e-9)

	per := got.per(10)
	require.InDelta(t, 0.15, per[cpuOrderflow], 1e-9)
	require.Equal(t, cpuTime{}, got.per(0))

	// Without the stack's pid, orderflow and temporal are not told apart from
	// any other process.
	m.stackPID = 0
	for _, c := range m.snapshot() {
		require.NotEqual(t, cpuOrderflow, c.group)
		require.NotEqual(t, cpuTemporal, c.group)
	}
}

func TestCPUMeterReadsThisMachine(t *testing.T) {
	t.Parallel()
	m := newCPUMeter(0, "postgres://x/y")
	if runtime.GOOS != "linux" {
		require.NotEmpty(t, m.unavailable)
		require.Nil(t, m.snapshot())
		return
	}
	require.Empty(t, m.unavailable)
	snap := m.snapshot()
	var self int
	for k, c := range snap {
		if c.group == cpuDriver {
			require.Equal(t, os.Getpid(), k.pid)
			self++
		}
	}
	require.Equal(t, 1, self)
}

func TestBenchReportTableAndTargets(t *testing.T) {
	t.Parallel()
	cpu := func(of, pg, tm, dr float64) *cpuTime {
		return &cpuTime{cpuOrderflow: of, cpuPostgres: pg, cpuTemporal: tm, cpuDriver: dr, cpuPostgresAll: pg + 0.001}
	}
	levels := []benchLevel{
		{Path: "plain", C: 1,
			Orders:    benchFigure{N: 400, PerSecond: 30, CheckoutP50: 20, CheckoutP99: 40, OrderP50: 33.3, OrderP99: 60},
			Checkouts: benchFigure{N: 400, PerSecond: 40, CheckoutP50: 22},
			Bare:      benchFigure{N: 400, PerSecond: 200, CheckoutP50: 4}, CPUNote: "measured on Linux only", Load: "1.00 2.00 3.00"},
		{Path: "policies", C: 1,
			Orders:    benchFigure{N: 400, Failed: 2, PerSecond: 25, CheckoutP50: 24.5, CheckoutP99: 50, OrderP50: 40, OrderP99: 80, CPU: cpu(0.010, 0.005, 0.008, 0.002)},
			Checkouts: benchFigure{N: 400, PerSecond: 35, CheckoutP50: 27, CheckoutP99: 45, CPU: cpu(0.004, 0.002, 0.004, 0.0005)},
			Bare:      benchFigure{N: 400, PerSecond: 200, CheckoutP50: 4.9, CheckoutP99: 9, CPU: cpu(0, 0, 0.007, 0.0015)},
			Idle:      cpu(0.001, 0.0005, 0.02, 0)},
		{Path: "policies", C: 8,
			Orders:    benchFigure{N: 400, PerSecond: 61, CheckoutP50: 100, OrderP50: 130, CPU: cpu(0.012, 0.006, 0.010, 0.003)},
			Checkouts: benchFigure{N: 400, PerSecond: 79.9, CheckoutP50: 90},
			Bare:      benchFigure{N: 400, PerSecond: 100, CheckoutP50: 70}},
	}
	var buf bytes.Buffer
	printReport(&buf, levels)
	out := buf.String()
	lines := strings.Split(out, "\n")
	// One table: a header, a rule and three rows per level.
	var rows []string
	for _, l := range lines {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| path") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 9)
	require.Equal(t, "| policies | 1 | whole orders | 25.0 | 24.5 | 50.0 | 40.0 | 80.0 | 0.12× | 5.00× | 2/400 | 10.0 | 5.0 | 8.0 | 2.0 | **25.0** | 6.0 |", rows[3])
	require.Equal(t, "| policies | 1 | bare | 200.0 | 4.9 | 9.0 | - | - |  |  | 0/400 | 0.0 | 0.0 | 7.0 | 1.5 | **8.5** | 1.0 |", rows[5])
	require.Equal(t, "| plain | 1 | checkouts only | 40.0 | 22.0 | - | - | - | 0.20× | 5.50× | 0/400 | - | - | - | - | - | - |", rows[1])
	require.Contains(t, out, "CPU: measured on Linux only.")
	require.Contains(t, out, "Load average (1, 5, 15 min) at the end of each level: plain C=1: 1.00 2.00 3.00.")

	// The targets: the policies path only; C=32 was not run.
	require.Contains(t, out, "  C=8  checkouts only 0.80× bare, wanted ≥ 0.80×: FAIL\n") // 0.799
	require.Contains(t, out, "  C=8  whole orders   0.61× bare, wanted ≥ 0.60×: pass\n")
	require.Contains(t, out, "  C=32 not measured")
	require.Contains(t, out, "  C=1  checkout p50 24.5 ms (5.00× the bare round trip of 4.9 ms; checkouts only 27.0 ms), wanted ≤ 25 ms: pass\n")
	require.Contains(t, out, "  C=1  CPU per whole order, all processes 0.0250 s, wanted ≤ 0.030 s: pass\n")
	require.Contains(t, out, "  C=8  CPU per whole order, all processes 0.0310 s, wanted ≤ 0.030 s: FAIL\n")
	require.NotContains(t, out, "plain checkouts only")
	require.Equal(t, 1, strings.Count(out, "Idle before"))
	require.Contains(t, out, "Idle before the policies levels, CPU ms per second: orderflow 1.0, postgres 0.5, temporal 20.0, driver 0.0 = 21.5 (pg all 1.5).")
	// Results without a bare order (written before it was measured): no row, no floor.
	require.NotContains(t, out, "| bare order |")
	require.NotContains(t, out, "design floor (")
}

func TestBenchReportBareOrderAndDesignFloor(t *testing.T) {
	t.Parallel()
	cpu := func(tm, dr float64) *cpuTime { return &cpuTime{cpuOrderflow: 0.0005, cpuTemporal: tm, cpuDriver: dr} }
	level := func(c int, bare, bareOrder float64, orderCPU *cpuTime) benchLevel {
		return benchLevel{Path: "policies", C: c,
			Orders:    benchFigure{N: 400, PerSecond: 10, CheckoutP50: 50},
			Checkouts: benchFigure{N: 400, PerSecond: 12, CheckoutP50: 45},
			Bare:      benchFigure{N: 400, PerSecond: bare, CheckoutP50: 10, CPU: cpu(0.015, 0.004)},
			BareOrder: benchFigure{N: 400, Failed: 1, PerSecond: bareOrder, CheckoutP50: 25, CheckoutP99: 60, CPU: orderCPU}}
	}
	levels := []benchLevel{
		level(1, 60, 20, cpu(0.030, 0.010)),
		level(8, 80, 50, cpu(0.0195, 0.005)), // 0.625×, 25.0 ms: both reachable
		level(32, 80, 47.9, nil),             // 0.599×
	}
	var buf bytes.Buffer
	printReport(&buf, levels)
	out := buf.String()
	require.Contains(t, out, "| policies | 1 | bare order | 20.0 | 25.0 | 60.0 | - | - | 0.33× | 2.50× | 1/400 | 0.5 | 0.0 | 30.0 | 10.0 | **40.5** | 0.0 |\n")
	require.Contains(t, out, "| policies | 32 | bare order | 47.9 | 25.0 | 60.0 | - | - | 0.60× | 2.50× | 1/400 | - | - | - | - | - | - |\n")
	require.Contains(t, out, "design floor (bare order: the three workflows of a whole order, every step a no-op):\n"+
		"  C=1  bare order 0.33× bare, CPU 40.5 ms per order (temporal 30.0) (≤ 0.030 s NOT reachable with three workflows per order)\n"+
		"  C=8  bare order 0.62× bare (whole orders ≥ 0.60× reachable), CPU 25.0 ms per order (temporal 19.5) (≤ 0.030 s reachable: 5.0 ms left for our steps)\n"+
		"  C=32 bare order 0.60× bare (whole orders ≥ 0.60× NOT reachable with three workflows per order); CPU not measured\n")
}

func TestBenchResultsRoundTrip(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "results.jsonl")
	a := benchLevel{Path: "plain", C: 1, Orders: benchFigure{N: 3, PerSecond: 1.5, OrderP50: 2}}
	b := benchLevel{Path: "policies", C: 32, Bare: benchFigure{N: 4, CPU: &cpuTime{0.1, 0.2, 0.3, 0.4, 0.5}},
		BareOrder: benchFigure{N: 4, PerSecond: 2, CPU: &cpuTime{0.2, 0.3, 0.4, 0.5, 0.6}}}
	require.NoError(t, appendLevels(file, []benchLevel{a}))
	require.NoError(t, appendLevels(file, []benchLevel{b})) // a second path's run appends
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	got, err := readLevels(f)
	require.NoError(t, err)
	require.Equal(t, []benchLevel{a, b}, got)

	_, err = readLevels(strings.NewReader(""))
	require.Error(t, err)
	_, err = readLevels(strings.NewReader("{\"path\":"))
	require.Error(t, err)
}
