package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/testenv"
)

// The round trip of a workflow shaped like checkout (four no-op local
// activities; with handover, also a child started and awaited as checkout
// hands its order over), started with ExecuteWorkflow and awaited with
// run.Get, as the API does. It runs on two dev servers side by side, the one
// `orderflow dev` and the tests start (app.DevServerArgs) and the same without
// DevTransferPollRPS, each way of starting, at C=1 and C=8:
//
//	go test ./app -run '^$' -bench RoundTrip -benchtime 200x
//
// ms-p50 is the median round trip, wf/s the throughput.
func BenchmarkWorkflowRoundTrip(b *testing.B) {
	cli, err := testenv.TemporalCLI()
	if err != nil {
		b.Skip(err)
	}
	servers := []struct {
		name string
		args []string
	}{
		{"server=default-poll-rps", withoutValue(app.DevServerArgs, app.DevTransferPollRPS)},
		{"server=DevServerArgs", app.DevServerArgs},
	}
	clients := make([]client.Client, len(servers))
	for i, s := range servers {
		c, stop := startRoundTripServer(b, cli, s.args)
		defer stop()
		clients[i] = c
	}
	for _, shape := range []string{"bare", "handover"} {
		for _, conc := range []int{1, 8} {
			for _, eager := range []bool{false, true} {
				for i, s := range servers {
					start := "start=plain"
					if eager {
						start = "start=eager"
					}
					b.Run(fmt.Sprintf("%s/c=%d/%s/%s", shape, conc, start, s.name), func(b *testing.B) {
						runRoundTrips(b, clients[i], shape == "handover", eager, conc)
					})
				}
			}
		}
	}
}

// withoutValue is args without the flag whose value is v, nor that value.
func withoutValue(args []string, v string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if i+1 < len(args) && args[i+1] == v {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

const roundTripTaskQueue = "roundtrip"

var roundTripSteps = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
}

func roundTripWorkflow(ctx workflow.Context, handover bool) (string, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, roundTripSteps)
	for range 4 {
		if err := workflow.ExecuteLocalActivity(ctx, "RoundTripStep").Get(ctx, nil); err != nil {
			return "", err
		}
	}
	if handover {
		ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        workflow.GetInfo(ctx).WorkflowExecution.ID + "/child",
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		if err := workflow.ExecuteChildWorkflow(ctx, "RoundTripChild").GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return "", err
		}
	}
	return "placed", nil
}

// roundTripChild waits, as an order's workflow waits for its shipment, so it
// does not end while its parent's last workflow task runs.
func roundTripChild(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "never").Receive(ctx, nil)
	return nil
}

func roundTripStep(context.Context) error { return nil }

// startRoundTripServer starts an in-memory dev server with args on a free
// port, and a worker of the round-trip workflows on a client of its own.
func startRoundTripServer(b *testing.B, cli string, args []string) (client.Client, func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Namespace: "default", Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		LogLevel:      "error",
		ExtraArgs:     args,
		Stdout:        io.Discard,
		Stderr:        os.Stderr,
	})
	if err != nil {
		b.Fatalf("dev server: %v", err)
	}
	c := srv.Client()
	w := worker.New(c, roundTripTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(roundTripWorkflow, workflow.RegisterOptions{Name: "RoundTrip"})
	w.RegisterWorkflowWithOptions(roundTripChild, workflow.RegisterOptions{Name: "RoundTripChild"})
	w.RegisterActivityWithOptions(roundTripStep, activity.RegisterOptions{Name: "RoundTripStep"})
	if err := w.Start(); err != nil {
		b.Fatalf("worker: %v", err)
	}
	return c, func() {
		w.Stop()
		_ = srv.Stop()
	}
}

// roundTripWarmup workflows run before the clock starts: they spend the
// transfer queue's burst (20 reads) so that what is timed is the steady state.
const roundTripWarmup = 40

func runRoundTrips(b *testing.B, c client.Client, handover, eager bool, conc int) {
	ctx := context.Background()
	one := func() time.Duration {
		start := time.Now()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                       "roundtrip/" + uuid.NewString(),
			TaskQueue:                roundTripTaskQueue,
			EnableEagerStart:         eager,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, "RoundTrip", handover)
		if err != nil {
			b.Fatalf("start: %v", err)
		}
		var result string
		if err := run.Get(ctx, &result); err != nil || result != "placed" {
			b.Fatalf("result %q: %v", result, err)
		}
		return time.Since(start)
	}
	drive := func(n int) []time.Duration {
		var (
			next atomic.Int64
			mu   sync.Mutex
			took []time.Duration
			wg   sync.WaitGroup
		)
		for range conc {
			wg.Go(func() {
				for next.Add(1) <= int64(n) {
					d := one()
					mu.Lock()
					took = append(took, d)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return took
	}
	drive(roundTripWarmup)
	b.ResetTimer()
	start := time.Now()
	took := drive(b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "wf/s")
}
