package checkout_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// The people who may or may not decide on the buyer's (customerID's) order.
var (
	approverID        = uuid.MustParse("5a2c9e5d-8b6f-4baa-9f5d-0c6e7a2b4f06")
	adminID           = uuid.MustParse("6b3d0f6e-9c7a-4cbb-8a6e-1d7f8b3c5a07")
	colleagueID       = uuid.MustParse("7c4e1a7f-0d8b-4dcc-9b7f-2e8a9c4d6b08")
	otherCompanyID    = uuid.MustParse("8d5f2b8a-1e9c-4edd-8c8a-3f9b0d5e7c09")
	otherCompanyAdmin = uuid.MustParse("9e6a3c9b-2f0d-4fee-9d9b-4a0c1e6f8d10")
)

// approvalTimeout is the company's approval timeout in these tests, as
// ReserveSpend reports it: the workflow waits this long for a decision.
const approvalTimeout = 72 * time.Hour

// bigOrderRule holds orders above EUR 20.00; the test cart's 27.08 matches.
// approverMax, if set, caps what an approver (not a company admin) may approve.
func bigOrderRule(approverMax *int64) commerce.ApprovalRule {
	return commerce.ApprovalRule{ID: "big-orders", Kind: commerce.RuleTotalAbove, Threshold: 2000, ApproverMax: approverMax}
}

// bigOrderDecision is what the rules of bigOrderRule decide about the test cart.
func bigOrderDecision(role commerce.Role) commerce.ApprovalDecision {
	return commerce.ApprovalDecision{
		Required:     true,
		Reasons:      []string{"the order total EUR 27.08 is above EUR 20.00"},
		BuyerReasons: []string{"the order total EUR 27.08 is above EUR 20.00"},
		MatchedRules: []string{"big-orders"},
		RequiredRole: role,
	}
}

// withRules makes ReserveSpend answer with the company's approval rules and
// approvalTimeout.
func withRules(steps *fakeSteps, rules ...commerce.ApprovalRule) {
	steps.spend = func(context.Context, spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
		return spend.ReserveSpendResult{Rules: rules, ApprovalTimeout: approvalTimeout}, nil
	}
}

func int64Ptr(v int64) *int64 { return &v }

// newApprovalCheckout is a checkout of the test cart whose company holds orders
// above EUR 20.00 for approval (by an approver, or a company admin when
// approverMax is set and below the total).
func newApprovalCheckout(t *testing.T, approverMax *int64) (*checkoutRun, *fakeSteps, commerce.PricedCart) {
	t.Helper()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	withRules(steps, bigOrderRule(approverMax))
	return newCheckoutRun(t, steps), steps, cart
}

func openApprovalCall(cart commerce.PricedCart, d commerce.ApprovalDecision, deadline time.Time) stepCall {
	return stepCall{"OpenApproval", approval.OpenApprovalInput{
		CartID: cartID, Attempt: testAttempt, CompanyID: companyID, CustomerID: customerID,
		Decision: d, Total: cart.Totals.Total, Deadline: deadline}}
}

func closeApprovalCall(status commerce.ApprovalStatus, decidedBy uuid.UUID, comment string) stepCall {
	return stepCall{"CloseApproval", approval.CloseApprovalInput{
		CartID: cartID, Attempt: testAttempt, CompanyID: companyID, CustomerID: customerID,
		Status: status, DecidedBy: decidedBy, Comment: comment}}
}

func placeApprovedCall(cart commerce.PricedCart, placedAt time.Time, approvedBy uuid.UUID) stepCall {
	c := placeCall(cart, placedAt)
	in := c.Input.(orders.PlaceOrderInput)
	in.ApprovedBy = approvedBy
	c.Input = in
	return c
}

// wfTime is workflow time t as a step receives it: UTC, without the monotonic
// clock reading that a JSON round trip drops.
func wfTime(t time.Time) time.Time { return t.UTC().Round(0) }

// decision is an ApprovalDecisionInput from someone of the buyer's company.
func decision(approve bool, by uuid.UUID, role commerce.Role, comment string) checkout.ApprovalDecisionInput {
	return checkout.ApprovalDecisionInput{
		Approve: approve, DeciderID: by, DeciderRole: role, DeciderCompanyID: companyID, Comment: comment,
	}
}

// updateOutcome is what the caller of one update saw.
type updateOutcome struct {
	mu          sync.Mutex
	accepted    bool
	rejected    error // the validator's refusal
	completed   bool
	state       checkout.ApprovalState
	completeErr error
	done        chan struct{} // closed on rejection or completion
}

func (o *updateOutcome) snapshot() (accepted bool, rejected error, completed bool, state checkout.ApprovalState, completeErr error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.accepted, o.rejected, o.completed, o.state, o.completeErr
}

func newOutcome() *updateOutcome { return &updateOutcome{done: make(chan struct{})} }

// sendUpdate sends an update now, recording what its caller sees in o; call it
// on the environment's event loop (from a delayed callback). id must be unique
// per run: the environment answers a repeated ID with the first outcome.
func (r *checkoutRun) sendUpdate(t *testing.T, o *updateOutcome, id, name string, arg any) {
	r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.accepted = true
		},
		OnReject: func(err error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.rejected = err
			close(o.done)
		},
		OnComplete: func(success any, err error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.completed, o.completeErr = true, err
			if err == nil {
				state, ok := success.(checkout.ApprovalState)
				if !ok {
					t.Errorf("update %s answered %T, not an ApprovalState", id, success)
				}
				o.state = state
			}
			close(o.done)
		},
	}, arg)
}

// updateAfter sends an update once d of workflow time has passed. The time is
// skipped: the checkout sleeps in its approval wait meanwhile.
func (r *checkoutRun) updateAfter(t *testing.T, d time.Duration, id, name string, arg any) *updateOutcome {
	o := newOutcome()
	r.env.RegisterDelayedCallback(func() { r.sendUpdate(t, o, id, name, arg) }, d)
	return o
}

// queryAfter asks for the checkout's status once d of workflow time has passed.
func (r *checkoutRun) queryAfter(t *testing.T, d time.Duration) func() checkout.Result {
	var (
		mu  sync.Mutex
		res *checkout.Result
	)
	r.env.RegisterDelayedCallback(func() {
		v := r.query(t)
		mu.Lock()
		defer mu.Unlock()
		res = &v
	}, d)
	return func() checkout.Result {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		require.NotNil(t, res, "the query after %s ran", d)
		return *res
	}
}

// requireCompleted checks that an update was accepted and applied, and returns
// the approval state it answered.
func requireCompleted(t *testing.T, o *updateOutcome) checkout.ApprovalState {
	t.Helper()
	accepted, rejected, completed, state, err := o.snapshot()
	require.NoError(t, rejected, "the validator let the update through")
	require.True(t, accepted, "the update was accepted")
	require.True(t, completed, "the update completed")
	require.NoError(t, err)
	return state
}

// requireFieldRefused checks that the validator refused an update for bad
// input, naming the field, as the API reads it.
func requireFieldRefused(t *testing.T, o *updateOutcome, field string) {
	t.Helper()
	accepted, rejected, completed, _, _ := o.snapshot()
	require.Error(t, rejected, "the validator refused the update")
	require.False(t, accepted, "a refused update is not accepted")
	require.False(t, completed, "a refused update does not run")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, workflowtest.FromWorker(rejected), &appErr)
	require.Equal(t, workflows.FieldRefusalType, appErr.Type())
	var fe commerce.FieldError
	require.NoError(t, appErr.Details(&fe))
	require.Equal(t, field, fe.Field)
}

// requireRefused checks that the validator refused an update (so nothing of it
// reached history) with a business refusal the API can read: an application
// error whose type is the rejection code and whose details are the Rejection,
// after the failure converter a worker sends it through.
func requireRefused(t *testing.T, o *updateOutcome, code commerce.RejectionCode) {
	t.Helper()
	accepted, rejected, completed, _, _ := o.snapshot()
	require.Error(t, rejected, "the validator refused the update")
	require.False(t, accepted, "a refused update is not accepted")
	require.False(t, completed, "a refused update does not run")

	err := workflowtest.FromWorker(rejected)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr, "the refusal reaches the caller as an application error")
	require.Equal(t, string(code), appErr.Type(), "the refusal's error type is its code (refusal: %v)", rejected)
	var r commerce.Rejection
	require.NoError(t, appErr.Details(&r), "the refusal carries its Rejection for the API")
	require.Equal(t, code, r.Code)
	require.NotEmpty(t, r.Message)
}

// withoutTimes zeroes the times steps were given (ReserveSpend's At, the
// approval deadline, PlacedAt), for tests that block a step on the wall clock,
// during which the test environment's clock moves on a few milliseconds.
func withoutTimes(calls []stepCall) []stepCall {
	out := append([]stepCall(nil), calls...)
	for i, c := range out {
		switch in := c.Input.(type) {
		case spend.ReserveSpendInput:
			in.At = time.Time{}
			out[i].Input = in
		case approval.OpenApprovalInput:
			in.Deadline = time.Time{}
			out[i].Input = in
		case orders.PlaceOrderInput:
			in.PlacedAt = time.Time{}
			out[i].Input = in
		}
	}
	return out
}

// blockStep returns a step body that signals it started, then waits for
// release (or for its context to end), and answers with answer.
func blockStep[R any](answer R) (step func(context.Context) (R, error), started, release chan struct{}) {
	started, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	step = func(ctx context.Context) (R, error) {
		once.Do(func() { close(started) })
		select {
		case <-release:
			return answer, nil
		case <-ctx.Done():
			var zero R
			return zero, ctx.Err()
		}
	}
	return step, started, release
}

// closeWhenDone closes ch once every outcome is refused or completed.
func closeWhenDone(ch chan struct{}, outcomes ...*updateOutcome) {
	go func() {
		for _, o := range outcomes {
			<-o.done
		}
		close(ch)
	}()
}

func TestCheckoutWithoutMatchingRuleNeedsNoApproval(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	withRules(steps,
		commerce.ApprovalRule{ID: "huge-orders", Kind: commerce.RuleTotalAbove, Threshold: 5000},
		commerce.ApprovalRule{ID: "chemicals", Kind: commerce.RuleRestrictedSKU, SKUs: []string{"ACID"}},
		commerce.ApprovalRule{ID: "over-limit", Kind: commerce.RuleOverSpendingLimit},
	)
	run := newCheckoutRun(t, steps)

	res := run.execute(t)

	totals := cart.Totals
	require.Equal(t, checkout.Result{
		Status: commerce.CheckoutPlaced, OrderID: checkout.OrderIDForCart(cartID), Totals: &totals,
	}, res)
	start := wfTime(run.start)
	require.Equal(t, []stepCall{
		beginCall(), reserveSpendCall(cart, start), reserveCall(cart), authorizeCall(cart), placeCall(cart, start),
	}, steps.recorded(), "no approval is opened")
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutPlaced), "CheckoutTotal": int64(2708)},
	}, run.searchAttributeUpserts())
	require.Equal(t, res, run.query(t))
}

func TestCheckoutApprovedByApprover(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	waiting := run.queryAfter(t, 30*time.Minute)
	const comment = "within the project budget"
	approve := run.updateAfter(t, time.Hour, "approve", checkout.DecideApprovalUpdate,
		decision(true, approverID, commerce.RoleApprover, comment))

	res := run.execute(t)

	d := bigOrderDecision(commerce.RoleApprover)
	deadline := wfTime(run.start.Add(approvalTimeout))
	pending := checkout.ApprovalState{
		Status: commerce.ApprovalPending, RequiredRole: commerce.RoleApprover, Reasons: d.Reasons, Deadline: deadline,
	}
	require.Equal(t, checkout.Result{Status: commerce.CheckoutAwaitingApproval, Approval: &pending}, waiting(),
		"while waiting, the status query says so and who may decide until when")

	approved := pending
	approved.Status, approved.DecidedBy, approved.Comment = commerce.ApprovalApproved, approverID, comment
	state := requireCompleted(t, approve)
	state.Deadline = wfTime(state.Deadline)
	require.Equal(t, approved, state, "the approver gets the approval as it now stands")

	totals := cart.Totals
	require.Equal(t, commerce.CheckoutPlaced, res.Status)
	require.Equal(t, checkout.OrderIDForCart(cartID), res.OrderID)
	require.Equal(t, &totals, res.Totals)

	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, wfTime(run.start)),
		openApprovalCall(cart, d, deadline),
		closeApprovalCall(commerce.ApprovalApproved, approverID, comment),
		reserveCall(cart),
		authorizeCall(cart),
		placeApprovedCall(cart, wfTime(run.start.Add(time.Hour)), approverID),
	}, steps.recorded(), "stock and payment are held only once the order is approved")
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutAwaitingApproval)},
		{"CheckoutStatus": string(commerce.CheckoutPending)},
		{"CheckoutStatus": string(commerce.CheckoutPlaced), "CheckoutTotal": int64(2708)},
	}, run.searchAttributeUpserts())

	final := run.query(t)
	require.Equal(t, commerce.CheckoutPlaced, final.Status)
	require.NotNil(t, final.Approval)
	final.Approval.Deadline = wfTime(final.Approval.Deadline)
	require.Equal(t, approved, *final.Approval, "the status query still tells who approved")
}

func TestCheckoutRejectedByApprover(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	const comment = "over this quarter's budget, order in April"
	reject := run.updateAfter(t, time.Hour, "reject", checkout.DecideApprovalUpdate,
		decision(false, approverID, commerce.RoleApprover, comment))

	res := run.execute(t)

	state := requireCompleted(t, reject)
	require.Equal(t, commerce.ApprovalRejected, state.Status)
	require.Equal(t, approverID, state.DecidedBy)
	require.Equal(t, comment, state.Comment)

	want := commerce.Rejection{Code: commerce.CodeApprovalRejected, Message: "an approver rejected the order: " + comment}
	requireFailedWithApproval(t, res, want)
	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, wfTime(run.start)),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), wfTime(run.start.Add(approvalTimeout))),
		closeApprovalCall(commerce.ApprovalRejected, approverID, comment),
		releaseSpendCall(),
		failCall(want),
	}, steps.recorded(), "a rejected order never touches stock or payment")
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutAwaitingApproval)},
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
}

// TestCheckoutDecisionValidatorRefuses sends, while the checkout waits for a
// company admin (the total is above the rule's approver maximum), an update
// its validator must refuse. The refusal leaves no trace: the checkout still
// waits, and an admin's approval afterwards goes through.
func TestCheckoutDecisionValidatorRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		update string
		arg    any
		field  string // the field a refusal of bad input names; "": not_allowed
	}{
		{
			name:   "an admin of another company",
			update: checkout.DecideApprovalUpdate,
			arg: checkout.ApprovalDecisionInput{Approve: true, DeciderID: otherCompanyAdmin,
				DeciderRole: commerce.RoleCompanyAdmin, DeciderCompanyID: otherCompanyID},
		},
		{
			name:   "the buyer themself, although a company admin",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(true, customerID, commerce.RoleCompanyAdmin, "trust me"),
		},
		{
			name:   "an approver, when the total is above the rule's approver maximum",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(true, approverID, commerce.RoleApprover, ""),
		},
		{
			name:   "an approver rejecting, when only a company admin may decide",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(false, approverID, commerce.RoleApprover, "no"),
		},
		{
			name:   "a colleague who is a buyer",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(true, colleagueID, commerce.RoleBuyer, ""),
		},
		{
			name:   "the seller's ops",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(true, colleagueID, commerce.RoleOps, ""),
		},
		{
			name:   "a withdrawal by someone other than the buyer",
			update: checkout.WithdrawUpdate,
			arg:    checkout.WithdrawInput{ByID: adminID},
		},
		{
			// Postgres could never store it: accepted, RecordDecision would
			// retry for ever and the checkout would wait with nobody able to
			// decide again.
			name:   "a comment with a NUL byte",
			update: checkout.DecideApprovalUpdate,
			arg:    decision(true, adminID, commerce.RoleCompanyAdmin, "A\x00B"),
			field:  "comment",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run, steps, cart := newApprovalCheckout(t, int64Ptr(2000))
			refused := run.updateAfter(t, time.Hour, "refused", tt.update, tt.arg)
			afterRefusal := run.queryAfter(t, 2*time.Hour)
			approve := run.updateAfter(t, 3*time.Hour, "approve", checkout.DecideApprovalUpdate,
				decision(true, adminID, commerce.RoleCompanyAdmin, ""))

			res := run.execute(t)

			if tt.field != "" {
				requireFieldRefused(t, refused, tt.field)
			} else {
				requireRefused(t, refused, commerce.CodeNotAllowed)
			}
			d := bigOrderDecision(commerce.RoleCompanyAdmin)
			deadline := wfTime(run.start.Add(approvalTimeout))
			require.Equal(t, checkout.Result{
				Status: commerce.CheckoutAwaitingApproval,
				Approval: &checkout.ApprovalState{Status: commerce.ApprovalPending,
					RequiredRole: commerce.RoleCompanyAdmin, Reasons: d.Reasons, Deadline: deadline},
			}, afterRefusal(), "the refused update changed nothing")

			requireCompleted(t, approve)
			require.Equal(t, commerce.CheckoutPlaced, res.Status)
			require.Equal(t, []stepCall{
				beginCall(),
				reserveSpendCall(cart, wfTime(run.start)),
				openApprovalCall(cart, d, deadline),
				closeApprovalCall(commerce.ApprovalApproved, adminID, ""),
				reserveCall(cart),
				authorizeCall(cart),
				placeApprovedCall(cart, wfTime(run.start.Add(3*time.Hour)), adminID),
			}, steps.recorded())
		})
	}
}

// A decision that comes once the first was applied (a second approver, a
// doubled request) is refused as approval_closed, and so is the buyer's
// withdrawal: the checkout goes on with the first decision.
func TestCheckoutSecondDecisionIsRefused(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	// CloseApproval blocks, so the later updates arrive while the checkout is
	// past its decision but still running.
	closing, closingStarted, release := blockStep(struct{}{})
	steps.closeApproval = func(ctx context.Context, _ approval.CloseApprovalInput) error {
		_, err := closing(ctx)
		return err
	}
	first := run.updateAfter(t, time.Hour, "approve", checkout.DecideApprovalUpdate,
		decision(true, approverID, commerce.RoleApprover, ""))
	second, withdrawal := newOutcome(), newOutcome()
	run.env.RegisterDelayedCallback(func() {
		run.whenClosed(closingStarted, func() {
			run.sendUpdate(t, second, "reject", checkout.DecideApprovalUpdate,
				decision(false, adminID, commerce.RoleCompanyAdmin, "changed my mind"))
			run.sendUpdate(t, withdrawal, "withdraw", checkout.WithdrawUpdate,
				checkout.WithdrawInput{ByID: customerID})
			closeWhenDone(release, second, withdrawal)
		})
	}, time.Hour)

	res := run.execute(t)

	requireCompleted(t, first)
	require.Equal(t, commerce.CheckoutPlaced, res.Status, "the first decision stands")
	require.Equal(t, withoutTimes([]stepCall{
		beginCall(),
		reserveSpendCall(cart, time.Time{}),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), time.Time{}),
		closeApprovalCall(commerce.ApprovalApproved, approverID, ""),
		reserveCall(cart),
		authorizeCall(cart),
		placeApprovedCall(cart, time.Time{}, approverID),
	}), withoutTimes(steps.recorded()))
	t.Run("second decision", func(t *testing.T) { requireRefused(t, second, commerce.CodeApprovalClosed) })
	t.Run("withdrawal", func(t *testing.T) { requireRefused(t, withdrawal, commerce.CodeApprovalClosed) })
}

// A decision while ReserveSpend runs, before any approval is open, is refused.
func TestCheckoutDecisionBeforeApprovalOpensIsRefused(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	reserving, reservingStarted, release := blockStep(spend.ReserveSpendResult{
		Rules: []commerce.ApprovalRule{bigOrderRule(nil)}, ApprovalTimeout: approvalTimeout,
	})
	steps.spend = func(ctx context.Context, _ spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
		return reserving(ctx)
	}
	run := newCheckoutRun(t, steps)
	early := newOutcome()
	run.whenClosed(reservingStarted, func() {
		run.sendUpdate(t, early, "early", checkout.DecideApprovalUpdate,
			decision(true, approverID, commerce.RoleApprover, ""))
		closeWhenDone(release, early)
	})
	approve := run.updateAfter(t, time.Hour, "approve", checkout.DecideApprovalUpdate,
		decision(true, approverID, commerce.RoleApprover, ""))

	res := run.execute(t)

	requireCompleted(t, approve)
	require.Equal(t, commerce.CheckoutPlaced, res.Status)
	require.Equal(t, withoutTimes([]stepCall{
		beginCall(),
		reserveSpendCall(cart, time.Time{}),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), time.Time{}),
		closeApprovalCall(commerce.ApprovalApproved, approverID, ""),
		reserveCall(cart),
		authorizeCall(cart),
		placeApprovedCall(cart, time.Time{}, approverID),
	}), withoutTimes(steps.recorded()), "the early decision was not applied: the approval was opened and waited for")
	requireRefused(t, early, commerce.CodeApprovalClosed)
}

// A checkout that needs no approval refuses decisions and withdrawals.
func TestCheckoutWithoutApprovalRefusesDecisions(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	reserving, reservingStarted, release := blockStep(struct{}{})
	steps.reserve = func(ctx context.Context, _ inventory.ReserveInventoryInput) error {
		_, err := reserving(ctx)
		return err
	}
	run := newCheckoutRun(t, steps)
	decide, withdrawal := newOutcome(), newOutcome()
	run.whenClosed(reservingStarted, func() {
		run.sendUpdate(t, decide, "decide", checkout.DecideApprovalUpdate,
			decision(false, approverID, commerce.RoleApprover, "no"))
		run.sendUpdate(t, withdrawal, "withdraw", checkout.WithdrawUpdate,
			checkout.WithdrawInput{ByID: customerID})
		closeWhenDone(release, decide, withdrawal)
	})

	res := run.execute(t)

	require.Equal(t, commerce.CheckoutPlaced, res.Status)
	require.Equal(t, withoutTimes([]stepCall{
		beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart), authorizeCall(cart), placeCall(cart, time.Time{}),
	}), withoutTimes(steps.recorded()))
	requireRefused(t, decide, commerce.CodeApprovalClosed)
	requireRefused(t, withdrawal, commerce.CodeApprovalClosed)
}

func TestCheckoutWithdrawnByBuyer(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	withdraw := run.updateAfter(t, time.Hour, "withdraw", checkout.WithdrawUpdate,
		checkout.WithdrawInput{ByID: customerID})

	res := run.execute(t)

	state := requireCompleted(t, withdraw)
	require.Equal(t, commerce.ApprovalWithdrawn, state.Status)
	require.Equal(t, customerID, state.DecidedBy)

	want := commerce.Rejection{Code: commerce.CodeApprovalWithdrawn, Message: "the buyer withdrew the order"}
	requireFailedWithApproval(t, res, want)
	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, wfTime(run.start)),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), wfTime(run.start.Add(approvalTimeout))),
		closeApprovalCall(commerce.ApprovalWithdrawn, customerID, ""),
		releaseSpendCall(),
		failCall(want),
	}, steps.recorded())
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutAwaitingApproval)},
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
}

func TestCheckoutApprovalExpires(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	almost := run.queryAfter(t, approvalTimeout-time.Minute)

	res := run.execute(t)

	require.Equal(t, commerce.CheckoutAwaitingApproval, almost().Status, "a minute before the deadline it still waits")
	require.False(t, run.env.Now().Before(run.start.Add(approvalTimeout)), "the checkout waited out the deadline")
	want := commerce.Rejection{Code: commerce.CodeApprovalExpired, Message: "no approver decided within 72h0m0s"}
	requireFailedWithApproval(t, res, want)
	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, wfTime(run.start)),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), wfTime(run.start.Add(approvalTimeout))),
		closeApprovalCall(commerce.ApprovalExpired, uuid.Nil, ""),
		releaseSpendCall(),
		failCall(want),
	}, steps.recorded())
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutAwaitingApproval)},
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
	final := run.query(t)
	require.NotNil(t, final.Approval)
	require.Equal(t, commerce.ApprovalExpired, final.Approval.Status)
}

// Cancelling a checkout that waits for approval closes the approval request (so
// no approver acts on it), releases the spend and reopens the cart.
func TestCheckoutCancelledWhileAwaitingApproval(t *testing.T) {
	t.Parallel()
	run, steps, cart := newApprovalCheckout(t, nil)
	run.env.RegisterDelayedCallback(run.env.CancelWorkflow, time.Hour)

	res := run.execute(t)

	want := commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	requireFailedWithApproval(t, res, want)
	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, wfTime(run.start)),
		openApprovalCall(cart, bigOrderDecision(commerce.RoleApprover), wfTime(run.start.Add(approvalTimeout))),
		closeApprovalCall(commerce.ApprovalWithdrawn, uuid.Nil, want.Message),
		releaseSpendCall(),
		failCall(want),
	}, steps.recorded())
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutAwaitingApproval)},
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
}

// A checkout run restarted by ops resumes the attempt an earlier run started;
// that run may have got past ReserveSpend. When BeginCheckout then refuses the
// cart, compensation must give back everything the attempt may hold: the spend
// as well as stock and payment, or the reservation counts against the spending
// limits for good. (This was the "BeginCheckout refuses a resumed attempt" case
// of TestCheckoutFailures, which predates spend.)
func TestCheckoutResumedRefusalReleasesSpend(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	outOfStock := commerce.RejectSKU(commerce.CodeInsufficientStock, "BANANA", "only 9 of BANANA available, 10 requested")
	steps := newFakeSteps(cart)
	steps.begin = func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
		return carts.BeginCheckoutResult{Attempt: testAttempt, Cart: cart, Refusal: outOfStock, Resumed: true}, nil
	}
	run := newCheckoutRun(t, steps)

	res := run.execute(t)

	require.Equal(t, checkout.Result{Status: commerce.CheckoutFailed, Rejection: outOfStock}, res)
	require.Equal(t, []stepCall{
		beginCall(), voidCall(), releaseCall(), releaseSpendCall(), failCall(*outOfStock),
	}, steps.recorded(), "a resumed attempt may hold spend; a refusal must release it")
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
	require.Equal(t, res, run.query(t))
}

// requireFailedWithApproval checks a failed checkout's result: the rejection, and
// the approval it ended with (reported in the result as in the status query).
func requireFailedWithApproval(t *testing.T, res checkout.Result, want commerce.Rejection) {
	t.Helper()
	require.NotNil(t, res.Approval, "the result reports how the approval ended")
	require.NotEqual(t, commerce.ApprovalPending, res.Approval.Status)
	res.Approval = nil
	require.Equal(t, checkout.Result{Status: commerce.CheckoutFailed, Rejection: &want}, res)
}
