// Package workflows holds Orderflow's durable processes, one subpackage per
// process (checkout, quote, order, erpsync, housekeeping). Each subpackage has
// its contract in contract.go (task queue, workflow ID builder, the search
// attributes it owns, names, input and result types, and the helper that starts
// it), its state machine in workflow.go, and its recorded histories in
// testdata/. Workflow code is deterministic: no I/O, no wall clock, no
// database; `make lint` checks it with workflowcheck.
//
// This package declares what every process shares: the search attributes that
// say whose business a workflow is, the local step options and typed step
// calls (steps.go), the one timer per deadline of the order's and the quote's
// loops (Deadline) and the processes' Temporal Schedules (schedules.go).
package workflows

import (
	"go.temporal.io/sdk/temporal"
)

// Search attributes every process sets, so ops can filter all of a company's or
// a customer's workflows at once, e.g. CompanyId="…" AND CheckoutStatus="failed".
var (
	// CompanyIDKey is the buying company's ID.
	CompanyIDKey = temporal.NewSearchAttributeKeyKeyword("CompanyId")
	// CustomerIDKey is the buyer's ID.
	CustomerIDKey = temporal.NewSearchAttributeKeyKeyword("CustomerId")
)

// SharedSearchAttributes are the keys above, for registering them on a
// namespace.
var SharedSearchAttributes = []temporal.SearchAttributeKey{CompanyIDKey, CustomerIDKey}
