package quote

import (
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// setup registers the state query and one update per action. Every validator
// refuses, before anything is recorded in history, what commerce's transition
// table does not allow this caller in the quote's status, and any input the
// quote could never store (text with NUL bytes or invalid UTF-8, a malformed
// draft, a stale revision). An accepted update queues a command and answers
// once the loop has carried it out.
func (w *quote) setup(ctx workflow.Context) error {
	w.rootCtx = ctx
	if err := workflow.SetQueryHandlerWithOptions(ctx, StateQuery, func() (State, error) { return w.snapshot(), nil },
		workflow.QueryHandlerOptions{Description: "The quote's status, assignee, offer, draft and order."}); err != nil {
		return err
	}
	type handler struct {
		name, description string
		register          func(name, description string) error
	}
	handlers := []handler{
		{OpenUpdate, "Records the buyer's request (sent with the workflow's start).", w.registerOpen},
		{AssignUpdate, "A sales rep claims the quote, or a sales manager assigns it to a rep.", w.registerAssign},
		{DraftUpdate, "The assigned rep (or a manager) saves the draft revision.", w.registerDraft},
		{SendUpdate, "Sends the draft to the buyer, or to a sales manager when over the author's authority.", w.registerSend},
		{DecideDiscountUpdate, "A sales manager approves or rejects a revision over the rep's authority.", w.registerDecideDiscount},
		{ExtendValidityUpdate, "Holds the offer (again) for a number of days from now.", w.registerExtendValidity},
		{AcceptUpdate, "The buyer accepts the revision on offer; checkout places the order.", w.registerAccept},
		{DeclineUpdate, "The buyer declines the offer.", w.reasonUpdate(commerce.QuoteDecline, false)},
		{RequestChangesUpdate, "The buyer asks for another revision.", w.reasonUpdate(commerce.QuoteRequestChanges, true)},
		{WithdrawUpdate, "The buyer withdraws the request.", w.actorUpdate(commerce.QuoteWithdraw)},
		{CancelUpdate, "Sales cancel the quote.", w.reasonUpdate(commerce.QuoteCancel, true)},
		{RetryOrderUpdate, "The buyer retries the checkout of the accepted quote after a refusal.", w.actorUpdate(commerce.QuoteRetryOrder)},
	}
	for _, h := range handlers {
		if err := h.register(h.name, h.description); err != nil {
			return err
		}
	}
	return nil
}

// queue hands an accepted action to the loop and waits until it is carried
// out.
func (w *quote) queueCommand(ctx workflow.Context, action commerce.QuoteAction, actor Actor, arg any) (State, error) {
	cmd := &command{action: action, actor: actor, arg: arg}
	w.queue = append(w.queue, cmd)
	if err := workflow.Await(ctx, func() bool { return cmd.done }); err != nil {
		return State{}, err
	}
	if cmd.err != nil {
		return State{}, cmd.err
	}
	return w.snapshot(), nil
}

// registerOpen takes the request. Sent again (a retried request with the same
// quote ID) it answers the quote as it is, recording nothing twice.
func (w *quote) registerOpen(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in ActorInput) (State, error) {
			if w.inputErr != nil {
				w.refused = true
				return State{}, asUpdateError(w.inputErr)
			}
			if w.opened || len(w.queue) > 0 || w.refused {
				if err := workflow.Await(ctx, func() bool { return w.opened || w.refused }); err != nil {
					return State{}, err
				}
				if w.refused {
					return State{}, refusal(commerce.CodeQuoteState, "the request was refused")
				}
				return w.snapshot(), nil
			}
			return w.queueCommand(ctx, commerce.QuoteAction(OpenUpdate), in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in ActorInput) error {
			if in.Actor.ID != w.in.CustomerID {
				return refusal(commerce.CodeNotAllowed, "only the buyer requests their quote")
			}
			return nil
		}})
}

func (w *quote) registerAssign(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in AssignInput) (State, error) {
			return w.queueCommand(ctx, assignAction(in), in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in AssignInput) error {
			if in.AssigneeID == uuid.Nil {
				return fieldRefusal("sales_rep_id", "is required")
			}
			if assignAction(in) == commerce.QuoteClaim && in.AssigneeID != in.Actor.ID {
				return refusal(commerce.CodeNotAllowed, "a sales rep claims a quote for themself; a sales manager assigns")
			}
			return w.check(assignAction(in), in.Actor)
		}})
}

// assignAction is an assignment when a sales manager gives the quote to
// someone (themself included), and a claim when anyone else takes it.
func assignAction(in AssignInput) commerce.QuoteAction {
	if in.Actor.Role == commerce.RoleSalesManager {
		return commerce.QuoteAssign
	}
	return commerce.QuoteClaim
}

func (w *quote) registerDraft(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in DraftInput) (State, error) {
			return w.queueCommand(ctx, commerce.QuoteDraft, in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in DraftInput) error {
			if err := w.check(commerce.QuoteDraft, in.Actor); err != nil {
				return err
			}
			return asUpdateError(commerce.ValidateRevisionInput(in.Lines, in.Shipping, in.ValidDays, in.Note))
		}})
}

func (w *quote) registerSend(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in ActorInput) (State, error) {
			return w.queueCommand(ctx, commerce.QuoteSend, in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in ActorInput) error {
			if err := w.check(commerce.QuoteSend, in.Actor); err != nil {
				return err
			}
			if w.st.Draft == nil {
				return refusal(commerce.CodeNoDraft, "there is no draft revision to send")
			}
			return nil
		}})
}

func (w *quote) registerDecideDiscount(name, description string) error {
	action := func(in DecideDiscountInput) commerce.QuoteAction {
		if in.Approve {
			return commerce.QuoteApproveDiscount
		}
		return commerce.QuoteRejectDiscount
	}
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in DecideDiscountInput) (State, error) {
			return w.queueCommand(ctx, action(in), in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in DecideDiscountInput) error {
			if err := w.check(action(in), in.Actor); err != nil {
				return err
			}
			return asUpdateError(commerce.ValidateQuoteText("comment", in.Comment, commerce.MaxQuoteTextBytes, !in.Approve))
		}})
}

func (w *quote) registerExtendValidity(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in ExtendValidityInput) (State, error) {
			return w.queueCommand(ctx, commerce.QuoteExtendValidity, in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in ExtendValidityInput) error {
			if err := w.check(commerce.QuoteExtendValidity, in.Actor); err != nil {
				return err
			}
			if in.ValidDays < 1 || in.ValidDays > commerce.MaxQuoteValidDays {
				return fieldRefusal("valid_days", fmt.Sprintf("must be between 1 and %d", commerce.MaxQuoteValidDays))
			}
			return nil
		}})
}

func (w *quote) registerAccept(name, description string) error {
	return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
		func(ctx workflow.Context, in AcceptInput) (State, error) {
			return w.queueCommand(ctx, commerce.QuoteAccept, in.Actor, in)
		},
		workflow.UpdateHandlerOptions{Description: description, Validator: func(in AcceptInput) error {
			if err := w.check(commerce.QuoteAccept, in.Actor); err != nil {
				return err
			}
			if in.Revision != w.st.OfferedRevision {
				return refusal(commerce.CodeStaleRevision, fmt.Sprintf(
					"revision %d is not the one on offer; revision %d is", in.Revision, w.st.OfferedRevision))
			}
			return nil
		}})
}

// reasonUpdate registers an action that carries a reason (required or not).
func (w *quote) reasonUpdate(action commerce.QuoteAction, required bool) func(name, description string) error {
	return func(name, description string) error {
		return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
			func(ctx workflow.Context, in ReasonInput) (State, error) {
				return w.queueCommand(ctx, action, in.Actor, in)
			},
			workflow.UpdateHandlerOptions{Description: description, Validator: func(in ReasonInput) error {
				if err := w.check(action, in.Actor); err != nil {
					return err
				}
				return asUpdateError(commerce.ValidateQuoteText("reason", in.Reason, commerce.MaxQuoteTextBytes, required))
			}})
	}
}

// actorUpdate registers an action with nothing but its actor.
func (w *quote) actorUpdate(action commerce.QuoteAction) func(name, description string) error {
	return func(name, description string) error {
		return workflow.SetUpdateHandlerWithOptions(w.rootCtx, name,
			func(ctx workflow.Context, in ActorInput) (State, error) {
				return w.queueCommand(ctx, action, in.Actor, in)
			},
			workflow.UpdateHandlerOptions{Description: description, Validator: func(in ActorInput) error {
				return w.check(action, in.Actor)
			}})
	}
}

// check refuses an action commerce's transition table does not allow this
// actor in the quote's status, and any action while the request is not yet
// recorded or the order's checkout runs.
func (w *quote) check(action commerce.QuoteAction, a Actor) error {
	actor := commerce.QuoteActor{ID: a.ID.String(), Role: a.Role}
	if a.CompanyID != uuid.Nil {
		actor.CompanyID = a.CompanyID.String()
	}
	parties := commerce.QuoteParties{CompanyID: w.in.CompanyID.String(), RequesterID: w.in.CustomerID.String(),
		AssigneeID: idOrEmpty(w.st.AssigneeID)}
	// Who may act comes first, so a stranger learns nothing of the quote's state.
	if err := commerce.CheckQuoteAction(action, w.st.Status, parties, actor); err != nil {
		return asUpdateError(err)
	}
	switch {
	case !w.opened:
		return refusal(commerce.CodeQuoteState, "the quote's request is not recorded yet")
	case w.st.Ordering:
		return refusal(commerce.CodeQuoteState, "the order's checkout is running")
	}
	if action == commerce.QuoteRetryOrder && w.st.OrderRefusal == nil {
		return refusal(commerce.CodeQuoteState, "the order's checkout did not fail; there is nothing to retry")
	}
	return nil
}

// snapshot copies the state for queries and update results.
func (w *quote) snapshot() State {
	st := w.st
	if st.Draft != nil {
		d := *st.Draft
		st.Draft = &d
	}
	return st
}

// asUpdateError passes a commerce refusal or field error to the caller of an
// update with its code.
func asUpdateError(err error) error { return workflows.AsUpdateError(err) }

// FieldRefusalType is the error type of an update refused for bad input.
const FieldRefusalType = workflows.FieldRefusalType

// fieldRefusal is bad input, naming the field, for the caller of an update.
func fieldRefusal(field, msg string) error { return workflows.RefuseField(field, msg) }
