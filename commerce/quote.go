package commerce

import (
	"fmt"
	"slices"
	"strings"
)

// QuoteStatus is where a quote is in its negotiation; it is also the QuoteStatus
// search attribute on the quote workflow, so ops can filter on it in the
// Temporal UI.
type QuoteStatus string

// Quote statuses.
const (
	// QuoteRequested: the buyer asked for a quote; it waits for a sales rep.
	QuoteRequested QuoteStatus = "requested"
	// QuoteDrafting: a sales rep works on a revision.
	QuoteDrafting QuoteStatus = "drafting"
	// QuoteAwaitingManager: the revision to send is over the rep's authority and
	// waits for a sales manager.
	QuoteAwaitingManager QuoteStatus = "awaiting_manager"
	// QuoteOffered: a revision was sent; it is valid until its date.
	QuoteOffered QuoteStatus = "offered"
	// QuoteChangesRequested: the buyer asked for another round.
	QuoteChangesRequested QuoteStatus = "changes_requested"
	// QuoteAccepted: the buyer accepted; checkout runs (or failed and may be
	// retried).
	QuoteAccepted QuoteStatus = "accepted"
	// QuoteOrdered is final: the order exists.
	QuoteOrdered QuoteStatus = "ordered"
	// QuoteDeclined is final: the buyer declined the offer.
	QuoteDeclined QuoteStatus = "declined"
	// QuoteExpired: the offer ran out; a rep may draft again or extend it, the
	// buyer may ask for changes.
	QuoteExpired QuoteStatus = "expired"
	// QuoteWithdrawn is final: the buyer withdrew before accepting.
	QuoteWithdrawn QuoteStatus = "withdrawn"
	// QuoteCancelled is final: sales cancelled the quote.
	QuoteCancelled QuoteStatus = "cancelled"
)

// QuoteStatuses are all quote statuses, in the order of a quote's life, for
// filters, docs and exhaustive tests.
var QuoteStatuses = []QuoteStatus{
	QuoteRequested, QuoteDrafting, QuoteAwaitingManager, QuoteOffered, QuoteChangesRequested,
	QuoteAccepted, QuoteOrdered, QuoteDeclined, QuoteExpired, QuoteWithdrawn, QuoteCancelled,
}

// Final tells whether a quote in status s is closed for good: its workflow ends
// and only messages may still be written on it.
func (s QuoteStatus) Final() bool {
	switch s {
	case QuoteOrdered, QuoteDeclined, QuoteWithdrawn, QuoteCancelled:
		return true
	}
	return false
}

// Valid tells whether s is one of the known statuses, so that a status filter
// this code does not understand is refused rather than matching nothing.
func (s QuoteStatus) Valid() bool { return slices.Contains(QuoteStatuses, s) }

// QuoteAction is something a person (or the system) does to a quote. Every
// action is checked by CheckQuoteAction before anything is recorded.
type QuoteAction string

// Quote actions.
const (
	// QuoteClaim: a sales rep (or a sales manager) takes an unassigned quote.
	QuoteClaim QuoteAction = "claim"
	// QuoteAssign: a sales manager assigns (or reassigns) a sales rep.
	QuoteAssign QuoteAction = "assign"
	// QuoteDraft: save (or replace) the draft revision.
	QuoteDraft QuoteAction = "draft"
	// QuoteSend: send the draft; it is offered, or awaits a manager when it is
	// over the author's authority.
	QuoteSend QuoteAction = "send"
	// QuoteApproveDiscount: a sales manager lets a revision over the rep's
	// authority go out (awaiting_manager → offered).
	QuoteApproveDiscount QuoteAction = "approve_discount"
	// QuoteRejectDiscount: a sales manager sends a revision back to the rep
	// (awaiting_manager → drafting).
	QuoteRejectDiscount QuoteAction = "reject_discount"
	// QuoteExtendValidity: the offer on the table stays valid longer (and an
	// expired one is offered again).
	QuoteExtendValidity QuoteAction = "extend_validity"
	// QuoteAccept: the buyer accepts the offer; checkout starts.
	QuoteAccept QuoteAction = "accept"
	// QuoteDecline: the buyer declines the offer, which ends the quote.
	QuoteDecline QuoteAction = "decline"
	// QuoteRequestChanges: the buyer asks for another round.
	QuoteRequestChanges QuoteAction = "request_changes"
	// QuoteWithdraw: the buyer takes the request back before accepting.
	QuoteWithdraw QuoteAction = "withdraw"
	// QuoteCancel: sales closes the quote.
	QuoteCancel QuoteAction = "cancel"
	// QuoteRetryOrder: the buyer runs checkout again after it refused the
	// accepted quote (accepted → accepted).
	QuoteRetryOrder QuoteAction = "retry_order"
	// QuoteMessage: a message on the quote's timeline; no transition.
	QuoteMessage QuoteAction = "message"
	// QuoteExpire: the validity timer ran out (offered → expired).
	QuoteExpire QuoteAction = "expire"
	// QuoteOrderPlaced: checkout placed the order (accepted → ordered).
	QuoteOrderPlaced QuoteAction = "order_placed"
)

// QuoteActions are all quote actions, for docs and exhaustive tests.
var QuoteActions = []QuoteAction{
	QuoteClaim, QuoteAssign, QuoteDraft, QuoteSend, QuoteApproveDiscount, QuoteRejectDiscount,
	QuoteExtendValidity, QuoteAccept, QuoteDecline, QuoteRequestChanges, QuoteWithdraw,
	QuoteCancel, QuoteRetryOrder, QuoteMessage, QuoteExpire, QuoteOrderPlaced,
}

// QuoteParties are who a quote belongs to. IDs are strings (uuid text) so
// commerce stays free of uuid.
type QuoteParties struct {
	CompanyID   string // the buying company
	RequesterID string // the employee who requested the quote
	AssigneeID  string // the sales rep working it; "" when unassigned (the queue)
}

// QuoteActor is who attempts an action.
type QuoteActor struct {
	ID string
	// Role is the actor's role; "" (with an empty ID and company) is the system.
	Role Role
	// CompanyID is the actor's company; "" for the seller's staff.
	CompanyID string
}

// QuoteSystem is the actor of timers and of the checkout's outcome.
var QuoteSystem = QuoteActor{}

// quoteActorKind is what an actor is to one quote: the table grants actions to
// kinds, not to roles, because the same role (a buyer, a sales rep) may or may
// not act depending on whose quote it is.
type quoteActorKind int

const (
	kindNobody       quoteActorKind = iota // an unknown role: may do nothing
	kindRequester                          // the employee who requested the quote
	kindColleague                          // another employee of the buying company
	kindOtherCompany                       // an employee of another company
	kindAssignedRep                        // the sales rep the quote is assigned to
	kindOtherRep                           // any other sales rep
	kindManager                            // a sales manager, assigned or not
	kindOps                                // ops: reads everything, repairs via Temporal
	kindSystem                             // timers and the checkout's outcome
)

// quoteActorKindOf places actor relative to the quote's parties. Empty IDs
// never match, so a half-filled actor or quote cannot pass for the requester or
// the assignee.
func quoteActorKindOf(p QuoteParties, a QuoteActor) quoteActorKind {
	switch {
	case a == QuoteSystem:
		return kindSystem
	case a.Role.CompanySide():
		switch {
		case a.CompanyID == "" || a.CompanyID != p.CompanyID:
			return kindOtherCompany
		case a.ID != "" && a.ID == p.RequesterID:
			return kindRequester
		}
		return kindColleague
	case a.Role == RoleSalesRep:
		if a.ID != "" && a.ID == p.AssigneeID {
			return kindAssignedRep
		}
		return kindOtherRep
	case a.Role == RoleSalesManager:
		return kindManager
	case a.Role == RoleOps:
		return kindOps
	}
	return kindNobody
}

// quoteRule is one row of the transition table.
type quoteRule struct {
	statuses []QuoteStatus
	actors   []quoteActorKind
	// who completes "only … may …" when the actor is wrong; can completes
	// "the quote is X; … only when …" when the status is wrong.
	who, can string
}

// nonFinalQuoteStatuses are the statuses a quote can still move from.
var nonFinalQuoteStatuses = []QuoteStatus{
	QuoteRequested, QuoteDrafting, QuoteAwaitingManager, QuoteOffered,
	QuoteChangesRequested, QuoteAccepted, QuoteExpired,
}

var (
	salesOnQuote   = []quoteActorKind{kindAssignedRep, kindManager}
	requesterAlone = []quoteActorKind{kindRequester}
	managerAlone   = []quoteActorKind{kindManager}
	systemAlone    = []quoteActorKind{kindSystem}
)

// quoteRules is the transition table: which actor may do what in which status.
// Where a quote goes is QuoteStatusAfter's business.
var quoteRules = map[QuoteAction]quoteRule{
	QuoteClaim: {
		statuses: []QuoteStatus{QuoteRequested, QuoteDrafting, QuoteChangesRequested, QuoteExpired, QuoteAwaitingManager, QuoteOffered},
		actors:   []quoteActorKind{kindAssignedRep, kindOtherRep, kindManager},
		who:      "a sales rep or a sales manager may claim a quote",
		can:      "it can be claimed",
	},
	QuoteAssign: {
		statuses: nonFinalQuoteStatuses, actors: managerAlone,
		who: "a sales manager may assign a quote",
		can: "it can be assigned",
	},
	QuoteDraft: {
		statuses: []QuoteStatus{QuoteRequested, QuoteDrafting, QuoteChangesRequested, QuoteExpired},
		actors:   salesOnQuote,
		who:      "the quote's sales rep or a sales manager may draft a revision",
		can:      "it can be drafted",
	},
	QuoteSend: {
		statuses: []QuoteStatus{QuoteDrafting}, actors: salesOnQuote,
		who: "the quote's sales rep or a sales manager may send a revision",
		can: "a revision can be sent",
	},
	QuoteApproveDiscount: {
		statuses: []QuoteStatus{QuoteAwaitingManager}, actors: managerAlone,
		who: "a sales manager may approve a revision's discount",
		can: "a discount can be approved",
	},
	QuoteRejectDiscount: {
		statuses: []QuoteStatus{QuoteAwaitingManager}, actors: managerAlone,
		who: "a sales manager may reject a revision's discount",
		can: "a discount can be rejected",
	},
	QuoteExtendValidity: {
		statuses: []QuoteStatus{QuoteOffered, QuoteExpired}, actors: salesOnQuote,
		who: "the quote's sales rep or a sales manager may extend its validity",
		can: "its validity can be extended",
	},
	QuoteAccept: {
		statuses: []QuoteStatus{QuoteOffered}, actors: requesterAlone,
		who: "the buyer who requested the quote may accept it",
		can: "it can be accepted",
	},
	QuoteDecline: {
		statuses: []QuoteStatus{QuoteOffered}, actors: requesterAlone,
		who: "the buyer who requested the quote may decline it",
		can: "it can be declined",
	},
	QuoteRequestChanges: {
		statuses: []QuoteStatus{QuoteOffered, QuoteExpired}, actors: requesterAlone,
		who: "the buyer who requested the quote may request changes",
		can: "changes can be requested",
	},
	QuoteWithdraw: {
		statuses: []QuoteStatus{QuoteRequested, QuoteDrafting, QuoteAwaitingManager, QuoteOffered, QuoteChangesRequested, QuoteExpired},
		actors:   requesterAlone,
		who:      "the buyer who requested the quote may withdraw it",
		can:      "it can be withdrawn",
	},
	QuoteCancel: {
		statuses: nonFinalQuoteStatuses, actors: salesOnQuote,
		who: "the quote's sales rep or a sales manager may cancel it",
		can: "it can be cancelled",
	},
	QuoteRetryOrder: {
		statuses: []QuoteStatus{QuoteAccepted}, actors: requesterAlone,
		who: "the buyer who requested the quote may retry its order",
		can: "its order can be retried",
	},
	QuoteMessage: {
		statuses: QuoteStatuses,
		actors:   []quoteActorKind{kindRequester, kindColleague, kindAssignedRep, kindManager},
		who:      "the buying company, the quote's sales rep and sales managers may write on a quote",
		can:      "messages can be written",
	},
	QuoteExpire: {
		statuses: []QuoteStatus{QuoteOffered}, actors: systemAlone,
		who: "the offer's validity timer may expire a quote",
		can: "it can expire",
	},
	QuoteOrderPlaced: {
		statuses: []QuoteStatus{QuoteAccepted}, actors: systemAlone,
		who: "the checkout may record a quote's order",
		can: "its order can be recorded",
	},
}

// CheckQuoteAction says whether actor may do action on a quote in status s.
// The wrong actor gets a *Rejection CodeNotAllowed; the right actor in the
// wrong status (or claiming a quote that already has a sales rep) gets a
// *Rejection CodeQuoteState. The actor is checked first, so a stranger learns
// nothing of the quote's state.
func CheckQuoteAction(action QuoteAction, s QuoteStatus, p QuoteParties, actor QuoteActor) error {
	rule, ok := quoteRules[action]
	if !ok {
		return Reject(CodeNotAllowed, fmt.Sprintf("%q is not an action on a quote", action))
	}
	if !slices.Contains(rule.actors, quoteActorKindOf(p, actor)) {
		return Reject(CodeNotAllowed, "only "+rule.who)
	}
	if !slices.Contains(rule.statuses, s) {
		return Reject(CodeQuoteState, fmt.Sprintf("the quote is %s; %s only when %s", s, rule.can, orList(rule.statuses)))
	}
	if action == QuoteClaim && p.AssigneeID != "" {
		return Reject(CodeQuoteState, "the quote already has a sales rep; a sales manager may reassign it")
	}
	return nil
}

// orList words statuses as "a, b or c".
func orList(statuses []QuoteStatus) string {
	words := make([]string, len(statuses))
	for i, s := range statuses {
		words[i] = string(s)
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// QuoteStatusAfter is the status action leads to from s. For send,
// overAuthority tells whether the draft needs a manager (awaiting_manager) or
// not (offered). Actions that do not move the status (claim, assign, message,
// retry_order, draft from drafting, extend_validity of an offer) return s;
// draft from requested, changes_requested or expired returns drafting;
// extend_validity of an expired offer returns offered, since the same revision
// is on the table again. In a status the action is not allowed in, it returns s:
// callers check with CheckQuoteAction first, and a refused action moves nothing.
func QuoteStatusAfter(action QuoteAction, s QuoteStatus, overAuthority bool) QuoteStatus {
	if rule, ok := quoteRules[action]; !ok || !slices.Contains(rule.statuses, s) {
		return s
	}
	switch action {
	case QuoteDraft:
		return QuoteDrafting
	case QuoteSend:
		if overAuthority {
			return QuoteAwaitingManager
		}
		return QuoteOffered
	case QuoteApproveDiscount, QuoteExtendValidity:
		return QuoteOffered
	case QuoteRejectDiscount:
		return QuoteDrafting
	case QuoteAccept:
		return QuoteAccepted
	case QuoteDecline:
		return QuoteDeclined
	case QuoteRequestChanges:
		return QuoteChangesRequested
	case QuoteWithdraw:
		return QuoteWithdrawn
	case QuoteCancel:
		return QuoteCancelled
	case QuoteExpire:
		return QuoteExpired
	case QuoteOrderPlaced:
		return QuoteOrdered
	}
	return s
}
