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
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
)

// Refuse turns a business refusal into a non-retryable application error whose
// type is the rejection code and whose details carry the Rejection itself, so
// the workflow can tell the buyer why without parsing strings.
func Refuse(r *commerce.Rejection) error {
	return temporal.NewNonRetryableApplicationError(r.Message, string(r.Code), r, *r)
}

// Classify passes business refusals on as non-retryable errors (retrying cannot
// change the answer) and leaves every other error retryable (a database outage
// passes).
func Classify(err error) error {
	if r, ok := commerce.AsRejection(err); ok {
		return Refuse(r)
	}
	return err
}
