// Package housekeeping is the upkeep process: a Temporal Schedule,
// created or put back when the worker starts, runs ExpireIdempotencyKeys every
// hour to delete the Idempotency-Keys past commerce.IdempotencyKeyTTL, in
// batches, on a task queue of its own.
package housekeeping

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/housekeeping"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// TaskQueue is the task queue of the housekeeping workflows and activities.
const TaskQueue = "orderflow-housekeeping"

// ExpireKeysWorkflowName is the registered name of ExpireIdempotencyKeys.
const ExpireKeysWorkflowName = "ExpireIdempotencyKeys"

// ExpireKeysVersioningBehavior pins a run of ExpireIdempotencyKeys to the
// worker deployment version (build) it started on (Temporal's worker
// versioning, docs/deployment.md): a run takes minutes at most, and the next
// hour's run starts on the current build.
const ExpireKeysVersioningBehavior = workflow.VersioningBehaviorPinned

// The expiry's Schedule, the ID of the runs it starts (one at a time), and
// how often.
const (
	ExpireKeysScheduleID = "idempotency-key-expiry"
	ExpireKeysWorkflowID = "idempotency-key-expiry"
	ExpireKeysEvery      = time.Hour
)

// ExpireKeysInput sizes a run; the zero value is the schedule's.
type ExpireKeysInput struct {
	// Batch is the most keys one activity deletes (0: DefaultExpireBatch).
	Batch int32 `json:"batch,omitempty"`
	// MaxBatches bounds one run (0: DefaultExpireMaxBatches); what is left
	// waits for the next hour.
	MaxBatches int `json:"max_batches,omitempty"`
}

// Sizes of a run unless its input says otherwise: up to a million keys an
// hour, in transactions of 5,000.
const (
	DefaultExpireBatch      = 5000
	DefaultExpireMaxBatches = 200
)

// ExpireKeysResult counts what a run deleted.
type ExpireKeysResult struct {
	Batches int   `json:"batches"`
	Deleted int64 `json:"deleted"`
}

// acts are the housekeeping activities, referenced through a nil pointer.
var acts *housekeeping.Activities

// ExpireIdempotencyKeys deletes the keys created more than
// commerce.IdempotencyKeyTTL before the run started, a batch at a time,
// until a batch is not full or the run has done MaxBatches.
func ExpireIdempotencyKeys(ctx workflow.Context, in ExpireKeysInput) (ExpireKeysResult, error) {
	if in.Batch <= 0 {
		in.Batch = DefaultExpireBatch
	}
	if in.MaxBatches <= 0 {
		in.MaxBatches = DefaultExpireMaxBatches
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	cutoff := workflow.Now(ctx).Add(-commerce.IdempotencyKeyTTL)
	var res ExpireKeysResult
	for res.Batches < in.MaxBatches {
		var deleted int64
		err := workflow.ExecuteActivity(ctx, acts.DeleteExpiredKeys,
			housekeeping.DeleteExpiredKeysInput{ExpiredBefore: cutoff, Batch: in.Batch}).Get(ctx, &deleted)
		if err != nil {
			return res, err
		}
		res.Batches++
		res.Deleted += deleted
		if deleted < int64(in.Batch) {
			break
		}
	}
	return res, nil
}

// EnsureSchedules creates the expiry's Schedule (hourly, overlap skip), or
// puts it back; calling it at every worker start is harmless, and a pause set
// by ops is kept.
func EnsureSchedules(ctx context.Context, c client.Client) error {
	return workflows.EnsureSchedule(ctx, c, workflows.Schedule{ID: ExpireKeysScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: ExpireKeysEvery}}},
		Action: &client.ScheduleWorkflowAction{ID: ExpireKeysWorkflowID, Workflow: ExpireKeysWorkflowName,
			TaskQueue: TaskQueue, Args: []any{ExpireKeysInput{}}, StaticSummary: "Delete expired Idempotency-Keys"},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
}
