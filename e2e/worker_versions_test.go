package e2e_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/order"
)

// TestWorkerVersionsSideBySide runs two builds of the worker, "v1" and "v2",
// as `orderflow worker` processes of their own under Temporal's worker
// versioning, and rolls out and back with the CLI commands of
// docs/deployment.md. The first build makes itself current; the second
// polls beside it and takes no work until an operator makes it current.
// Then new checkouts run on v2, an order (auto-upgrade) moves to v2 at its
// next task, and a checkout waiting for approval (pinned) finishes on v1,
// every one of its tasks run by the v1 process. Rolled back, new checkouts
// run on v1 again.
func TestWorkerVersionsSideBySide(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{ExternalWorkers: true})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
	buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
	approver := testenv.NewEmployee(t, s.Pool, company, "approver")
	sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 100)
	b, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, approver)
	ctx := context.Background()

	// The deployment's first build makes itself current.
	v1 := startWorkerProcess(t, s, "worker v1", "WORKER_BUILD_ID=v1", "WORKER_HTTP_ADDR=127.0.0.1:0", "LOG_LEVEL=info")
	awaitCurrentVersion(t, s, "v1")

	// Work under way on v1: a checkout waiting for an approver (pinned),
	// and a placed order (auto-upgrade).
	waitingCart := b.createCart(sku, 2) // EUR 120.00, above the rule's EUR 100.00
	b.startAwaitingApproval(waitingCart)
	placed := b.placeOrderEventually(b.createCart(sku, 1))
	awaitOrderOpen(t, s, placed.ID)
	requireVersion(t, s, checkout.WorkflowID(waitingCart), "v1", enumspb.VERSIONING_BEHAVIOR_PINNED)
	requireTasksBy(t, s, checkout.WorkflowID(waitingCart), v1)
	requireVersion(t, s, order.WorkflowID(placed.ID), "v1", enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE)

	// The new build starts beside the old one. It polls every task queue
	// but takes nothing until it is made current.
	v2 := startWorkerProcess(t, s, "worker v2", "WORKER_BUILD_ID=v2", "WORKER_HTTP_ADDR=127.0.0.1:0", "LOG_LEVEL=info")
	awaitVersionPolls(t, s, "v2")
	t.Log(temporalCLI(t, s, "worker", "deployment", "describe-version", "--deployment-name", config.DefaultWorkerDeployment, "--build-id", "v2"))
	onV1 := b.placeOrderEventually(b.createCart(sku, 1))
	requireVersion(t, s, order.WorkflowID(onV1.ID), "v1", enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE)
	require.Equal(t, "v1", currentBuildID(t, s), "a build that is not current takes no new work")

	// Roll out: v2 becomes current.
	setCurrentVersion(t, s, "v2")
	t.Log(temporalCLI(t, s, "worker", "deployment", "describe", "--name", config.DefaultWorkerDeployment))
	require.Equal(t, "v2", currentBuildID(t, s))

	// New work runs on v2, every task of it.
	newCart := b.createCart(sku, 1)
	newOrder := b.placeOrderEventually(newCart)
	requireVersion(t, s, checkout.WorkflowID(newCart), "v2", enumspb.VERSIONING_BEHAVIOR_PINNED)
	requireTasksBy(t, s, checkout.WorkflowID(newCart), v2)
	awaitOrderOpen(t, s, newOrder.ID)

	// The order placed on v1 moves to v2 at its next workflow task.
	shipment := order.ShipmentInput{
		ShipmentID: order.ShipmentIDFor("webhook:wms", "versions-1"),
		Lines:      []order.Line{{SKU: sku, Quantity: 1}},
		Carrier:    "DHL", Tracking: "JD0002", ShippedAt: time.Now().UTC(), Source: "webhook:wms/versions-1",
	}
	updateCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	shipped, err := order.Update(updateCtx, s.Temporal, placed.ID, order.RecordShipmentUpdate, "versions-ship-1", shipment)
	require.NoError(t, err)
	require.Equal(t, 1, shipped.Shipments)
	requireVersion(t, s, order.WorkflowID(placed.ID), "v2", enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE)
	require.Equal(t, v2.pidPrefix(), workflowTasksBy(t, s, order.WorkflowID(placed.ID))[1], "the shipment ran on v2")

	// The checkout pinned to v1 is what the drain query of docs/deployment.md
	// finds; approved, it finishes on v1.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		res, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.Namespace,
			Query: fmt.Sprintf(`TemporalWorkerDeploymentVersion="%s:v1" AND WorkflowType="%s" AND ExecutionStatus="Running"`,
				config.DefaultWorkerDeployment, checkout.WorkflowName),
		})
		require.NoError(c, err)
		var ids []string
		for _, e := range res.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		require.Equal(c, []string{checkout.WorkflowID(waitingCart)}, ids)
	}, 30*time.Second, 200*time.Millisecond, "the running checkouts pinned to v1")
	res := a.decide(waitingCart, "approve", "after the rollout")
	require.Equal(t, 200, res.Status, string(res.Body))
	done := b.awaitCheckoutStatus(waitingCart, "placed")
	require.NotNil(t, done.OrderID)
	requirePlacedOnce(t, s.Pool, waitingCart, 2, 120_00)
	requireVersion(t, s, checkout.WorkflowID(waitingCart), "v1", enumspb.VERSIONING_BEHAVIOR_PINNED)
	requireTasksBy(t, s, checkout.WorkflowID(waitingCart), v1)
	// Its order was started by the checkout's worker, eagerly: its first
	// workflow task ran there, on v1. It moves on to v2 at its next task (a
	// shipment here), as any order does.
	require.Equal(t, v1.pidPrefix(), workflowTasksBy(t, s, order.WorkflowID(*done.OrderID))[0],
		"the order's first workflow task ran on its checkout's version")
	shipment.ShipmentID = order.ShipmentIDFor("webhook:wms", "versions-2")
	shipment.Source = "webhook:wms/versions-2"
	_, err = order.Update(updateCtx, s.Temporal, *done.OrderID, order.RecordShipmentUpdate, "versions-ship-2", shipment)
	require.NoError(t, err)
	require.Equal(t, v2.pidPrefix(), workflowTasksBy(t, s, order.WorkflowID(*done.OrderID))[1],
		"the order's later workflow tasks run on the current version")
	requireVersion(t, s, order.WorkflowID(*done.OrderID), "v2", enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE)

	// Roll back: v1 is current again, and new work runs on it.
	setCurrentVersion(t, s, "v1")
	require.Equal(t, "v1", currentBuildID(t, s))
	backCart := b.createCart(sku, 1)
	b.placeOrderEventually(backCart)
	requireVersion(t, s, checkout.WorkflowID(backCart), "v1", enumspb.VERSIONING_BEHAVIOR_PINNED)
	requireTasksBy(t, s, checkout.WorkflowID(backCart), v1)
}

// pidPrefix is how the SDK's default identity ("<pid>@<host>@") of the
// process's workers begins.
func (w *workerProcess) pidPrefix() string { return fmt.Sprintf("%d@", w.cmd.Process.Pid) }

// temporalCLI runs the project's Temporal CLI against the stack's namespace
// and answers its output.
func temporalCLI(t testing.TB, s *testenv.Stack, args ...string) string {
	t.Helper()
	cli, err := testenv.TemporalCLI()
	require.NoError(t, err)
	args = append(args, "--address", s.TemporalAddress, "--namespace", s.Namespace)
	out, err := exec.Command(cli, args...).CombinedOutput()
	require.NoError(t, err, "temporal %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// setCurrentVersion makes the build's version current with the CLI, as
// docs/deployment.md says. The server checks the version's task queues
// through queries of its deployment's internal workflows, which a busy
// server refuses now and then ("consistent query buffer is full"); the
// command is idempotent, so it is tried again, as an operator would.
func setCurrentVersion(t testing.TB, s *testenv.Stack, buildID string) {
	t.Helper()
	cli, err := testenv.TemporalCLI()
	require.NoError(t, err)
	args := []string{"worker", "deployment", "set-current-version", "--deployment-name", config.DefaultWorkerDeployment,
		"--build-id", buildID, "--yes", "--address", s.TemporalAddress, "--namespace", s.Namespace}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		out, err := exec.Command(cli, args...).CombinedOutput()
		if err != nil {
			t.Logf("temporal %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		require.NoError(c, err)
	}, 2*time.Minute, time.Second, "set-current-version %s", buildID)
}

// currentBuildID is the build ID of the deployment's current version ("" for
// none).
func currentBuildID(t testing.TB, s *testenv.Stack) string {
	t.Helper()
	d, err := s.Temporal.WorkerDeploymentClient().GetHandle(config.DefaultWorkerDeployment).
		Describe(context.Background(), client.WorkerDeploymentDescribeOptions{})
	require.NoError(t, err)
	if v := d.Info.RoutingConfig.CurrentVersion; v != nil {
		return v.BuildID
	}
	return ""
}

// awaitCurrentVersion waits until the deployment's current version is the
// build's: the server registers a version's task queues one by one, seconds
// on a busy machine.
func awaitCurrentVersion(t testing.TB, s *testenv.Stack, buildID string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d, err := s.Temporal.WorkerDeploymentClient().GetHandle(config.DefaultWorkerDeployment).
			Describe(context.Background(), client.WorkerDeploymentDescribeOptions{})
		require.NoError(c, err)
		require.NotNil(c, d.Info.RoutingConfig.CurrentVersion)
		require.Equal(c, buildID, d.Info.RoutingConfig.CurrentVersion.BuildID)
	}, 2*time.Minute, 200*time.Millisecond, "version %s becomes current", buildID)
}

// awaitVersionPolls waits until the build's version polls every task queue
// of app.TaskQueues for workflow and activity tasks, which a version must
// before it may become current.
func awaitVersionPolls(t testing.TB, s *testenv.Stack, buildID string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := s.Temporal.WorkerDeploymentClient().GetHandle(config.DefaultWorkerDeployment).
			DescribeVersion(context.Background(), client.WorkerDeploymentDescribeVersionOptions{BuildID: buildID})
		require.NoError(c, err)
		polled := map[string]int{}
		for _, q := range v.Info.TaskQueuesInfos {
			polled[q.Name]++
		}
		for _, q := range app.TaskQueues {
			require.Equal(c, 2, polled[q], "version %s polls %s for workflow and activity tasks", buildID, q)
		}
	}, 2*time.Minute, time.Second) // a describe is a query of a workflow the server is busy with
}

// requireVersion requires the workflow to run as the deployment version of
// the build, with the behavior. A workflow has its behavior once a worker
// completed its first workflow task (a child of a pinned parent shows as
// pinned before), so that is waited for.
func requireVersion(t testing.TB, s *testenv.Stack, workflowID, buildID string, behavior enumspb.VersioningBehavior) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d, err := s.Temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
		require.NoError(c, err)
		info := d.GetWorkflowExecutionInfo().GetVersioningInfo()
		require.Equal(c, behavior, info.GetBehavior(), "%s's versioning behavior", workflowID)
		require.Equal(c, config.DefaultWorkerDeployment, info.GetDeploymentVersion().GetDeploymentName(), workflowID)
		require.Equal(c, buildID, info.GetDeploymentVersion().GetBuildId(), "%s's deployment version", workflowID)
	}, 30*time.Second, 100*time.Millisecond)
}

// requireTasksBy requires every workflow and activity task of the workflow
// so far to have been run by the worker process.
func requireTasksBy(t testing.TB, s *testenv.Stack, workflowID string, w *workerProcess) {
	t.Helper()
	iter := s.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	tasks := 0
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		var identity string
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			identity = e.GetWorkflowTaskStartedEventAttributes().GetIdentity()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			identity = e.GetActivityTaskStartedEventAttributes().GetIdentity()
		default:
			continue
		}
		tasks++
		require.True(t, strings.HasPrefix(identity, w.pidPrefix()), "%s: event %d run by %q, not %s (%s)",
			workflowID, e.GetEventId(), identity, w.name, w.pidPrefix())
	}
	require.Positive(t, tasks, "%s ran tasks", workflowID)
}

// workflowTasksBy answers who ran the workflow's workflow tasks so far, once
// one ran: [0] the identity prefix ("<pid>@") of the worker that ran its
// first, [1] of the one that ran its last.
func workflowTasksBy(t testing.TB, s *testenv.Stack, workflowID string) [2]string {
	t.Helper()
	var by [2]string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		by = [2]string{}
		iter := s.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			require.NoError(c, err)
			if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED {
				pid, _, _ := strings.Cut(e.GetWorkflowTaskStartedEventAttributes().GetIdentity(), "@")
				if by[0] == "" {
					by[0] = pid + "@"
				}
				by[1] = pid + "@"
			}
		}
		require.NotEmpty(c, by[0], "%s ran a workflow task", workflowID)
	}, 30*time.Second, 100*time.Millisecond)
	return by
}
