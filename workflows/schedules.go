package workflows

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Schedule is a Temporal Schedule as a process keeps it: the worker creates
// it, or puts it back to this spec, action and overlap policy, at every start
// (EnsureSchedule).
type Schedule struct {
	ID      string
	Spec    client.ScheduleSpec
	Action  *client.ScheduleWorkflowAction
	Overlap enumspb.ScheduleOverlapPolicy
}

// EnsureSchedule creates the schedule, or puts an existing one back to its
// spec, action and overlap policy; calling it at every worker start is
// harmless, and a pause set by ops is kept.
func EnsureSchedule(ctx context.Context, c client.Client, want Schedule) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: want.ID, Spec: want.Spec, Action: want.Action, Overlap: want.Overlap,
	})
	var exists *serviceerror.AlreadyExists
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) && !errors.As(err, &exists) {
		return err
	}
	return c.ScheduleClient().GetHandle(ctx, want.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &want.Spec, want.Action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = want.Overlap
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
}
