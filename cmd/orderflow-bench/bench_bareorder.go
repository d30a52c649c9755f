package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/order"
)

// The bare order: the design's minimal Temporal shape of one whole order
// ("one workflow per business object"), every step a no-op.
// A placed order runs three workflows: the checkout, which in its one
// workflow task starts the order's workflow from a local activity (eager,
// REJECT_DUPLICATE: order.Starter); the order, which in its first workflow
// task starts the ERP push the same way (erpsync.Starter) and then stays open,
// waiting for fulfilment behind a durable timer at its ship-by deadline; and
// the push, whose first try is a local activity, which completes. The client
// awaits the checkout only, as the API does. What one costs is the least the
// Temporal server, the SDK and this machine spend per whole order with this
// design, whatever our steps do: "bare order ÷ bare" is the highest "whole
// orders ÷ bare" the design permits, and its CPU per unit the floor of the
// CPU per whole order.
//
// It is the minimal shape, so a floor, not a copy of today's histories: it
// leaves out what the real workflows record on top of the design's steps,
// the Version markers of workflow.GetVersion with their TemporalChangeVersion
// upserts (one in checkout, two in the order, two in the push) and the
// push's ReadPushPolicy and two RecordSync steps with its second upsert.
//
// Its search attributes are the ones the stack registers (the processes'
// contracts), so the dev server needs nothing new; every status reads
// bareOrderStatus, which no real workflow ever has, and the workflow types
// and IDs are the bench's own.
const (
	bareOrderCheckoutQueue = "orderflow-bench-bare-order-checkout"
	bareOrderQueue         = "orderflow-bench-bare-order"
	bareOrderPushQueue     = "orderflow-bench-bare-order-erp"
	bareOrderCheckoutName  = "BenchBareOrderCheckout"
	bareOrderName          = "BenchBareOrder"
	bareOrderPushName      = "BenchBareOrderPush"
	bareOrderStepActivity  = "BenchBareOrderStep"
	bareOrderStartOrder    = "BenchBareOrderStartOrder"
	bareOrderStartPush     = "BenchBareOrderStartPush"
	// bareOrderCheckoutSteps are a placed checkout's local activities before
	// its hand-over (workflows/checkout, testdata/placed.json): BeginCheckout,
	// ReserveSpend, ReserveInventory, AuthorizePayment, PlaceOrder; then
	// StartOrderLife, its sixth, which starts the order.
	bareOrderCheckoutSteps = 5
	// bareOrderOpeningSteps are an order's local activities before it starts
	// its push (workflows/order, testdata/*.json): OpenOrder; then StartPush.
	bareOrderOpeningSteps = 1
	// bareOrderStatus is every status search attribute of a bare order.
	bareOrderStatus = "bench-bare"
	// bareOrderShipBy is how far the order's timer is set: a real order's
	// ship-by deadline is days away, so it never fires during a bench.
	bareOrderShipBy = 7 * 24 * time.Hour
)

// bareOrderID derives the order's ID from the cart, as checkout.OrderIDForCart
// does, so a retried start names the same order.
func bareOrderID(cartID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(bareOrderNamespace, cartID[:])
}

var bareOrderNamespace = uuid.MustParse("5b1f0c3e-8d2a-4f6b-9c7e-1a2b3c4d5e60")

// bareOrderCheckout is the checkout: its steps, the hand-over that starts the
// order, and the one upsert of a placed checkout (its status and total).
func bareOrderCheckout(ctx workflow.Context, in bareInput) (bareResult, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions)
	for range bareOrderCheckoutSteps {
		if err := workflow.ExecuteLocalActivity(ctx, bareOrderStepActivity, in).Get(ctx, nil); err != nil {
			return bareResult{}, err
		}
	}
	orderID := bareOrderID(in.CartID)
	if err := workflow.ExecuteLocalActivity(ctx, bareOrderStartOrder, bareInput{CartID: orderID,
		CompanyID: in.CompanyID, CustomerID: in.CustomerID}).Get(ctx, nil); err != nil {
		return bareResult{}, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		checkout.StatusKey.ValueSet(bareOrderStatus),
		checkout.TotalKey.ValueSet(0),
	); err != nil {
		return bareResult{}, err
	}
	return bareResult{Status: bareOrderStatus, OrderID: orderID}, nil
}

// bareOrderLife is the order (in.CartID holds the order's ID): its opening
// step, the upsert of its six attributes, the push's start, then the wait for
// fulfilment that a real order does, on a timer that never fires here.
func bareOrderLife(ctx workflow.Context, in bareInput) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions)
	for range bareOrderOpeningSteps {
		if err := workflow.ExecuteLocalActivity(ctx, bareOrderStepActivity, in).Get(ctx, nil); err != nil {
			return err
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		order.StatusKey.ValueSet(bareOrderStatus),
		order.FulfilmentStatusKey.ValueSet(bareOrderStatus),
		order.PaymentStatusKey.ValueSet(bareOrderStatus),
		order.TotalKey.ValueSet(0),
		order.ShipByKey.ValueSet(workflow.Now(ctx).Add(bareOrderShipBy)),
		order.SlaBreachedKey.ValueSet(false),
	); err != nil {
		return err
	}
	if err := workflow.ExecuteLocalActivity(ctx, bareOrderStartPush, in).Get(ctx, nil); err != nil {
		return err
	}
	_, err := workflow.AwaitWithTimeout(ctx, bareOrderShipBy, func() bool { return false })
	return err
}

// bareOrderPush is the ERP push: its first try, the upsert of its status,
// done.
func bareOrderPush(ctx workflow.Context, in bareInput) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:             "push 1, first try",
	})
	if err := workflow.ExecuteLocalActivity(ctx, bareOrderStepActivity, in).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.UpsertTypedSearchAttributes(ctx, erpsync.StatusKey.ValueSet(bareOrderStatus))
}

// bareOrderStarter starts the order and its push from local activities with
// the workers' own client, with the options order.Starter and
// erpsync.Starter use (eager, ID from the order, FAIL on a running one, the
// same reuse policies, search attributes, summary and details at start).
type bareOrderStarter struct {
	client client.Client
}

func (s *bareOrderStarter) startOrder(ctx context.Context, in bareInput) error {
	return s.start(ctx, client.StartWorkflowOptions{
		ID:                       "bench-bare-order/" + in.CartID.String(),
		TaskQueue:                bareOrderQueue,
		EnableEagerStart:         true,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
			workflows.CustomerIDKey.ValueSet(in.CustomerID.String()),
			order.StatusKey.ValueSet(bareOrderStatus),
		),
		StaticSummary: "Bench bare order " + in.CartID.String() + " · EUR 0.00",
		StaticDetails: "Placed by the bench's bare checkout.",
	}, bareOrderName, in)
}

func (s *bareOrderStarter) startPush(ctx context.Context, in bareInput) error {
	return s.start(ctx, client.StartWorkflowOptions{
		ID:                       "bench-bare-order-erp/" + in.CartID.String(),
		TaskQueue:                bareOrderPushQueue,
		EnableEagerStart:         true,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
			erpsync.StatusKey.ValueSet(bareOrderStatus),
		),
		StaticSummary: "Bench bare ERP push · order " + in.CartID.String(),
		StaticDetails: "Started by the bench's bare order `bench-bare-order/" + in.CartID.String() + "` when it opened.",
	}, bareOrderPushName, in)
}

// start starts a workflow, or finds it started, as the starters do.
func (s *bareOrderStarter) start(ctx context.Context, opts client.StartWorkflowOptions, name string, in bareInput) error {
	_, err := s.client.ExecuteWorkflow(ctx, opts, name, in)
	if _, started := errors.AsType[*serviceerror.WorkflowExecutionAlreadyStarted](err); started {
		return nil
	}
	return err
}

// newBareOrderWorkers builds a worker per process of the bare order, each on
// its own task queue as each real process is, all on c: the real worker's
// starts are eager because `orderflow dev` runs every worker on one client,
// and so do these.
func newBareOrderWorkers(c client.Client) []worker.Worker {
	starter := &bareOrderStarter{client: c}
	checkoutWorker := worker.New(c, bareOrderCheckoutQueue, worker.Options{})
	checkoutWorker.RegisterWorkflowWithOptions(bareOrderCheckout, workflow.RegisterOptions{Name: bareOrderCheckoutName})
	checkoutWorker.RegisterActivityWithOptions(bareStep, activity.RegisterOptions{Name: bareOrderStepActivity})
	checkoutWorker.RegisterActivityWithOptions(starter.startOrder, activity.RegisterOptions{Name: bareOrderStartOrder})

	orderWorker := worker.New(c, bareOrderQueue, worker.Options{})
	orderWorker.RegisterWorkflowWithOptions(bareOrderLife, workflow.RegisterOptions{Name: bareOrderName})
	orderWorker.RegisterActivityWithOptions(bareStep, activity.RegisterOptions{Name: bareOrderStepActivity})
	orderWorker.RegisterActivityWithOptions(starter.startPush, activity.RegisterOptions{Name: bareOrderStartPush})

	pushWorker := worker.New(c, bareOrderPushQueue, worker.Options{})
	pushWorker.RegisterWorkflowWithOptions(bareOrderPush, workflow.RegisterOptions{Name: bareOrderPushName})
	pushWorker.RegisterActivityWithOptions(bareStep, activity.RegisterOptions{Name: bareOrderStepActivity})
	return []worker.Worker{checkoutWorker, orderWorker, pushWorker}
}

// bareOrder starts a bare checkout and waits for its result, as the API
// starts and awaits a checkout (checkout.Start: eager, USE_EXISTING,
// ALLOW_DUPLICATE, its search attributes and summary at start). The order and
// its push run on; the order stays open, as real orders do.
func (b *bareCeiling) bareOrder(ctx context.Context) benchSample {
	in := bareInput{CartID: uuid.New(), CompanyID: uuid.New(), CustomerID: uuid.New()}
	ctx, cancel := context.WithTimeout(ctx, bareWaitTimeout)
	defer cancel()
	start := time.Now()
	run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       "bench-bare-order-checkout/" + in.CartID.String(),
		TaskQueue:                bareOrderCheckoutQueue,
		EnableEagerStart:         true,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			checkout.CartIDKey.ValueSet(in.CartID.String()),
			checkout.StatusKey.ValueSet(bareOrderStatus),
			workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
			workflows.CustomerIDKey.ValueSet(in.CustomerID.String()),
		),
		StaticSummary: "Bench bare checkout · cart " + in.CartID.String(),
	}, bareOrderCheckoutName, in)
	if err != nil {
		return benchSample{failure: "start: " + err.Error()}
	}
	var result bareResult
	err = run.Get(ctx, &result)
	took := time.Since(start)
	if err != nil {
		return benchSample{checkout: took, order: took, failure: "result: " + err.Error()}
	}
	if result.Status != bareOrderStatus {
		return benchSample{checkout: took, order: took, failure: fmt.Sprintf("result: status %q", result.Status)}
	}
	return benchSample{ok: true, checkout: took, order: took}
}
