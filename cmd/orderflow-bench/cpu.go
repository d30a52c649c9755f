package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// CPU per process. Each measured phase reads utime+stime of every process of
// the stack from /proc/<pid>/stat before and after, and divides the difference
// by the units the phase completed. Linux only: elsewhere the columns read "-".
//
// The processes, grouped as the table shows them:
//   - orderflow: the `orderflow dev` process (API, worker and sandbox ERP in one
//     process), named by -stack-pid;
//   - temporal: every process under it (the Temporal dev server it started);
//   - postgres: the backends of the stack's database (their process title names
//     it) and Postgres's own background processes (WAL writer, checkpointer,
//     background writer, autovacuum launcher…), which work for every database;
//   - pg all: every postgres process, whatever its database, plus what the
//     postmaster reaped from backends that ended during the phase; on a shared
//     machine this includes other people's databases, so it is shown but not
//     added to the total;
//   - driver: this process (HTTP clients, and the bare workflow's worker and
//     client in the bare phase).

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux architecture Go supports (sysconf(_SC_CLK_TCK) answers it).
const clockTicks = 100

// The groups of processes whose CPU the table shows.
const (
	cpuOrderflow = iota
	cpuPostgres
	cpuTemporal
	cpuDriver
	cpuPostgresAll // shown, not part of the total
	cpuGroups
)

// cpuTime is CPU seconds per group.
type cpuTime [cpuGroups]float64

// total is the CPU of the stack and the driver: every group but "pg all".
func (t cpuTime) total() float64 {
	return t[cpuOrderflow] + t[cpuPostgres] + t[cpuTemporal] + t[cpuDriver]
}

// per divides by the units a phase completed.
func (t cpuTime) per(units int) cpuTime {
	var out cpuTime
	if units <= 0 {
		return out
	}
	for i := range t {
		out[i] = t[i] / float64(units)
	}
	return out
}

// procStat is what the bench reads of /proc/<pid>/stat.
type procStat struct {
	pid, ppid int
	comm      string
	// utime, stime: this process's own CPU, in clock ticks, all its threads;
	// cutime, cstime: that of children it waited for.
	utime, stime, cutime, cstime uint64
	// start is when the process started (clock ticks since boot): with pid, it
	// names a process even if its pid is reused.
	start uint64
}

func (p procStat) seconds() float64 { return float64(p.utime+p.stime) / clockTicks }

// parseProcStat reads one /proc/<pid>/stat line. comm, in parentheses, may
// itself hold spaces and parentheses, so the fields after it are found from the
// last ')'.
func parseProcStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return procStat{}, errors.New("proc stat: no (comm)")
	}
	var p procStat
	var err error
	if p.pid, err = strconv.Atoi(string(bytes.TrimSpace(b[:open]))); err != nil {
		return procStat{}, fmt.Errorf("proc stat: pid: %w", err)
	}
	p.comm = string(b[open+1 : end])
	// After comm: state (field 3), ppid (4), …, utime (14), stime (15), cutime
	// (16), cstime (17), …, starttime (22); fields[0] is field 3.
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("proc stat: %d fields after comm, want at least 20", len(fields))
	}
	if p.ppid, err = strconv.Atoi(fields[1]); err != nil {
		return procStat{}, fmt.Errorf("proc stat: ppid: %w", err)
	}
	for i, dst := range []*uint64{&p.utime, &p.stime, &p.cutime, &p.cstime} {
		// cutime and cstime are signed in the kernel's format; never negative in practice.
		v, err := strconv.ParseInt(fields[11+i], 10, 64)
		if err != nil || v < 0 {
			return procStat{}, fmt.Errorf("proc stat: field %d: %q", 14+i, fields[11+i])
		}
		*dst = uint64(v)
	}
	if p.start, err = strconv.ParseUint(fields[19], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("proc stat: starttime: %w", err)
	}
	return p, nil
}

// postgresBackendDB is the database a postgres process works for, from its
// process title ("postgres: 15/main: user db 127.0.0.1(5432) idle",
// "postgres: autovacuum worker db"); "" for a background process that serves
// every database (checkpointer, walwriter, …) or the postmaster.
func postgresBackendDB(cmdline string) (db string, background bool) {
	title, ok := strings.CutPrefix(strings.TrimSpace(strings.ReplaceAll(cmdline, "\x00", " ")), "postgres: ")
	if !ok {
		return "", false // the postmaster: its command line, not a title
	}
	// An optional cluster name ("15/main: ") comes first.
	if i := strings.Index(title, ": "); i >= 0 {
		title = title[i+2:]
	}
	if rest, ok := strings.CutPrefix(title, "autovacuum worker "); ok {
		return strings.TrimSpace(rest), false
	}
	fields := strings.Fields(title)
	// A client backend: user, database, client address, state…
	if len(fields) >= 3 && (strings.Contains(fields[2], "(") || fields[2] == "[local]") {
		return fields[1], false
	}
	return "", true
}

// procSnapshot is the CPU of each process of interest at one moment, keyed by
// pid and start time.
type procSnapshot map[procKey]procCPU

type procKey struct {
	pid   int
	start uint64
}

type procCPU struct {
	group   int     // cpuOrderflow…; -1: counted in cpuPostgresAll only
	seconds float64 // utime+stime
	// reaped is, for the postmaster, the CPU of its children that have ended.
	reaped float64
}

// cpuMeter reads the stack's processes from /proc.
type cpuMeter struct {
	procDir  string // "/proc"
	stackPID int    // 0: orderflow and temporal not measured
	selfPID  int
	database string // the stack's database name
	// unavailable says why nothing is measured ("" when it is).
	unavailable string
}

func newCPUMeter(stackPID int, databaseURL string) *cpuMeter {
	m := &cpuMeter{procDir: "/proc", stackPID: stackPID, selfPID: os.Getpid(), database: databaseName(databaseURL)}
	if runtime.GOOS != "linux" {
		m.unavailable = "CPU per process is read from /proc and measured on Linux only"
	} else if _, err := os.Stat(filepath.Join(m.procDir, "self", "stat")); err != nil {
		m.unavailable = "no /proc: CPU per process not measured"
	}
	return m
}

// databaseName is the database a postgres:// URL names.
func databaseName(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// snapshot reads every process once. Processes that vanish while it reads are
// skipped.
func (m *cpuMeter) snapshot() procSnapshot {
	if m.unavailable != "" {
		return nil
	}
	entries, err := os.ReadDir(m.procDir)
	if err != nil {
		return nil
	}
	stats := make(map[int]procStat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.procDir, e.Name(), "stat"))
		if err != nil {
			continue
		}
		if p, err := parseProcStat(b); err == nil {
			stats[pid] = p
		}
	}
	snap := make(procSnapshot)
	for pid, p := range stats {
		key := procKey{pid, p.start}
		switch {
		case pid == m.selfPID:
			snap[key] = procCPU{group: cpuDriver, seconds: p.seconds()}
		case m.stackPID != 0 && pid == m.stackPID:
			snap[key] = procCPU{group: cpuOrderflow, seconds: p.seconds()}
		case m.stackPID != 0 && descends(stats, pid, m.stackPID):
			snap[key] = procCPU{group: cpuTemporal, seconds: p.seconds()}
		case p.comm == "postgres":
			cmdline, _ := os.ReadFile(filepath.Join(m.procDir, strconv.Itoa(pid), "cmdline"))
			db, background := postgresBackendDB(string(cmdline))
			c := procCPU{group: -1, seconds: p.seconds()}
			if (db != "" && db == m.database) || background {
				c.group = cpuPostgres
			}
			if parent, ok := stats[p.ppid]; !ok || parent.comm != "postgres" {
				c.reaped = float64(p.cutime+p.cstime) / clockTicks // the postmaster
			}
			snap[key] = c
		}
	}
	return snap
}

// descends says whether pid is a descendant of ancestor.
func descends(stats map[int]procStat, pid, ancestor int) bool {
	for range 64 { // a bound, in case of a cycle read mid-change
		p, ok := stats[pid]
		if !ok || p.ppid <= 1 {
			return false
		}
		if p.ppid == ancestor {
			return true
		}
		pid = p.ppid
	}
	return false
}

// cpuSince is the CPU each group used between two snapshots. A process that
// started in between counts from zero; one that ended in between is lost,
// except for postgres backends, whose CPU the postmaster reaps ("pg all").
func cpuSince(before, after procSnapshot) cpuTime {
	var t cpuTime
	for key, a := range after {
		b := before[key] // zero when the process is new
		d := max(a.seconds-b.seconds, 0)
		if a.group >= 0 {
			t[a.group] += d
		}
		if a.group == cpuPostgres || a.group == -1 {
			t[cpuPostgresAll] += d + max(a.reaped-b.reaped, 0)
		}
	}
	return t
}
