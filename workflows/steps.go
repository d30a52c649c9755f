package workflows

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/commerce"
)

// DetailsTime is how times read in the current details ops see in the
// Temporal UI (workflow.SetCurrentDetails).
const DetailsTime = "Mon 2 Jan 15:04 MST"

// LocalStepOptions are the options of a step that is one short transaction
// against our own Postgres, run as a local activity: idempotent, keyed by
// business IDs, so it may be retried. Infrastructure errors retry with backoff
// (up to 30 s apart) for a day: a database outage delays a process, it does not
// lose it. Business refusals are non-retryable errors and end the step at once.
var LocalStepOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    10 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// RunLocal runs a step that answers nothing but success or failure as a local
// activity, with ctx's local activity options. Taking the activity as a typed
// function (a method value of a capability struct, through a nil pointer) makes
// the compiler check its input; its name is its method name.
func RunLocal[I any](ctx workflow.Context, activity func(context.Context, I) error, in I) error {
	return workflow.ExecuteLocalActivity(ctx, activity, in).Get(ctx, nil)
}

// CallLocal is RunLocal for a step with an answer, whose type the compiler
// checks too.
func CallLocal[I, O any](ctx workflow.Context, activity func(context.Context, I) (O, error), in I) (O, error) {
	var out O
	err := workflow.ExecuteLocalActivity(ctx, activity, in).Get(ctx, &out)
	return out, err
}

// RefusalOf extracts the business refusal a step (or an update, or a child
// workflow) failed with: a non-retryable application error carrying a
// commerce.Rejection.
func RefusalOf(err error) (commerce.Rejection, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var r commerce.Rejection
		if appErr.Details(&r) == nil && r.Code != "" {
			return r, true
		}
	}
	return commerce.Rejection{}, false
}

// FieldRefusalType is the error type of an update refused for bad input; its
// details are the commerce.FieldError naming the field.
const FieldRefusalType = "invalid_field"

// RefuseField is bad input, naming the field, for the caller of an update.
func RefuseField(field, msg string) error {
	return temporal.NewApplicationError(field+" "+msg, FieldRefusalType, commerce.FieldError{Field: field, Message: msg})
}

// AsUpdateError passes a commerce refusal or field error to the caller of an
// update with its code; any other error goes on as it is.
func AsUpdateError(err error) error {
	if err == nil {
		return nil
	}
	if r, ok := commerce.AsRejection(err); ok {
		return Refuse(*r)
	}
	var fe *commerce.FieldError
	if errors.As(err, &fe) {
		return RefuseField(fe.Field, fe.Message)
	}
	return err
}

// Refuse is a business refusal as an error that crosses to the caller of an
// update with its code and details.
func Refuse(r commerce.Rejection) error {
	return temporal.NewApplicationError(r.Message, string(r.Code), r)
}
