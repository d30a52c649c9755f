package quote

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// quoteActs are the quote activities, referenced through a nil pointer: the
// worker registers the real struct, and the compiler checks names and inputs.
var quoteActs *quotes.Activities

// stepOptions run every quote step as a local activity: one short transaction
// against our own Postgres, idempotent per quote and step number.
var stepOptions = workflows.LocalStepOptions

// Quote runs one quote from request to order (or to its end without one). Every
// action arrives as an update whose validator refuses what the caller may not do
// in the quote's status; accepted actions queue up as commands, which the loop
// below carries out one at a time, so the quote's state changes in one order
// whatever arrives at once. The loop also keeps the offer's validity: it reminds
// the buyer before expiry and expires the offer on time (durable timers), and it
// takes the outcome of the accepted quote's checkout.
func Quote(ctx workflow.Context, in Input) (State, error) {
	w := &quote{in: in, st: State{QuoteID: in.QuoteID, Status: commerce.QuoteRequested}, inputErr: validateInput(in)}
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	return w.run(ctx)
}

// quote is one quote's state; fields, not closures, so it reads as data.
type quote struct {
	// rootCtx is the workflow's context, for registering handlers.
	rootCtx workflow.Context
	in      Input
	st      State
	// opened: the request is recorded; refused: it could not be (bad input,
	// or the cart was no longer open) and the workflow ends.
	opened, refused bool
	// inputErr is what is wrong with the request, checked before anything of
	// it is stored: the open update answers it, and the quote ends.
	inputErr error
	// step numbers the changes, keying the activities' idempotency.
	step int
	// queue holds the accepted actions not yet carried out.
	queue []*command
	// reminders are the instants the buyer is still to be reminded of the
	// offer, earliest first.
	reminders []time.Time
	// order is the accepted quote's checkout while it runs.
	order *orderRun
}

// command is one accepted action, carried out by the loop; the update that
// queued it waits until done.
type command struct {
	action commerce.QuoteAction
	actor  Actor
	arg    any
	done   bool
	err    error
}

// orderRun is the child checkout of an accepted quote.
type orderRun struct {
	done   bool
	result checkout.Result
	err    error
}

func (w *quote) run(ctx workflow.Context) (State, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, stepOptions)
	workflow.SetCurrentDetails(ctx, "recording the request")
	oneTimer := workflow.GetVersion(ctx, deadlineTimerChange, workflow.DefaultVersion, deadlineTimerKept) == deadlineTimerKept
	var deadline workflows.Deadline
	for !w.st.Status.Final() && !w.refused {
		timer, at := w.nextDeadline()
		ready := func() bool { return len(w.queue) > 0 || (w.order != nil && w.order.done) || w.refused }
		fired := false
		switch {
		case oneTimer:
			deadline.Set(ctx, timer, at)
			passed, err := deadline.Await(ctx, ready)
			if err != nil {
				return w.st, err
			}
			fired = passed
		case timer != "":
			ok, err := workflow.AwaitWithTimeout(ctx, workflows.Until(ctx, at), ready)
			if err != nil {
				return w.st, err
			}
			fired = !ok
		default:
			if err := workflow.Await(ctx, ready); err != nil {
				return w.st, err
			}
		}
		var err error
		switch {
		case w.refused:
			continue
		case len(w.queue) > 0:
			cmd := w.queue[0]
			w.queue = w.queue[1:]
			cmd.err = w.carryOut(ctx, cmd)
			cmd.done = true
		case w.order != nil && w.order.done:
			err = w.orderEnded(ctx)
		case fired && timer == "expire":
			err = w.expire(ctx)
		case fired && timer == "remind":
			err = w.remind(ctx)
		}
		if err != nil {
			return w.st, err
		}
		w.describe(ctx)
	}
	// Whatever arrived after the end is refused, and every update answered
	// before the workflow completes.
	for _, cmd := range w.queue {
		cmd.err, cmd.done = refusal(commerce.CodeQuoteState, fmt.Sprintf("the quote is %s", w.st.Status)), true
	}
	w.queue = nil
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.st, err
	}
	return w.st, nil
}

// validateInput checks the request before anything of it reaches Postgres,
// which could never store (and so would retry forever) text with NUL bytes or
// invalid UTF-8. The API checks the same; this guards every other starter.
func validateInput(in Input) error {
	if !commerce.ValidCurrency(in.Currency) {
		return &commerce.FieldError{Field: "currency", Message: "must be a three-letter ISO 4217 code"}
	}
	if in.SourceCartID == uuid.Nil {
		return commerce.ValidateQuoteRequest(in.Lines, in.Message, in.TargetTotal)
	}
	if err := commerce.ValidateQuoteText("message", in.Message, commerce.MaxQuoteTextBytes, false); err != nil {
		return err
	}
	if in.TargetTotal != nil && *in.TargetTotal < 0 {
		return &commerce.FieldError{Field: "target_total", Message: "must not be negative"}
	}
	return nil
}

// nextDeadline is the next reminder or the expiry of the offer, which of the
// two it is and when; "" when nothing is due (no offer out).
func (w *quote) nextDeadline() (string, time.Time) {
	if w.st.Status != commerce.QuoteOffered || w.st.ValidUntil == nil {
		return "", time.Time{}
	}
	if len(w.reminders) > 0 && w.reminders[0].Before(*w.st.ValidUntil) {
		return "remind", w.reminders[0]
	}
	return "expire", *w.st.ValidUntil
}

// deadlineTimerChange is the change that makes a quote wait on one timer per
// deadline (workflows.Deadline), kept across the loop's passes and cancelled
// when the deadline moves (a new offer, a longer validity) or goes away.
// Quotes before it (DefaultVersion) waited with workflow.AwaitWithTimeout,
// which left a pending timer behind every wait an action ended.
const (
	deadlineTimerChange = "deadline-timer"
	deadlineTimerKept   = 1
)

// nextStep numbers a change of the quote.
func (w *quote) nextStep() quotes.Step {
	w.step++
	return quotes.Step{QuoteID: w.in.QuoteID, Seq: w.step}
}

// carryOut does one accepted action. The status may have moved since the
// update's validator passed it (another action came first), so it is checked
// again here; a refusal goes back to the caller and changes nothing.
func (w *quote) carryOut(ctx workflow.Context, cmd *command) error {
	if cmd.action != commerce.QuoteAction(OpenUpdate) {
		if err := w.check(cmd.action, cmd.actor); err != nil {
			return err
		}
	}
	switch cmd.action {
	case commerce.QuoteAction(OpenUpdate):
		return w.open(ctx)
	case commerce.QuoteClaim, commerce.QuoteAssign:
		return w.assign(ctx, cmd.actor, cmd.arg.(AssignInput))
	case commerce.QuoteDraft:
		return w.draft(ctx, cmd.arg.(DraftInput))
	case commerce.QuoteSend:
		return w.send(ctx, cmd.actor)
	case commerce.QuoteApproveDiscount, commerce.QuoteRejectDiscount:
		return w.decideDiscount(ctx, cmd.arg.(DecideDiscountInput))
	case commerce.QuoteExtendValidity:
		return w.extendValidity(ctx, cmd.arg.(ExtendValidityInput))
	case commerce.QuoteAccept:
		return w.accept(ctx, cmd.arg.(AcceptInput))
	case commerce.QuoteRetryOrder:
		return w.startOrder(ctx)
	case commerce.QuoteDecline:
		return w.move(ctx, cmd.actor, commerce.QuoteDeclined, "quote_declined", cmd.arg.(ReasonInput).Reason, false, true)
	case commerce.QuoteRequestChanges:
		return w.move(ctx, cmd.actor, commerce.QuoteChangesRequested, "changes_requested", cmd.arg.(ReasonInput).Reason, false, true)
	case commerce.QuoteWithdraw:
		return w.move(ctx, cmd.actor, commerce.QuoteWithdrawn, "quote_withdrawn", "", false, true)
	case commerce.QuoteCancel:
		return w.move(ctx, cmd.actor, commerce.QuoteCancelled, "quote_cancelled", cmd.arg.(ReasonInput).Reason, true, false)
	}
	return fmt.Errorf("unknown quote action %q", cmd.action)
}

// open records the request: the first command of every quote.
func (w *quote) open(ctx workflow.Context) error {
	res, err := workflows.CallLocal(ctx, quoteActs.OpenQuote, quotes.OpenQuoteInput{
		Step: w.nextStep(), CompanyID: w.in.CompanyID, CustomerID: w.in.CustomerID, Currency: w.in.Currency,
		SourceCartID: w.in.SourceCartID, Lines: w.in.Lines, Message: w.in.Message, TargetTotal: w.in.TargetTotal,
	})
	if err != nil {
		w.refused = true
		return asRefusal(err)
	}
	w.opened, w.st.AssigneeID = true, res.AssigneeID
	return w.setAttributes(ctx)
}

func (w *quote) assign(ctx workflow.Context, actor Actor, in AssignInput) error {
	if err := workflows.RunLocal(ctx, quoteActs.AssignQuote, quotes.AssignQuoteInput{
		Step: w.nextStep(), Actor: actor.toQuotesActor(), AssigneeID: in.AssigneeID,
	}); err != nil {
		return asRefusal(err)
	}
	w.st.AssigneeID = in.AssigneeID
	return w.setAttributes(ctx)
}

// draft saves the revision being drafted: the next number after the one on
// offer, replaced as often as the author saves it until it is sent.
func (w *quote) draft(ctx workflow.Context, in DraftInput) error {
	number := w.st.OfferedRevision + 1
	res, err := workflows.CallLocal(ctx, quoteActs.DraftRevision, quotes.DraftRevisionInput{
		Step: w.nextStep(), Actor: in.Actor.toQuotesActor(), Revision: number,
		Lines: in.Lines, Shipping: in.Shipping, ValidDays: in.ValidDays, Note: in.Note,
	})
	if err != nil {
		return asRefusal(err)
	}
	w.st.Draft = &DraftState{Revision: number, Total: res.Revision.Total, ValidDays: res.Revision.ValidDays,
		NeedsManager: res.Decision.NeedsManager, Reasons: res.Decision.Reasons}
	return w.setStatus(ctx, commerce.QuoteStatusAfter(commerce.QuoteDraft, w.st.Status, false))
}

// send sends the draft, or puts it before the sales managers when it goes
// beyond its author's authority. A manager sending a draft is that approval.
func (w *quote) send(ctx workflow.Context, actor Actor) error {
	d := w.st.Draft
	if d == nil {
		return refusal(commerce.CodeNoDraft, "there is no draft revision to send")
	}
	if d.NeedsManager && actor.Role != commerce.RoleSalesManager {
		if err := workflows.RunLocal(ctx, quoteActs.AwaitManager, quotes.AwaitManagerInput{
			Step: w.nextStep(), Actor: actor.toQuotesActor(), Revision: d.Revision, Reasons: d.Reasons,
		}); err != nil {
			return asRefusal(err)
		}
		return w.setStatus(ctx, commerce.QuoteStatusAfter(commerce.QuoteSend, w.st.Status, true))
	}
	return w.offer(ctx, actor)
}

// offer puts the draft on offer until its validity runs out.
func (w *quote) offer(ctx workflow.Context, actor Actor) error {
	d := w.st.Draft
	now := workflow.Now(ctx).UTC()
	validUntil := commerce.QuoteValidUntil(now, d.ValidDays)
	if err := workflows.RunLocal(ctx, quoteActs.SendRevision, quotes.SendRevisionInput{
		Step: w.nextStep(), Actor: actor.toQuotesActor(), Revision: d.Revision, SentAt: now, ValidUntil: validUntil,
	}); err != nil {
		return asRefusal(err)
	}
	w.st.OfferedRevision, w.st.OfferedTotal, w.st.Draft = d.Revision, d.Total, nil
	w.setValidity(now, validUntil)
	return w.setStatus(ctx, commerce.QuoteOffered)
}

func (w *quote) setValidity(now, validUntil time.Time) {
	w.st.ValidUntil = &validUntil
	w.reminders = commerce.QuoteReminderTimes(now, validUntil, w.reminderPoints())
}

func (w *quote) reminderPoints() []time.Duration {
	if w.in.Reminders != nil {
		return w.in.Reminders
	}
	return commerce.DefaultQuoteReminders
}

func (w *quote) decideDiscount(ctx workflow.Context, in DecideDiscountInput) error {
	d := w.st.Draft
	if err := workflows.RunLocal(ctx, quoteActs.DecideDiscount, quotes.DecideDiscountInput{
		Step: w.nextStep(), Actor: in.Actor.toQuotesActor(), Revision: d.Revision, Approve: in.Approve, Comment: in.Comment,
	}); err != nil {
		return asRefusal(err)
	}
	if in.Approve {
		return w.offer(ctx, in.Actor)
	}
	return w.setStatus(ctx, commerce.QuoteStatusAfter(commerce.QuoteRejectDiscount, w.st.Status, false))
}

func (w *quote) extendValidity(ctx workflow.Context, in ExtendValidityInput) error {
	now := workflow.Now(ctx).UTC()
	validUntil := commerce.QuoteValidUntil(now, in.ValidDays)
	if err := workflows.RunLocal(ctx, quoteActs.ExtendValidity, quotes.ExtendValidityInput{
		Step: w.nextStep(), Actor: in.Actor.toQuotesActor(), Revision: w.st.OfferedRevision, ValidUntil: validUntil,
	}); err != nil {
		return asRefusal(err)
	}
	w.setValidity(now, validUntil)
	return w.setStatus(ctx, commerce.QuoteOffered)
}

// accept records the acceptance and starts the order's checkout.
func (w *quote) accept(ctx workflow.Context, in AcceptInput) error {
	w.st.OrderCartID = OrderCartID(w.in.QuoteID, in.Revision)
	if err := workflows.RunLocal(ctx, quoteActs.AcceptQuote, quotes.AcceptQuoteInput{
		Step: w.nextStep(), Actor: in.Actor.toQuotesActor(), Revision: in.Revision, OrderCartID: w.st.OrderCartID,
	}); err != nil {
		return asRefusal(err)
	}
	if err := w.setStatus(ctx, commerce.QuoteAccepted); err != nil {
		return err
	}
	return w.startOrder(ctx)
}

// startOrder runs the checkout of the accepted quote's cart as a child
// workflow, through checkout's own contract: stock, credit, spending limits
// and the buyer company's approval rules all apply. Its outcome arrives in
// the loop (orderEnded).
func (w *quote) startOrder(ctx workflow.Context) error {
	child := checkout.StartChild(ctx, checkout.Input{
		CartID: w.st.OrderCartID, CompanyID: w.in.CompanyID, CustomerID: w.in.CustomerID,
	}, checkout.Summary{BuyerName: "quote " + w.in.QuoteID.String(), Lines: len(w.in.Lines), Currency: w.in.Currency})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return refusal(commerce.CodeQuoteState, "the order's checkout is already running")
	}
	run := &orderRun{}
	w.order, w.st.Ordering, w.st.OrderRefusal = run, true, nil
	workflow.Go(ctx, func(ctx workflow.Context) {
		run.err = child.Get(ctx, &run.result)
		run.done = true
	})
	return nil
}

// orderEnded records how the accepted quote's checkout ended: the order, or
// why checkout refused (the quote stays accepted and the buyer may retry).
func (w *quote) orderEnded(ctx workflow.Context) error {
	run := w.order
	w.order, w.st.Ordering = nil, false
	in := quotes.RecordOrderInput{Step: w.nextStep()}
	switch {
	case run.err != nil:
		r, ok := workflows.RefusalOf(run.err)
		if !ok {
			r = commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the order's checkout did not complete"}
		}
		in.Refusal = &r
	case run.result.Status == commerce.CheckoutPlaced:
		in.OrderID = run.result.OrderID
	default:
		r := commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the order's checkout ended without an order"}
		if run.result.Rejection != nil {
			r = *run.result.Rejection
		}
		in.Refusal = &r
	}
	if err := workflows.RunLocal(ctx, quoteActs.RecordOrder, in); err != nil {
		return err
	}
	if in.Refusal != nil {
		w.st.OrderRefusal = in.Refusal
		return nil
	}
	w.st.OrderID = in.OrderID
	return w.setStatus(ctx, commerce.QuoteStatusAfter(commerce.QuoteOrderPlaced, w.st.Status, false))
}

// move records a transition that needs no more than the event: decline,
// request changes, withdraw, cancel.
func (w *quote) move(ctx workflow.Context, actor Actor, to commerce.QuoteStatus, kind, detail string, tellBuyer, tellSales bool) error {
	if err := workflows.RunLocal(ctx, quoteActs.MoveQuote, quotes.MoveQuoteInput{
		Step: w.nextStep(), Actor: actor.toQuotesActor(), Status: to, Kind: kind, Detail: detail,
		TellBuyer: tellBuyer, TellSales: tellSales,
	}); err != nil {
		return asRefusal(err)
	}
	return w.setStatus(ctx, to)
}

// remind tells the buyer the offer expires soon.
func (w *quote) remind(ctx workflow.Context) error {
	w.reminders = w.reminders[1:]
	return workflows.RunLocal(ctx, quoteActs.RemindBuyer, quotes.RemindBuyerInput{
		Step: w.nextStep(), Revision: w.st.OfferedRevision, ValidUntil: *w.st.ValidUntil,
	})
}

// expire ends the offer at its validity; a rep may send a new revision.
func (w *quote) expire(ctx workflow.Context) error {
	w.reminders = nil
	if err := workflows.RunLocal(ctx, quoteActs.MoveQuote, quotes.MoveQuoteInput{
		Step: w.nextStep(), Status: commerce.QuoteExpired, Kind: "quote_expired",
		Detail: fmt.Sprintf("revision %d expired", w.st.OfferedRevision), TellBuyer: true, TellSales: true,
	}); err != nil {
		return err
	}
	return w.setStatus(ctx, commerce.QuoteExpired)
}

// setStatus shows where the quote is, to the state query and to ops.
func (w *quote) setStatus(ctx workflow.Context, s commerce.QuoteStatus) error {
	w.st.Status = s
	return w.setAttributes(ctx)
}

// setAttributes keeps the quote's search attributes true.
func (w *quote) setAttributes(ctx workflow.Context) error {
	updates := []temporal.SearchAttributeUpdate{
		StatusKey.ValueSet(string(w.st.Status)),
		SalesRepIDKey.ValueSet(idOrEmpty(w.st.AssigneeID)),
	}
	if w.st.OfferedRevision > 0 {
		updates = append(updates, TotalKey.ValueSet(w.st.OfferedTotal))
	}
	if w.st.ValidUntil != nil {
		updates = append(updates, ValidUntilKey.ValueSet(*w.st.ValidUntil))
	}
	return workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// describe says in words what the quote waits for, for ops in the Temporal UI.
func (w *quote) describe(ctx workflow.Context) {
	var s string
	switch w.st.Status {
	case commerce.QuoteRequested:
		s = "waiting for a sales rep"
		if w.st.AssigneeID != uuid.Nil {
			s = "waiting for sales rep " + w.st.AssigneeID.String() + " to draft an offer"
		}
	case commerce.QuoteDrafting:
		s = "a sales rep is drafting an offer"
	case commerce.QuoteAwaitingManager:
		s = "waiting for a sales manager to approve the discount"
	case commerce.QuoteOffered:
		s = fmt.Sprintf("revision %d on offer, valid until %s", w.st.OfferedRevision, w.st.ValidUntil.Format(workflows.DetailsTime))
	case commerce.QuoteAccepted:
		s = fmt.Sprintf("revision %d accepted; the order's checkout runs", w.st.OfferedRevision)
		if w.st.OrderRefusal != nil {
			s = fmt.Sprintf("revision %d accepted, but checkout refused (%s: %s); the buyer may retry",
				w.st.OfferedRevision, w.st.OrderRefusal.Code, w.st.OrderRefusal.Message)
		}
	case commerce.QuoteOrdered:
		s = "ordered: order " + w.st.OrderID.String()
	default:
		s = string(w.st.Status)
	}
	workflow.SetCurrentDetails(ctx, s)
}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// refusal is a business refusal for the caller of an update.
func refusal(code commerce.RejectionCode, msg string) error {
	return workflows.Refuse(commerce.Rejection{Code: code, Message: msg})
}

// asRefusal passes a step's business refusal on to the caller of the update
// with its code; any other error (a step out of time) goes on as it is.
func asRefusal(err error) error {
	if r, ok := workflows.RefusalOf(err); ok {
		return workflows.Refuse(r)
	}
	return err
}
