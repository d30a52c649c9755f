package quote_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/quote"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

var (
	quoteID    = uuid.MustParse("3f0c8a2e-5b1d-4c6e-9a7f-1e2d3c4b5a61")
	companyID  = uuid.MustParse("1c8e5a1f-4d2b-4d66-8b1f-6e2a3c8d0b02")
	buyerID    = uuid.MustParse("2d9f6b2a-5e3c-4e77-9c2a-7f3b4d9e1c03")
	repID      = uuid.MustParse("5a2c9e5d-8b6f-4baa-9f5d-0c6e7a2b4f06")
	otherRepID = uuid.MustParse("6b3d0f6e-9c7a-4cbb-8a6e-1d7f8b3c5a07")
	managerID  = uuid.MustParse("7c4e1a7f-0d8b-4dcc-9b7f-2e8a9c4d6b08")
	colleague  = uuid.MustParse("8d5f2b8a-1e9c-4edd-8c8a-3f9b0d5e7c09")
	orderID    = uuid.MustParse("9e6a3c9b-2f0d-4fee-9d9b-4a0c1e6f8d10")

	buyer    = quote.Actor{ID: buyerID, Role: commerce.RoleBuyer, CompanyID: companyID}
	rep      = quote.Actor{ID: repID, Role: commerce.RoleSalesRep}
	otherRep = quote.Actor{ID: otherRepID, Role: commerce.RoleSalesRep}
	manager  = quote.Actor{ID: managerID, Role: commerce.RoleSalesManager}

	input = quote.Input{QuoteID: quoteID, CompanyID: companyID, CustomerID: buyerID, Currency: "EUR",
		Lines: []commerce.CartLine{{SKU: "BOLT", Quantity: 100}}, Message: "best price for 100?"}
)

// draftInput is a one-line draft valid for a week.
func draftInput(by quote.Actor) quote.DraftInput {
	price := int64(90)
	return quote.DraftInput{Actor: by, Lines: []commerce.RevisionLineInput{{SKU: "BOLT", Quantity: 100, UnitPrice: &price}},
		ValidDays: 7}
}

// call is one activity call as the fake saw it, at workflow time.
type call struct {
	Activity string
	Input    any
}

// fakeQuotes stands in for quotes.Activities, recording every call. needsManager
// scripts the authority of drafts; openRefusal refuses the request.
type fakeQuotes struct {
	mu           sync.Mutex
	calls        []call
	needsManager bool
	openRefusal  *commerce.Rejection
	// draftFails is the error the next DraftRevision fails with, once.
	draftFails error
}

func (f *fakeQuotes) record(name string, in any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{name, in})
}

// names is the activities called, in order.
func (f *fakeQuotes) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.Activity
	}
	return out
}

func (f *fakeQuotes) find(name string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []any
	for _, c := range f.calls {
		if c.Activity == name {
			out = append(out, c.Input)
		}
	}
	return out
}

func (f *fakeQuotes) OpenQuote(_ context.Context, in quotes.OpenQuoteInput) (quotes.OpenQuoteResult, error) {
	f.record("OpenQuote", in)
	if f.openRefusal != nil {
		r := *f.openRefusal
		return quotes.OpenQuoteResult{}, workflowtest.FromWorker(temporal.NewNonRetryableApplicationError(r.Message, string(r.Code), nil, r))
	}
	return quotes.OpenQuoteResult{}, nil
}

func (f *fakeQuotes) AssignQuote(_ context.Context, in quotes.AssignQuoteInput) error {
	f.record("AssignQuote", in)
	return nil
}

func (f *fakeQuotes) DraftRevision(_ context.Context, in quotes.DraftRevisionInput) (quotes.DraftRevisionResult, error) {
	f.record("DraftRevision", in)
	f.mu.Lock()
	needs, fail := f.needsManager, f.draftFails
	f.draftFails = nil
	f.mu.Unlock()
	if fail != nil {
		return quotes.DraftRevisionResult{}, workflowtest.FromWorker(fail)
	}
	res := quotes.DraftRevisionResult{Revision: commerce.Revision{Currency: "EUR", Total: 9000, ValidDays: in.ValidDays}}
	if needs {
		res.Decision = commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"BOLT: 18.00 % off"}}
	}
	return res, nil
}

func (f *fakeQuotes) AwaitManager(_ context.Context, in quotes.AwaitManagerInput) error {
	f.record("AwaitManager", in)
	return nil
}

func (f *fakeQuotes) DecideDiscount(_ context.Context, in quotes.DecideDiscountInput) error {
	f.record("DecideDiscount", in)
	return nil
}

func (f *fakeQuotes) SendRevision(_ context.Context, in quotes.SendRevisionInput) error {
	f.record("SendRevision", in)
	return nil
}

func (f *fakeQuotes) ExtendValidity(_ context.Context, in quotes.ExtendValidityInput) error {
	f.record("ExtendValidity", in)
	return nil
}

func (f *fakeQuotes) RemindBuyer(_ context.Context, in quotes.RemindBuyerInput) error {
	f.record("RemindBuyer", in)
	return nil
}

func (f *fakeQuotes) MoveQuote(_ context.Context, in quotes.MoveQuoteInput) error {
	f.record("MoveQuote", in)
	return nil
}

func (f *fakeQuotes) AcceptQuote(_ context.Context, in quotes.AcceptQuoteInput) error {
	f.record("AcceptQuote", in)
	return nil
}

func (f *fakeQuotes) RecordOrder(_ context.Context, in quotes.RecordOrderInput) error {
	f.record("RecordOrder", in)
	return nil
}

// quoteRun is one quote in a test workflow environment, with a fake checkout
// as its child: each checkout answers the next of results.
type quoteRun struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	fake    *fakeQuotes
	start   time.Time
	results []checkout.Result
	updates int

	mu        sync.Mutex
	checkouts []checkout.Input
}

func newQuoteRun(t *testing.T, results ...checkout.Result) *quoteRun {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestWorkflowEnvironment()
	r := &quoteRun{t: t, env: env, fake: &fakeQuotes{}, start: env.Now(), results: results}
	env.RegisterWorkflowWithOptions(quote.Quote, workflow.RegisterOptions{Name: quote.WorkflowName})
	env.RegisterWorkflowWithOptions(r.fakeCheckout, workflow.RegisterOptions{Name: checkout.WorkflowName})
	env.RegisterActivity(r.fake)
	r.update(0, quote.OpenUpdate, quote.ActorInput{Actor: buyer})
	return r
}

// fakeCheckout answers the next scripted checkout result.
func (r *quoteRun) fakeCheckout(_ workflow.Context, in checkout.Input) (checkout.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkouts = append(r.checkouts, in)
	if len(r.results) == 0 {
		return checkout.Result{}, errors.New("no scripted checkout result")
	}
	res := r.results[0]
	r.results = r.results[1:]
	return res, nil
}

// outcome is what the caller of one update saw.
type outcome struct {
	mu       sync.Mutex
	rejected error
	done     bool
	state    quote.State
	err      error
}

// update sends an update after d of workflow time.
func (r *quoteRun) update(d time.Duration, name string, arg any) *outcome {
	o := &outcome{}
	r.updates++
	id := name + "-" + string(rune('a'+r.updates))
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) {
				o.mu.Lock()
				defer o.mu.Unlock()
				o.rejected, o.done = err, true
			},
			OnComplete: func(success any, err error) {
				o.mu.Lock()
				defer o.mu.Unlock()
				o.done, o.err = true, err
				if st, ok := success.(quote.State); ok {
					o.state = st
				}
			},
		}, arg)
	}, d)
	return o
}

// execute runs the quote until it ends (or the test cancels it).
func (r *quoteRun) execute() quote.State {
	r.t.Helper()
	r.env.ExecuteWorkflow(quote.WorkflowName, input)
	require.True(r.t, r.env.IsWorkflowCompleted())
	var st quote.State
	if r.env.GetWorkflowError() == nil {
		require.NoError(r.t, r.env.GetWorkflowResult(&st))
	}
	return st
}

func (o *outcome) requireState(t *testing.T) quote.State {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.True(t, o.done, "the update was answered")
	require.NoError(t, o.rejected, "the validator let it through")
	require.NoError(t, o.err)
	return o.state
}

// requireRefused checks the validator refused the update (nothing reached
// history) with a business refusal of code.
func (o *outcome) requireRefused(t *testing.T, code commerce.RejectionCode) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.True(t, o.done, "the update was answered")
	require.Error(t, o.rejected, "the validator refused it")
	r, ok := workflows.RefusalOf(o.rejected)
	require.True(t, ok, "a business refusal: %v", o.rejected)
	require.Equal(t, code, r.Code, r.Message)
}

const day = 24 * time.Hour

// An offer sent, reminded of 72 h and 24 h before it runs out, accepted, and
// ordered through the child checkout.
func TestQuoteOfferRemindersAcceptOrder(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	claim := r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	draft := r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	send := r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	accept := r.update(6*day+12*time.Hour, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})

	st := r.execute()

	require.Equal(t, repID, claim.requireState(t).AssigneeID)
	require.Equal(t, commerce.QuoteDrafting, draft.requireState(t).Status)
	sent := send.requireState(t)
	require.Equal(t, commerce.QuoteOffered, sent.Status)
	require.Equal(t, 1, sent.OfferedRevision)
	validUntil := r.start.Add(3*time.Minute + 7*day).UTC()
	require.WithinDuration(t, validUntil, *sent.ValidUntil, time.Second)
	require.Equal(t, commerce.QuoteAccepted, accept.requireState(t).Status)

	require.Equal(t, commerce.QuoteOrdered, st.Status)
	require.Equal(t, orderID, st.OrderID)
	require.Equal(t, []string{"OpenQuote", "AssignQuote", "DraftRevision", "SendRevision", "RemindBuyer", "RemindBuyer",
		"AcceptQuote", "RecordOrder"}, r.fake.names())
	require.Equal(t, []checkout.Input{{CartID: quote.OrderCartID(quoteID, 1), CompanyID: companyID, CustomerID: buyerID}}, r.checkouts)
	record := r.fake.find("RecordOrder")[0].(quotes.RecordOrderInput)
	require.Equal(t, orderID, record.OrderID)
	require.Nil(t, record.Refusal)
}

// The reminders fire at 72 h and 24 h before expiry, and the offer expires on
// time when nobody answers; the rep then sends revision 2, the buyer's accept
// of revision 1 is stale and refused, revision 2 is accepted.
func TestQuoteExpiresOnTimeThenRevision2(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	// Sent 3 min in, valid 7 days: reminders 72 h and 24 h before, then
	// expiry. Just before and just after each, count what happened.
	validUntil := 3*time.Minute + 7*day
	type seen struct{ reminders, moves int }
	checks := map[time.Duration]seen{
		validUntil - 72*time.Hour - time.Minute: {0, 0}, validUntil - 72*time.Hour + time.Minute: {1, 0},
		validUntil - 24*time.Hour - time.Minute: {1, 0}, validUntil - 24*time.Hour + time.Minute: {2, 0},
		validUntil - time.Minute: {2, 0}, validUntil + time.Minute: {2, 1},
	}
	got := map[time.Duration]seen{}
	for at := range checks {
		r.env.RegisterDelayedCallback(func() {
			got[at] = seen{len(r.fake.find("RemindBuyer")), len(r.fake.find("MoveQuote"))}
		}, at)
	}
	var expiredStatus commerce.QuoteStatus
	r.env.RegisterDelayedCallback(func() {
		st, err := r.env.QueryWorkflow(quote.StateQuery)
		require.NoError(t, err)
		var s quote.State
		require.NoError(t, st.Get(&s))
		expiredStatus = s.Status
	}, 8*day)
	again := r.update(8*day+time.Minute, quote.DraftUpdate, draftInput(rep))
	r.update(8*day+2*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	stale := r.update(8*day+3*time.Minute, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})
	accept := r.update(8*day+4*time.Minute, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 2})

	st := r.execute()

	require.Equal(t, checks, got, "reminders and expiry at their times")
	require.Equal(t, commerce.QuoteExpired, expiredStatus)
	moves := r.fake.find("MoveQuote")
	require.Len(t, moves, 1)
	require.Equal(t, commerce.QuoteExpired, moves[0].(quotes.MoveQuoteInput).Status)
	require.Equal(t, commerce.QuoteDrafting, again.requireState(t).Status)
	stale.requireRefused(t, commerce.CodeStaleRevision)
	require.Equal(t, 2, accept.requireState(t).OfferedRevision)
	require.Equal(t, commerce.QuoteOrdered, st.Status)
	require.Equal(t, quote.OrderCartID(quoteID, 2), r.checkouts[0].CartID)
	sends := r.fake.find("SendRevision")
	require.Equal(t, 2, sends[1].(quotes.SendRevisionInput).Revision)
}

// A draft over the rep's authority waits for a sales manager; a rejection sends
// it back, an approval sends it out.
func TestQuoteManagerApproval(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	r.fake.needsManager = true
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	waiting := r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	byRep := r.update(4*time.Minute, quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: rep, Approve: true})
	noComment := r.update(5*time.Minute, quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager})
	rejected := r.update(6*time.Minute, quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager, Comment: "too deep"})
	r.update(7*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	approved := r.update(8*time.Minute, quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager, Approve: true, Comment: "ok"})
	r.update(9*time.Minute, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})

	st := r.execute()

	require.Equal(t, commerce.QuoteAwaitingManager, waiting.requireState(t).Status)
	byRep.requireRefused(t, commerce.CodeNotAllowed)
	noComment.mu.Lock()
	require.Error(t, noComment.rejected, "a rejection needs a comment")
	noComment.mu.Unlock()
	require.Equal(t, commerce.QuoteDrafting, rejected.requireState(t).Status)
	require.Equal(t, commerce.QuoteOffered, approved.requireState(t).Status)
	require.Equal(t, commerce.QuoteOrdered, st.Status)
	require.Equal(t, []string{"OpenQuote", "AssignQuote", "DraftRevision", "AwaitManager", "DecideDiscount", "AwaitManager",
		"DecideDiscount", "SendRevision", "AcceptQuote", "RecordOrder"}, r.fake.names())
}

// The buyer asks for changes, the rep revises, the buyer accepts revision 2.
func TestQuoteRenegotiation(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	for round := range 3 {
		at := time.Duration(round+1) * time.Hour
		r.update(at, quote.DraftUpdate, draftInput(rep))
		r.update(at+time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
		if round < 2 {
			r.update(at+2*time.Minute, quote.RequestChangesUpdate, quote.ReasonInput{Actor: buyer, Reason: "a little lower?"})
		}
	}
	accept := r.update(4*time.Hour, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 3})

	st := r.execute()

	require.Equal(t, 3, accept.requireState(t).OfferedRevision)
	require.Equal(t, commerce.QuoteOrdered, st.Status)
	moves := r.fake.find("MoveQuote")
	require.Len(t, moves, 2)
	for _, m := range moves {
		require.Equal(t, commerce.QuoteChangesRequested, m.(quotes.MoveQuoteInput).Status)
		require.Equal(t, "a little lower?", m.(quotes.MoveQuoteInput).Detail)
	}
	var revisions []int
	for _, d := range r.fake.find("DraftRevision") {
		revisions = append(revisions, d.(quotes.DraftRevisionInput).Revision)
	}
	require.Equal(t, []int{1, 2, 3}, revisions)
}

// Checkout refuses the accepted quote (out of stock): the quote stays accepted
// with the reason, and the buyer's retry places the order.
func TestQuoteCheckoutRefusedThenRetried(t *testing.T) {
	t.Parallel()
	out := commerce.Rejection{Code: commerce.CodeInsufficientStock, Message: "only 10 of BOLT available", SKU: "BOLT"}
	r := newQuoteRun(t,
		checkout.Result{Status: commerce.CheckoutFailed, Rejection: &out},
		checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	r.update(4*time.Minute, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})
	var afterRefusal quote.State
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(quote.StateQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&afterRefusal))
	}, time.Hour)
	byColleague := r.update(2*time.Hour, quote.RetryOrderUpdate, quote.ActorInput{Actor: quote.Actor{ID: colleague, Role: commerce.RoleBuyer, CompanyID: companyID}})
	retry := r.update(3*time.Hour, quote.RetryOrderUpdate, quote.ActorInput{Actor: buyer})

	st := r.execute()

	require.Equal(t, commerce.QuoteAccepted, afterRefusal.Status)
	require.Equal(t, &out, afterRefusal.OrderRefusal)
	byColleague.requireRefused(t, commerce.CodeNotAllowed)
	retry.requireState(t)
	require.Equal(t, commerce.QuoteOrdered, st.Status)
	require.Len(t, r.checkouts, 2, "the retry ran checkout again on the same cart")
	require.Equal(t, r.checkouts[0], r.checkouts[1])
	records := r.fake.find("RecordOrder")
	require.Equal(t, &out, records[0].(quotes.RecordOrderInput).Refusal)
	require.Equal(t, orderID, records[1].(quotes.RecordOrderInput).OrderID)
}

// Withdraw and cancel end the quote in every status they are allowed in; who
// may not do them is refused before anything is recorded.
func TestQuoteWithdrawAndCancel(t *testing.T) {
	t.Parallel()
	steps := map[commerce.QuoteStatus][]func(r *quoteRun) time.Duration{
		commerce.QuoteRequested: nil,
		commerce.QuoteDrafting: {func(r *quoteRun) time.Duration {
			r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
			r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
			return 3 * time.Minute
		}},
		commerce.QuoteOffered: {func(r *quoteRun) time.Duration {
			r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
			r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
			r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
			return 4 * time.Minute
		}},
		commerce.QuoteChangesRequested: {func(r *quoteRun) time.Duration {
			r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
			r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
			r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
			r.update(4*time.Minute, quote.RequestChangesUpdate, quote.ReasonInput{Actor: buyer, Reason: "cheaper"})
			return 5 * time.Minute
		}},
	}
	steps[commerce.QuoteAwaitingManager] = []func(r *quoteRun) time.Duration{func(r *quoteRun) time.Duration {
		r.fake.needsManager = true
		r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
		r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
		r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
		return 4 * time.Minute
	}}
	steps[commerce.QuoteExpired] = []func(r *quoteRun) time.Duration{func(r *quoteRun) time.Duration {
		r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
		r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
		r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
		return 8 * day // the week's offer ran out
	}}
	for status, setup := range steps {
		for _, end := range []string{quote.WithdrawUpdate, quote.CancelUpdate} {
			t.Run(string(status)+"/"+end, func(t *testing.T) {
				t.Parallel()
				r := newQuoteRun(t)
				at := time.Minute
				for _, s := range setup {
					at = s(r)
				}
				r.env.RegisterDelayedCallback(func() {
					v, err := r.env.QueryWorkflow(quote.StateQuery)
					require.NoError(t, err)
					var st quote.State
					require.NoError(t, v.Get(&st))
					require.Equal(t, status, st.Status, "the quote reached the status under test")
				}, at-time.Second)
				var wrong, right *outcome
				want := commerce.QuoteWithdrawn
				if end == quote.WithdrawUpdate {
					wrong = r.update(at, end, quote.ActorInput{Actor: quote.Actor{ID: colleague, Role: commerce.RoleBuyer, CompanyID: companyID}})
					right = r.update(at+time.Minute, end, quote.ActorInput{Actor: buyer})
				} else {
					want = commerce.QuoteCancelled
					wrong = r.update(at, end, quote.ReasonInput{Actor: otherRep, Reason: "not mine"})
					right = r.update(at+time.Minute, end, quote.ReasonInput{Actor: manager, Reason: "customer called"})
				}
				after := r.update(at+time.Minute, quote.DraftUpdate, draftInput(manager))

				st := r.execute()

				wrong.requireRefused(t, commerce.CodeNotAllowed)
				require.Equal(t, want, right.requireState(t).Status)
				require.Equal(t, want, st.Status)
				after.mu.Lock()
				require.True(t, after.done)
				require.Error(t, errors.Join(after.rejected, after.err), "nothing is done to an ended quote")
				after.mu.Unlock()
			})
		}
	}
}

// A request whose cart is no longer open is refused, and the workflow ends.
func TestQuoteOpenRefused(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t)
	r.fake.openRefusal = &commerce.Rejection{Code: commerce.CodeCartNotOpen, Message: "the cart is no longer open"}
	r.env.ExecuteWorkflow(quote.WorkflowName, input)
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	require.Equal(t, []string{"OpenQuote"}, r.fake.names())
}

// The fake stands in for every quote activity under the same name and
// signature, so the tests prove a workflow production can run.
func TestFakeQuotesStandsInForTheRealActivities(t *testing.T) {
	t.Parallel()
	real := reflect.ValueOf(&quotes.Activities{})
	fake := reflect.ValueOf(&fakeQuotes{})
	for i := range real.NumMethod() {
		name := real.Type().Method(i).Name
		m := fake.MethodByName(name)
		require.True(t, m.IsValid(), "the fake has %s", name)
		require.Equal(t, real.Method(i).Type(), m.Type(), "fake %s has another signature", name)
	}
}

func TestQuoteIDs(t *testing.T) {
	t.Parallel()
	require.Equal(t, "quote/"+quoteID.String(), quote.WorkflowID(quoteID))
	require.Equal(t, quote.OrderCartID(quoteID, 2), quote.OrderCartID(quoteID, 2), "a retried acceptance names the same cart")
	require.NotEqual(t, quote.OrderCartID(quoteID, 1), quote.OrderCartID(quoteID, 2))
	require.Equal(t, quote.QuoteIDFor(buyerID, "k1"), quote.QuoteIDFor(buyerID, "k1"), "a retried request names the same quote")
	require.NotEqual(t, quote.QuoteIDFor(buyerID, "k1"), quote.QuoteIDFor(colleague, "k1"))
	require.NotEqual(t, quote.QuoteIDFor(buyerID, ""), quote.QuoteIDFor(buyerID, ""), "no key, a new quote each time")
}

// After checkout refused the accepted quote, sales may cancel it instead of
// the buyer retrying.
func TestQuoteCancelledAfterCheckoutRefusal(t *testing.T) {
	t.Parallel()
	out := commerce.Rejection{Code: commerce.CodeCreditLimitExceeded, Message: "over the credit limit"}
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutFailed, Rejection: &out})
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	r.update(4*time.Minute, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})
	cancel := r.update(time.Hour, quote.CancelUpdate, quote.ReasonInput{Actor: rep, Reason: "credit check failed"})

	st := r.execute()

	require.Equal(t, commerce.QuoteCancelled, cancel.requireState(t).Status)
	require.Equal(t, commerce.QuoteCancelled, st.Status)
	require.Equal(t, &out, st.OrderRefusal)
	require.Len(t, r.checkouts, 1)
}

// A request Postgres could never store is refused before anything of it is,
// and the quote ends: no step retries forever on it.
func TestQuoteBadInputIsRefusedBeforeAnythingIsStored(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	fake := &fakeQuotes{}
	env.RegisterWorkflowWithOptions(quote.Quote, workflow.RegisterOptions{Name: quote.WorkflowName})
	env.RegisterActivity(fake)
	o := &outcome{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(quote.OpenUpdate, "open", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { o.rejected, o.done = err, true },
			OnComplete: func(_ any, err error) { o.err, o.done = err, true },
		}, quote.ActorInput{Actor: buyer})
	}, 0)
	bad := input
	bad.Message = "A\x00B"
	env.ExecuteWorkflow(quote.WorkflowName, bad)
	require.True(t, env.IsWorkflowCompleted())
	require.True(t, o.done)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, o.err, &appErr)
	require.Equal(t, quote.FieldRefusalType, appErr.Type())
	require.Empty(t, fake.names(), "nothing was stored")
}

// A step whose input Postgres refuses (here a draft's, past the validators)
// is not retried: the update that asked for it is answered with the
// invalid_input refusal, nothing moves, and the quote goes on: the rep's next
// draft is offered and ordered.
func TestQuoteStepWithInputPostgresRefusesIsRefusedOnce(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	r.fake.draftFails = activities.Classify(&pgconn.PgError{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`})
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	refused := r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	var afterRefusal quote.State
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(quote.StateQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&afterRefusal))
	}, time.Hour)
	r.update(2*time.Hour, quote.DraftUpdate, draftInput(rep))
	r.update(3*time.Hour, quote.SendUpdate, quote.ActorInput{Actor: rep})
	r.update(4*time.Hour, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})

	st := r.execute()

	refused.mu.Lock()
	require.True(t, refused.done)
	require.NoError(t, refused.rejected, "the validator let it through")
	rej, ok := workflows.RefusalOf(refused.err)
	refused.mu.Unlock()
	require.True(t, ok, "a refusal, not a retry: %v", refused.err)
	require.Equal(t, commerce.CodeInvalidInput, rej.Code)
	require.Nil(t, afterRefusal.Draft, "nothing drafted")
	require.Equal(t, commerce.QuoteRequested, afterRefusal.Status)
	require.Len(t, r.fake.find("DraftRevision"), 2, "the refused draft ran once, the next once")
	require.Equal(t, commerce.QuoteOrdered, st.Status)
}
