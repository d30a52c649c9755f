package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
)

// The bare ceiling: a workflow shaped like checkout on its happy path (the same
// number of local activities, with the same options) whose activities do
// nothing. What it costs is what Temporal, the SDK and this machine cost; the
// rest of a checkout is ours. It lives here, not in workflows/, because only the
// bench runs it, on a task queue of its own, under names that cannot collide
// with the real ones.
const (
	bareTaskQueue    = "orderflow-bench-bare"
	bareWorkflowName = "BenchBareCheckout"
	bareStepActivity = "BenchBareStep"
	// bareSteps is the number of local activities of a checkout that places its
	// order: BeginCheckout, ReserveInventory, AuthorizePayment, PlaceOrder.
	bareSteps = 4
	// bareWaitTimeout bounds the wait for one bare workflow, so a lost worker
	// cannot hang the bench.
	bareWaitTimeout = time.Minute
)

// bareStepOptions are checkout's local activity options (workflows/checkout.go).
var bareStepOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// bareInput and bareResult are about the size of checkout's input and result.
type bareInput struct {
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

type bareResult struct {
	Status  string    `json:"status"`
	OrderID uuid.UUID `json:"order_id"`
}

// bareCheckout runs bareSteps no-op local activities, one after the other.
func bareCheckout(ctx workflow.Context, in bareInput) (bareResult, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, bareStepOptions)
	for range bareSteps {
		if err := workflow.ExecuteLocalActivity(ctx, bareStepActivity, in).Get(ctx, nil); err != nil {
			return bareResult{}, err
		}
	}
	return bareResult{Status: "placed", OrderID: in.CartID}, nil
}

// bareStep does nothing.
func bareStep(context.Context, bareInput) error { return nil }

// bareCeiling starts and awaits bare workflows and bare orders
// (bench_bareorder.go), and runs their workers.
type bareCeiling struct {
	temporal client.Client
	workers  []worker.Worker
}

// startBareCeiling dials Temporal and starts the bare worker and the bare
// order's, with the default worker options the checkout worker has.
func startBareCeiling(ctx context.Context, cfg config.Config, log *slog.Logger) (*bareCeiling, error) {
	tc, err := app.DialTemporal(ctx, cfg, log, nil)
	if err != nil {
		return nil, fmt.Errorf("bench: Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	w := worker.New(tc, bareTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(bareCheckout, workflow.RegisterOptions{Name: bareWorkflowName})
	w.RegisterActivityWithOptions(bareStep, activity.RegisterOptions{Name: bareStepActivity})
	b := &bareCeiling{temporal: tc}
	for _, w := range append([]worker.Worker{w}, newBareOrderWorkers(tc)...) {
		if err := w.Start(); err != nil {
			b.stop()
			return nil, fmt.Errorf("bench: start the bare workers: %w", err)
		}
		b.workers = append(b.workers, w)
	}
	return b, nil
}

func (b *bareCeiling) stop() {
	for _, w := range b.workers {
		w.Stop()
	}
	b.temporal.Close()
}

// checkout starts a bare workflow and waits for its result, as the API starts
// and awaits a checkout (api/checkout.go, checkout.Start): ExecuteWorkflow with
// the same ID policies and eager start (the bare worker shares the client, as
// the checkout worker shares the API's in `orderflow dev`), then run.Get.
func (b *bareCeiling) checkout(ctx context.Context) benchSample {
	in := bareInput{CartID: uuid.New(), CompanyID: uuid.New(), CustomerID: uuid.New()}
	ctx, cancel := context.WithTimeout(ctx, bareWaitTimeout)
	defer cancel()
	start := time.Now()
	run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       "bench-bare/" + in.CartID.String(),
		TaskQueue:                bareTaskQueue,
		EnableEagerStart:         true,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, bareWorkflowName, in)
	if err != nil {
		return benchSample{failure: "start: " + err.Error()}
	}
	var result bareResult
	err = run.Get(ctx, &result)
	took := time.Since(start)
	if err != nil {
		return benchSample{checkout: took, order: took, failure: "result: " + err.Error()}
	}
	return benchSample{ok: true, checkout: took, order: took}
}
