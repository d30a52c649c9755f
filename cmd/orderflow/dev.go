package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/webhooks"
)

// runDev runs the whole system on this machine: database and migrations, demo
// data, a Temporal dev server (unless one already answers), the worker and the
// API. Ctrl-C stops everything, the dev server last.
func runDev(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := app.OpenDatabase(ctx, cfg, log, true, true)
	if err != nil {
		return err
	}
	defer pool.Close()
	secrets, err := webhooks.NewSecretBox(cfg.WebhookSecretKey)
	if err != nil {
		return fmt.Errorf("WEBHOOK_SECRET_KEY: %w", err)
	}
	if err := demo.Seed(ctx, pool, secrets); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}

	server, err := startDevTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	if server != nil {
		defer server.stop(log)
	}
	// One registry for the whole process: the API serves it at /metrics.
	metrics := telemetry.NewMetrics()
	metrics.Registry.MustRegister(telemetry.NewBusinessCollector(pool))
	tc, err := dialWhenUp(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	defer tc.Close()
	app.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, log)

	g, gctx := errgroup.WithContext(ctx)
	// The ERP: a sandbox, unless ERP_URL names a real one elsewhere.
	sandboxAddr, sandbox := devERPSandbox(cfg)
	if sandbox {
		if err := seedDemoERPPrices(ctx, tc, pool, log); err != nil {
			return fmt.Errorf("demo ERP prices: %w", err)
		}
		// Its news comes back to the API as the demo integration "erp".
		news := erpsandbox.WebhookTarget{URL: localURL(cfg.HTTPAddr) + "/v1/webhooks/" + demo.ERP.Name, Secret: demo.ERP.Secret}
		g.Go(func() error {
			return serveERPSandbox(gctx, pool, sandboxAddr, cfg.ERPToken, erpsandbox.Faults{}, news, log)
		})
	}
	g.Go(func() error { return runWorkers(gctx, cfg, log, tc, pool) })
	g.Go(func() error { return serveHTTP(gctx, cfg, log, pool, tc, metrics) })
	g.Go(func() error { seedDemoQuotes(gctx, tc, pool, log); return nil })
	if server != nil {
		g.Go(func() error {
			select {
			case <-server.done:
				return fmt.Errorf("the Temporal dev server exited: %v", server.err)
			case <-gctx.Done():
				return nil
			}
		})
	}
	printBanner(cfg)
	err = g.Wait()
	log.Info("stopped")
	return err
}

// devERPSandbox says whether `orderflow dev` serves the sandbox ERP, and on
// which address: when ERP_URL is a plain http:// URL on this machine.
func devERPSandbox(cfg config.Config) (addr string, ok bool) {
	u, err := url.Parse(cfg.ERPURL)
	if err != nil || u.Scheme != "http" || (u.Path != "" && u.Path != "/") {
		return "", false
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return u.Host, u.Port() != ""
	}
	return "", false
}

// localURL is how this machine reaches a server listening on addr.
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

type devTemporal struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startDevTemporal starts `temporal server start-dev` with the project's search
// attributes, or returns nil when a server already answers at the address.
func startDevTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (*devTemporal, error) {
	if conn, err := net.DialTimeout("tcp", cfg.TemporalAddress, 300*time.Millisecond); err == nil {
		conn.Close()
		log.Info("a Temporal server already answers; using it", "address", cfg.TemporalAddress)
		return nil, nil
	}
	host, port, err := net.SplitHostPort(cfg.TemporalAddress)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	if _, err := os.Stat(cfg.TemporalCLI); err != nil {
		return nil, fmt.Errorf("no Temporal CLI at %s (run `make temporal`): %w", cfg.TemporalCLI, err)
	}
	args := []string{"server", "start-dev", "--ip", host, "--port", port,
		"--ui-port", fmt.Sprint(cfg.TemporalUIPort), "--namespace", cfg.TemporalNamespace, "--log-level", "error"}
	args = append(args, app.SearchAttributeFlags()...)
	args = append(args, app.DevServerArgs...)
	if cfg.TemporalDBFile != "" {
		args = append(args, "--db-filename", cfg.TemporalDBFile)
	}
	cmd := exec.Command(cfg.TemporalCLI, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Its own process group: Ctrl-C reaches us, and we stop it after the worker.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	log.Info("started Temporal dev server", "pid", cmd.Process.Pid, "args", strings.Join(args, " "))
	s := &devTemporal{cmd: cmd, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	return s, nil
}

func (s *devTemporal) stop(log *slog.Logger) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		log.Warn("Temporal dev server did not stop; killing it")
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// dialWhenUp connects to Temporal, waiting up to a minute for it to come up.
func dialWhenUp(ctx context.Context, cfg config.Config, log *slog.Logger, metrics *telemetry.Metrics) (client.Client, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		dialCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		tc, err := app.DialTemporal(dialCtx, cfg, log, metrics)
		cancel()
		if err == nil {
			return tc, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("reach Temporal at %s: %w", cfg.TemporalAddress, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// deskRoles say what each role does on the sales desk; roles without
// screens there are missing.
var deskRoles = map[string]string{
	"sales_rep":     "sales rep: quote inbox, revisions, claim, validity",
	"sales_manager": "sales manager: every quote, discount approvals",
	"approver":      "buyer's approver: orders waiting for approval",
	"company_admin": "company admin: orders waiting for approval",
	"ops":           "ops: orders, late orders, stuck ERP pushes",
}

func printBanner(cfg config.Config) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n  Orderflow is running.\n\n")
	fmt.Fprintf(&b, "  API          http://%s\n", cfg.HTTPAddr)
	fmt.Fprintf(&b, "  Metrics      http://%s/metrics (Prometheus: requests, Temporal SDK, business; docs/operations.md)\n", cfg.HTTPAddr)
	fmt.Fprintf(&b, "  Sales desk   http://%s/desk/ (sign in with a staff or approver token below)\n", cfg.HTTPAddr)
	fmt.Fprintf(&b, "  Temporal UI  %s/workflows\n", cfg.TemporalUINamespace())
	fmt.Fprintf(&b, "  Temporal     %s (namespace %s)\n", cfg.TemporalAddress, cfg.TemporalNamespace)
	fmt.Fprintf(&b, "  ERP          %s (token %s; the sandbox, docs/erp.md, unless ERP_URL names another)\n", cfg.ERPURL, cfg.ERPToken)
	fmt.Fprintf(&b, "  ERP pulls    the UI's Schedules page: erp-stock-pull (every 5 min), erp-price-pull (hourly)\n\n")
	fmt.Fprintf(&b, "  Demo tokens:\n")
	for _, p := range append(append([]demo.Principal(nil), demo.Buyers...), demo.Staff...) {
		fmt.Fprintf(&b, "    %-28s %-14s %s (%s)\n", p.Token, p.Role, p.Email, p.Company)
	}
	fmt.Fprintf(&b, "\n  Sales desk users (sign in at http://%s/desk/ with the token):\n", cfg.HTTPAddr)
	for _, p := range append(append([]demo.Principal(nil), demo.Staff...), demo.Buyers...) {
		if deskRoles[p.Role] != "" {
			fmt.Fprintf(&b, "    %-28s %s\n", p.Token, deskRoles[p.Role])
		}
	}
	fmt.Fprintf(&b, "\n  Try it:\n")
	fmt.Fprintf(&b, "    T=%s; A=http://%s\n", demo.Buyers[0].Token, cfg.HTTPAddr)
	fmt.Fprintf(&b, "    CART=$(curl -s -X POST $A/v1/carts -H \"Authorization: Bearer $T\" | sed -E 's/.*\"id\":\"([^\"]+)\".*/\\1/')\n")
	fmt.Fprintf(&b, "    curl -s -X POST $A/v1/carts/$CART/lines -H \"Authorization: Bearer $T\" -d '{\"sku\":\"BOLT-M8-50\",\"quantity\":3}'\n")
	fmt.Fprintf(&b, "    curl -s -X POST $A/v1/carts/$CART/checkout -H \"Authorization: Bearer $T\" -H \"Idempotency-Key: $CART\"\n")
	fmt.Fprintf(&b, "    bin/temporal workflow list --query 'CheckoutStatus=\"placed\"'\n")
	fmt.Fprintf(&b, "    curl -s %s/v1/orders -H \"Authorization: Bearer %s\"   # the order, in the ERP\n", cfg.ERPURL, cfg.ERPToken)
	fmt.Fprintf(&b, "    # the ERP ships and is paid (README: \"The ERP gets it\"); the order shows \"erp_status\"\n\n")
	fmt.Fprintf(&b, "  An order that needs approval (README: \"Approvals\"): Acme orders above EUR 1,000 wait for\n")
	fmt.Fprintf(&b, "  an approver (oft_demo_dana_acme_approver): GET $A/v1/approvals, POST $A/v1/approvals/$CART/approve\n\n")
	fmt.Fprintf(&b, "  Quotes (README: \"Quotes\"): three demo quotes run; GET $A/v1/sales/quotes with oft_demo_sam_sales\n")
	fmt.Fprintf(&b, "  or oft_demo_mia_sales_manager, or QuoteStatus=\"offered\" in the Temporal UI.\n\n")
	fmt.Fprintf(&b, "  Ctrl-C stops everything.\n\n")
	fmt.Fprint(os.Stderr, b.String())
}
