// Package activities performs every side effect of Orderflow's workflows, one
// subpackage per capability: carts (freeze, reprice, reopen), inventory
// (reservations), payment (the provider and its authorizations), spend
// (spending limits), approval (approval requests), orders (the order
// projection), timeline (who did what, when) and notify (the notification
// outbox).
//
// Each capability is a struct holding its dependencies; workflows reference its
// methods through a nil pointer of that struct, so the compiler checks every
// name and input type. Activity names are the method names, and one worker
// registers every capability, so method names are unique across capabilities
// (ReserveInventory, ReserveSpend, not two Reserve methods).
//
// Each activity is idempotent, keyed by the business IDs the workflow passes
// (cart, checkout attempt, payment key), never by a value made up per attempt, so
// a retry or a replay after a worker crash changes nothing twice.
package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Refuse turns a business refusal into a non-retryable application error whose
// type is the rejection code and whose details carry the Rejection itself, so
// the workflow can tell the buyer why without parsing strings.
func Refuse(r *commerce.Rejection) error {
	return temporal.NewNonRetryableApplicationError(r.Message, string(r.Code), r, *r)
}

// Classify is the one place an activity's error is judged retryable or not.
// Business refusals become non-retryable errors (retrying cannot change the
// answer); so does input Postgres refuses as data it can never store
// (db.IsInputError: a NUL byte, invalid UTF-8, a value too long or out of
// range, a CHECK or NOT NULL broken), as a refusal with code
// commerce.CodeInvalidInput, so the process ends the step cleanly (a checkout
// compensates and reopens the cart, a quote action is refused) instead of
// retrying it for ever. Every other error stays retryable: a database outage
// passes. ClassifyErrors applies it to every activity a worker runs.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err // judged already, by the activity itself
	}
	if r, ok := commerce.AsRejection(err); ok {
		return Refuse(r)
	}
	if db.IsInputError(err) {
		return Refuse(commerce.Reject(commerce.CodeInvalidInput,
			"the input could not be stored: "+db.InputErrorMessage(err)))
	}
	return err
}

// ClassifyErrors is the worker interceptor that passes every activity's error
// (local or not) through Classify, so no activity can retry for ever on input
// the database refuses, whether or not it classifies its own errors. Every
// worker is built with it (Interceptors, in app), and so is the activities'
// test environment (activitytest).
type ClassifyErrors struct {
	interceptor.WorkerInterceptorBase
}

// Interceptors are the worker interceptors every worker of these activities
// runs: ClassifyErrors.
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{&ClassifyErrors{}}
}

// InterceptActivity wraps each activity.
func (*ClassifyErrors) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &classifyActivity{}
	i.Next = next
	return i
}

type classifyActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *classifyActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	out, err := a.Next.ExecuteActivity(ctx, in)
	return out, Classify(err)
}
