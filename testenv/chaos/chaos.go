// Package chaos runs Orderflow as separate OS processes — two API servers
// (`orderflow serve`), two workers (`orderflow worker`), a Temporal dev
// server persisted to a SQLite file, and the sandbox ERP — drives them as
// storefront clients would (checkouts, quotes taken to orders, warehouse
// shipments), and meanwhile kills a worker, an API server and the Temporal
// dev server itself with SIGKILL, again and again, starting each again after
// a short pause. Once everything has settled it checks in Postgres that no
// order was lost or doubled, no cart is stuck, and the books (stock, credit,
// spend) agree with the orders (package books). `make chaos` runs it
// (cmd/orderflow-chaos); e2e/chaos_test.go runs a short one.
package chaos

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/app"
)

// Options say what to run and for how long.
type Options struct {
	// Orderflow is the orderflow binary (bin/orderflow), TemporalCLI the
	// Temporal CLI (bin/temporal).
	Orderflow, TemporalCLI string
	// DatabaseURL is the run's own database: `orderflow migrate` creates it
	// if missing and migrates it, `orderflow seed` loads the demo data.
	DatabaseURL string
	// WorkDir holds the dev server's SQLite file and each process's log.
	WorkDir string
	// Duration is how long the clients drive and the processes are killed.
	Duration time.Duration
	// Clients is how many storefront clients run at once.
	Clients int
	// KillEvery is the mean time from one process being back to the next
	// kill (±25 %); the victims take turns: a worker, an API server, the
	// Temporal dev server.
	KillEvery time.Duration
	// Settle bounds the wait, after the drive, for every checkout, quote and
	// shipment to finish.
	Settle time.Duration
	// Out gets a line per kill and per phase.
	Out io.Writer
}

// kinds of the processes the run kills, in the order it kills them.
const (
	kindWorker   = "worker"
	kindAPI      = "api"
	kindTemporal = "temporal"
)

var killOrder = []string{kindWorker, kindAPI, kindTemporal}

// stack is the running system: its processes and how to reach it.
type stack struct {
	temporal  *process
	apis      []*process
	workers   []*process
	erp       *process
	apiURLs   []string
	temporalA string
	pool      *pgxpool.Pool

	mu    sync.Mutex
	kills map[string]int
	exits map[string]int
}

// Run runs the chaos and reports what it found. An error means the run
// could not be made (a process that never started, no database); what the
// run found wrong is in the report (Report.Failures).
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Clients < 1 || opts.Duration <= 0 || opts.KillEvery <= 0 || opts.Settle <= 0 {
		return nil, errors.New("chaos: Clients, Duration, KillEvery and Settle must be positive")
	}
	if err := os.MkdirAll(opts.WorkDir, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(opts.Out, "%7.1fs  %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	s, err := startStack(ctx, opts, say)
	if s != nil {
		defer s.stop(say)
	}
	if err != nil {
		return nil, err
	}

	a := &answers{}
	shop := newStorefront(s.apiURLs, a)
	drive, stopDrive := context.WithTimeout(ctx, opts.Duration)
	defer stopDrive()
	// Operations under way when the drive ends finish within the settle time.
	hard, stopHard := context.WithTimeout(ctx, opts.Duration+opts.Settle)
	defer stopHard()
	say("driving: %d clients for %s over %s; a kill -9 every ~%s (worker, API, Temporal in turn)",
		opts.Clients, opts.Duration, strings.Join(s.apiURLs, " and "), opts.KillEvery)
	var clients sync.WaitGroup
	for n := range opts.Clients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			shop.client(drive, hard, n)
		}()
	}
	killErr := s.killLoop(drive, opts.KillEvery, a, say)
	driveEnd := time.Now()
	if killErr != nil {
		return nil, killErr
	}
	if err := s.ensureUp(ctx, a, say); err != nil {
		return nil, err
	}
	say("drive over; clients finish what they started, and everything settles (up to %s)", opts.Settle)
	clients.Wait()
	deadline, _ := hard.Deadline()
	settled := s.settle(ctx, shop, deadline)
	say("settled: %v", settled)
	r, err := s.report(ctx, opts, shop, a)
	if err != nil {
		return nil, err
	}
	r.Settled, r.SettleTime = settled, time.Since(driveEnd)
	return r, nil
}

// startStack migrates and seeds the database, then starts the dev server,
// the sandbox ERP, the workers and the API servers, and waits until both
// APIs are ready.
func startStack(ctx context.Context, opts Options, say func(string, ...any)) (*stack, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := cryptorand.Read(key); err != nil {
		return nil, err
	}
	s := &stack{temporalA: fmt.Sprintf("127.0.0.1:%d", ports[0]), kills: map[string]int{}, exits: map[string]int{}}
	erpAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	const erpToken = "chaos-erp-token"
	env := baseEnv(
		"DATABASE_URL="+opts.DatabaseURL,
		"TEMPORAL_ADDRESS="+s.temporalA,
		"TEMPORAL_NAMESPACE=default",
		// serve refuses the public development key.
		"WEBHOOK_SECRET_KEY="+base64.StdEncoding.EncodeToString(key),
		"ERP_URL=http://"+erpAddr, "ERP_TOKEN="+erpToken,
		"LOG_LEVEL=warn",
	)
	setupLog, err := logFile(opts.WorkDir, "setup")
	if err != nil {
		return nil, err
	}
	say("migrating and seeding %s", redactURL(opts.DatabaseURL))
	for _, cmd := range []string{"migrate", "seed"} {
		if err := runToEnd(ctx, opts.Orderflow, env, setupLog, cmd); err != nil {
			return nil, err
		}
	}
	s.pool, err = pgxpool.New(ctx, opts.DatabaseURL)
	if err != nil {
		return nil, err
	}

	newProcess := func(kind, name, path string, env []string, args ...string) (*process, error) {
		log, err := logFile(opts.WorkDir, name)
		if err != nil {
			return nil, err
		}
		p := &process{kind: kind, name: name, path: path, args: args, env: env, log: log, exits: s.exited}
		return p, p.start()
	}
	dbFile := filepath.Join(opts.WorkDir, "temporal.db")
	_ = os.Remove(dbFile)
	host, port, _ := net.SplitHostPort(s.temporalA)
	targs := []string{"server", "start-dev", "--ip", host, "--port", port, "--headless", "--namespace", "default",
		"--log-level", "error", "--db-filename", dbFile}
	targs = append(append(targs, app.SearchAttributeFlags()...), app.DevServerArgs...)
	if s.temporal, err = newProcess(kindTemporal, "temporal", opts.TemporalCLI, env, targs...); err != nil {
		return s, err
	}
	say("Temporal dev server on %s, persisted to %s", s.temporalA, dbFile)
	if err := awaitTemporal(ctx, s.temporalA, time.Minute); err != nil {
		return s, err
	}
	if s.erp, err = newProcess("erp", "erp-sandbox", opts.Orderflow,
		append(slices.Clip(env), "ERP_SANDBOX_ADDR="+erpAddr, "ERP_SANDBOX_TOKEN="+erpToken), "erp-sandbox"); err != nil {
		return s, err
	}
	for i := range 2 {
		w, err := newProcess(kindWorker, fmt.Sprintf("worker-%d", i+1), opts.Orderflow,
			append(slices.Clip(env), "WORKER_HTTP_ADDR=127.0.0.1:0"), "worker")
		if err != nil {
			return s, err
		}
		s.workers = append(s.workers, w)
	}
	for i := range 2 {
		addr := fmt.Sprintf("127.0.0.1:%d", ports[2+i])
		api, err := newProcess(kindAPI, fmt.Sprintf("api-%d", i+1), opts.Orderflow, append(slices.Clip(env), "HTTP_ADDR="+addr), "serve")
		if err != nil {
			return s, err
		}
		s.apis = append(s.apis, api)
		s.apiURLs = append(s.apiURLs, "http://"+addr)
	}
	for _, u := range s.apiURLs {
		if err := awaitReady(ctx, u, time.Minute); err != nil {
			return s, err
		}
	}
	say("up: 2 API servers, 2 workers, the sandbox ERP; logs in %s", opts.WorkDir)
	return s, nil
}

// exited counts a process's exit the run did not cause.
func (s *stack) exited(kind string) {
	s.mu.Lock()
	s.exits[kind]++
	s.mu.Unlock()
}

// killLoop kills one process every ~every until ctx ends: a worker, an API
// server, the Temporal dev server, in turn, each started again after a
// pause of one to three seconds (Temporal three to six).
func (s *stack) killLoop(ctx context.Context, every time.Duration, a *answers, say func(string, ...any)) error {
	for i := 0; ; i++ {
		wait := every*3/4 + time.Duration(rand.Int64N(int64(every/2)+1))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		kind := killOrder[i%len(killOrder)]
		var victims []*process
		switch kind {
		case kindWorker:
			victims = s.workers
		case kindAPI:
			victims = s.apis
		case kindTemporal:
			victims = []*process{s.temporal}
		}
		p := victims[rand.IntN(len(victims))]
		pid := p.pid()
		if kind == kindTemporal {
			a.temporalDown.Store(true)
		}
		killed, err := p.kill()
		if err != nil {
			return err
		}
		if !killed {
			say("%s was not running (it is restarting); no kill", p.name)
			continue
		}
		s.mu.Lock()
		s.kills[kind]++
		s.mu.Unlock()
		// Temporal stays down longer: long enough for requests that need it
		// to run into their deadlines.
		pause := time.Second + time.Duration(rand.Int64N(int64(2*time.Second)))
		if kind == kindTemporal {
			pause = 3*time.Second + time.Duration(rand.Int64N(int64(3*time.Second)))
		}
		say("kill -9 %s (pid %d); back in %s", p.name, pid, pause.Round(100*time.Millisecond))
		time.Sleep(pause)
		if err := p.start(); err != nil {
			return err
		}
		if kind == kindTemporal {
			up := time.Now()
			err := awaitTemporal(context.Background(), s.temporalA, time.Minute)
			a.temporalDown.Store(false)
			if err != nil {
				return err
			}
			say("Temporal answers again %s after its restart", time.Since(up).Round(100*time.Millisecond))
		}
	}
}

// ensureUp makes sure every process runs and the APIs are ready again after
// the last kill.
func (s *stack) ensureUp(ctx context.Context, a *answers, say func(string, ...any)) error {
	for _, p := range s.all() {
		if err := p.start(); err != nil {
			return err
		}
	}
	if err := awaitTemporal(ctx, s.temporalA, time.Minute); err != nil {
		return err
	}
	a.temporalDown.Store(false)
	for _, u := range s.apiURLs {
		if err := awaitReady(ctx, u, time.Minute); err != nil {
			return err
		}
	}
	return nil
}

func (s *stack) all() []*process {
	ps := []*process{s.temporal, s.erp}
	ps = append(ps, s.workers...)
	return append(ps, s.apis...)
}

// stop stops the API servers and workers, then the ERP and Temporal.
func (s *stack) stop(say func(string, ...any)) {
	if s.pool != nil {
		s.pool.Close()
	}
	var wg sync.WaitGroup
	for _, p := range append(append([]*process(nil), s.apis...), s.workers...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.stop(); err != nil {
				say("%v", err)
			}
		}()
	}
	wg.Wait()
	for _, p := range []*process{s.erp, s.temporal} {
		if p == nil {
			continue
		}
		if err := p.stop(); err != nil {
			say("%v", err)
		}
	}
}

// awaitTemporal waits until the Temporal server answers a health check.
func awaitTemporal(ctx context.Context, addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		dialCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dialCtx, client.Options{HostPort: addr, Namespace: "default", Logger: quietLogger{}})
		if err == nil {
			_, err = c.CheckHealth(dialCtx, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the Temporal dev server at %s did not answer within %s: %w", addr, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// awaitReady waits until an API server's /readyz answers 200.
func awaitReady(ctx context.Context, api string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/readyz", nil)
		if err != nil {
			return err
		}
		c := http.Client{Timeout: 3 * time.Second}
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("answered %d", resp.StatusCode)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the API at %s was not ready within %s: %w", api, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// freePorts finds n ports free now, below Linux's ephemeral range (32768 and
// up): a killed process must get its port back when it starts again, and a
// port from the ephemeral range may meanwhile be the local end of some
// outgoing connection (a worker's to Postgres), which the listener cannot
// bind while it lasts.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, errors.New("no free port found between 20000 and 32767")
		}
		port := 20000 + rand.IntN(12768)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	return ports, nil
}

// baseEnv is the driver's environment without the settings the run gives
// its processes (the developer's own TEMPORAL_*, DATABASE_URL, … must not
// leak in), plus the run's.
func baseEnv(settings ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "TEMPORAL_"), strings.HasPrefix(name, "ERP_"), strings.HasPrefix(name, "LOG_"),
			name == "DATABASE_URL", name == "HTTP_ADDR", name == "WEBHOOK_SECRET_KEY", name == "WORKER_HTTP_ADDR",
			name == "CHECKOUT_SYNC_WAIT":
			continue
		}
		env = append(env, kv)
	}
	return append(env, settings...)
}

func logFile(dir, name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// redactURL drops a password from a database URL before printing it.
func redactURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return parsed.Redacted()
}

// quietLogger silences the SDK's logs of the driver's own health checks.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
