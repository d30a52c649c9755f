// Package quotes holds the quote negotiation's activities: the quote projection
// (quote, revisions, timeline) in Postgres, the cart an accepted quote checks
// out, and the notifications that tell buyers and sales staff what happened.
// Every activity is idempotent: keyed by the quote, its revision and the
// workflow's step number, never by a value made up per attempt.
package quotes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/notify"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
)

// Activities are the quote activities.
type Activities struct {
	DB *pgxpool.Pool
}

// Actor is who did something to a quote, as the timeline names them.
type Actor struct {
	ID   uuid.UUID     `json:"id"`
	Role commerce.Role `json:"role"` // "" for the system (timers, checkout's outcome)
	Name string        `json:"name,omitempty"`
}

// timelineActor is how the timeline writes an actor: "customer:<id>",
// "staff:<id>" or "system:quote".
func (a Actor) timelineActor() string {
	switch {
	case a.Role == "":
		return "system:quote"
	case a.Role.CompanySide():
		return "customer:" + a.ID.String()
	default:
		return "staff:" + a.ID.String()
	}
}

// Step numbers one change of a quote: the workflow counts them, so a retried
// activity writes its timeline event and notifications once.
type Step struct {
	QuoteID uuid.UUID `json:"quote_id"`
	Seq     int       `json:"seq"`
}

func (s Step) dedup(what string) string { return fmt.Sprintf("quote/%s/%d/%s", s.QuoteID, s.Seq, what) }

// event appends to the quote's timeline, once per step and kind.
func event(ctx context.Context, q *db.Queries, s Step, kind string, a Actor, detail string) error {
	return q.QuoteEventCreate(ctx, db.QuoteEventCreateParams{
		QuoteID: s.QuoteID, Kind: kind, Actor: a.timelineActor(), Detail: detail, DedupKey: s.dedup(kind),
	})
}

// OpenQuoteInput is a buyer's request for a quote. With SourceCartID the lines
// are the cart's (read under its lock, so they cannot change meanwhile), and the
// cart is frozen while the quote runs; otherwise Lines.
type OpenQuoteInput struct {
	Step         Step                `json:"step"`
	CompanyID    uuid.UUID           `json:"company_id"`
	CustomerID   uuid.UUID           `json:"customer_id"`
	Currency     string              `json:"currency"`
	SourceCartID uuid.UUID           `json:"source_cart_id,omitempty"`
	Lines        []commerce.CartLine `json:"lines,omitempty"`
	Message      string              `json:"message"`
	TargetTotal  *int64              `json:"target_total,omitempty"`
}

// OpenQuoteResult is the quote as recorded.
type OpenQuoteResult struct {
	// AssigneeID is the company's account sales rep, uuid.Nil when the quote
	// waits in the queue.
	AssigneeID uuid.UUID `json:"assignee_id"`
}

// OpenQuote records the request (quote, requested lines, frozen cart, timeline)
// and tells the account sales rep, or the sales managers when the company has
// none. A cart that is no longer the buyer's open cart refuses the request.
func (a *Activities) OpenQuote(ctx context.Context, in OpenQuoteInput) (OpenQuoteResult, error) {
	var out OpenQuoteResult
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		out = OpenQuoteResult{}
		if existing, err := q.QuoteGet(ctx, in.Step.QuoteID); err == nil {
			out.AssigneeID = existing.AssigneeID.UUID // recorded by an earlier try
			return nil
		} else if !db.IsNotFound(err) {
			return err
		}
		company, err := q.CompanyGet(ctx, in.CompanyID)
		if err != nil {
			return err
		}
		lines := in.Lines
		source := uuid.NullUUID{UUID: in.SourceCartID, Valid: in.SourceCartID != uuid.Nil}
		if source.Valid {
			if lines, err = quoteCartLines(ctx, q, in); err != nil {
				return err
			}
		}
		out.AssigneeID = company.SalesRepID.UUID
		if _, err := q.QuoteCreate(ctx, db.QuoteCreateParams{
			ID: in.Step.QuoteID, CompanyID: in.CompanyID, CustomerID: in.CustomerID, Currency: in.Currency,
			AssigneeID: company.SalesRepID, SourceCartID: source, Message: in.Message, TargetTotal: nullInt64(in.TargetTotal),
		}); err != nil {
			return err
		}
		if source.Valid {
			if n, err := q.CartQuote(ctx, db.CartQuoteParams{ID: in.SourceCartID, CustomerID: in.CustomerID,
				QuoteID: uuid.NullUUID{UUID: in.Step.QuoteID, Valid: true}}); err != nil || n == 0 {
				return cmpErr(err, commerce.Reject(commerce.CodeCartNotOpen, "the cart is no longer open"))
			}
		}
		req := db.QuoteRequestLineCreateManyParams{QuoteID: in.Step.QuoteID}
		for i, l := range lines {
			req.LineNos = append(req.LineNos, int32(i+1))
			req.Skus = append(req.Skus, l.SKU)
			req.Quantities = append(req.Quantities, int32(l.Quantity))
		}
		if err := q.QuoteRequestLineCreateMany(ctx, req); err != nil {
			return err
		}
		detail := fmt.Sprintf("quote requested: %d lines", len(lines))
		if in.Message != "" {
			detail += ": " + in.Message
		}
		buyer := Actor{ID: in.CustomerID, Role: commerce.RoleBuyer}
		if err := event(ctx, q, in.Step, "quote_requested", buyer, detail); err != nil {
			return err
		}
		return a.tellSales(ctx, q, in.Step, in.CompanyID, company.SalesRepID.UUID, "quote_requested",
			fmt.Sprintf("%s asks for a quote", company.Name), detail)
	})
	return out, activities.Classify(err)
}

// quoteCartLines locks the buyer's open cart the quote is requested from and
// reads its lines.
func quoteCartLines(ctx context.Context, q *db.Queries, in OpenQuoteInput) ([]commerce.CartLine, error) {
	cart, err := q.CartLock(ctx, in.SourceCartID)
	if db.IsNotFound(err) || (err == nil && (cart.CustomerID != in.CustomerID || cart.Status != string(commerce.CartOpen))) {
		return nil, commerce.Reject(commerce.CodeCartNotOpen, "the cart is not the buyer's open cart")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.CartLineListByCart(ctx, cart.ID)
	if err != nil {
		return nil, err
	}
	lines, _ := pricing.CommerceLines(rows)
	if len(lines) == 0 {
		return nil, commerce.Reject(commerce.CodeEmptyCart, "the cart has no lines")
	}
	return lines, nil
}

// tellSales notifies the quote's sales rep, or every sales manager when the
// quote has none (the queue).
func (a *Activities) tellSales(ctx context.Context, q *db.Queries, s Step, companyID, assigneeID uuid.UUID, kind, subject, body string) error {
	m := notify.Message{DedupKey: s.dedup(kind + "/sales"), Kind: kind, CompanyID: companyID, Subject: subject, Body: body}
	if assigneeID != uuid.Nil {
		m.StaffID = assigneeID
	} else {
		m.ToRole = string(commerce.RoleSalesManager)
	}
	return notify.Queue(ctx, q, m)
}

// tellBuyer notifies the employee who requested the quote.
func tellBuyer(ctx context.Context, q *db.Queries, s Step, quote db.Quote, kind, subject, body string) error {
	return notify.Queue(ctx, q, notify.Message{DedupKey: s.dedup(kind + "/buyer"), Kind: kind,
		CompanyID: quote.CompanyID, CustomerID: quote.CustomerID, Subject: subject, Body: body})
}

// AssignQuoteInput gives the quote to a sales rep.
type AssignQuoteInput struct {
	Step       Step      `json:"step"`
	Actor      Actor     `json:"actor"`
	AssigneeID uuid.UUID `json:"assignee_id"`
}

// AssignQuote records who works the quote and tells them.
func (a *Activities) AssignQuote(ctx context.Context, in AssignQuoteInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if err := q.QuoteUpdateAssignee(ctx, db.QuoteUpdateAssigneeParams{ID: quote.ID,
			AssigneeID: uuid.NullUUID{UUID: in.AssigneeID, Valid: true}}); err != nil {
			return err
		}
		kind := "quote_assigned"
		if in.Actor.ID == in.AssigneeID {
			kind = "quote_claimed"
		}
		if err := event(ctx, q, in.Step, kind, in.Actor, "assigned to staff:"+in.AssigneeID.String()); err != nil {
			return err
		}
		if in.Actor.ID == in.AssigneeID {
			return nil
		}
		return notify.Queue(ctx, q, notify.Message{DedupKey: in.Step.dedup("assigned"), Kind: kind,
			CompanyID: quote.CompanyID, StaffID: in.AssigneeID, Subject: "A quote was assigned to you",
			Body: fmt.Sprintf("Quote %s is yours to answer.", quote.ID)})
	})
}

// DraftRevisionInput is a revision as the author drafts it.
type DraftRevisionInput struct {
	Step      Step                         `json:"step"`
	Actor     Actor                        `json:"actor"`
	Revision  int                          `json:"revision"`
	Lines     []commerce.RevisionLineInput `json:"lines"`
	Shipping  int64                        `json:"shipping"`
	ValidDays int                          `json:"valid_days"`
	Note      string                       `json:"note"`
}

// DraftRevisionResult is the draft as priced and judged.
type DraftRevisionResult struct {
	Revision commerce.Revision          `json:"revision"`
	Decision commerce.AuthorityDecision `json:"decision"`
}

// DraftRevision prices the draft against the buyer's list prices and our
// costs, judges it against the author's authority, and saves it as the
// revision's draft (replacing an earlier draft of the same number). A draft
// beyond any authority, or naming an unknown or unpriced product, is refused.
func (a *Activities) DraftRevision(ctx context.Context, in DraftRevisionInput) (DraftRevisionResult, error) {
	var out DraftRevisionResult
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		rev, decision, err := pricing.DraftRevision(ctx, q, quote.CompanyID, quote.Currency, in.Actor.Role,
			in.Lines, in.Shipping, in.ValidDays, in.Note, time.Now())
		if err != nil {
			return err
		}
		out = DraftRevisionResult{Revision: rev, Decision: decision}
		reasons := decision.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		n, err := q.QuoteRevisionPut(ctx, db.QuoteRevisionPutParams{
			QuoteID: quote.ID, Revision: int32(in.Revision), AuthorID: in.Actor.ID, AuthorRole: string(in.Actor.Role),
			Currency: quote.Currency, Shipping: rev.Shipping, Subtotal: rev.Subtotal, Total: rev.Total,
			ValidDays: int32(rev.ValidDays), Note: rev.Note, NeedsManager: decision.NeedsManager, AuthorityReasons: reasons,
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return commerce.Reject(commerce.CodeQuoteState, fmt.Sprintf("revision %d was sent already; it cannot change", in.Revision))
		}
		if err := q.QuoteRevisionLineDeleteByRevision(ctx, db.QuoteRevisionLineDeleteByRevisionParams{
			QuoteID: quote.ID, Revision: int32(in.Revision)}); err != nil {
			return err
		}
		lines := db.QuoteRevisionLineCreateManyParams{QuoteID: quote.ID, Revision: int32(in.Revision)}
		for _, l := range rev.Lines {
			cost := int64(-1)
			if l.CostPrice != nil {
				cost = *l.CostPrice
			}
			lines.LineNos = append(lines.LineNos, int32(l.LineNo))
			lines.Skus = append(lines.Skus, l.SKU)
			lines.Names = append(lines.Names, l.Name)
			lines.Quantities = append(lines.Quantities, int32(l.Quantity))
			lines.ListUnitPrices = append(lines.ListUnitPrices, l.ListUnitPrice)
			lines.UnitPrices = append(lines.UnitPrices, l.UnitPrice)
			lines.CostPrices = append(lines.CostPrices, cost)
			lines.LineTotals = append(lines.LineTotals, l.LineTotal)
		}
		if err := q.QuoteRevisionLineCreateMany(ctx, lines); err != nil {
			return err
		}
		if err := q.QuoteUpdateStatus(ctx, db.QuoteUpdateStatusParams{ID: quote.ID, Status: string(commerce.QuoteDrafting)}); err != nil {
			return err
		}
		return event(ctx, q, in.Step, "revision_drafted", in.Actor, fmt.Sprintf("revision %d drafted: %d lines, total %s",
			in.Revision, len(rev.Lines), commerce.Money{Amount: rev.Total, Currency: quote.Currency}))
	})
	return out, activities.Classify(err)
}

// AwaitManagerInput puts a revision before the sales managers.
type AwaitManagerInput struct {
	Step     Step     `json:"step"`
	Actor    Actor    `json:"actor"`
	Revision int      `json:"revision"`
	Reasons  []string `json:"reasons"`
}

// AwaitManager records that the revision waits for a sales manager and tells
// the managers why.
func (a *Activities) AwaitManager(ctx context.Context, in AwaitManagerInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if _, err := q.QuoteRevisionAwaitManager(ctx, db.QuoteRevisionAwaitManagerParams{
			QuoteID: quote.ID, Revision: int32(in.Revision)}); err != nil {
			return err
		}
		if err := q.QuoteUpdateStatus(ctx, db.QuoteUpdateStatusParams{ID: quote.ID, Status: string(commerce.QuoteAwaitingManager)}); err != nil {
			return err
		}
		reasons := strings.Join(in.Reasons, "; ")
		if err := event(ctx, q, in.Step, "discount_approval_requested", in.Actor,
			fmt.Sprintf("revision %d waits for a sales manager: %s", in.Revision, reasons)); err != nil {
			return err
		}
		return notify.Queue(ctx, q, notify.Message{DedupKey: in.Step.dedup("managers"), Kind: "discount_approval_requested",
			CompanyID: quote.CompanyID, ToRole: string(commerce.RoleSalesManager),
			Subject: fmt.Sprintf("Revision %d of quote %s needs your approval", in.Revision, quote.ID), Body: reasons})
	})
}

// DecideDiscountInput is a sales manager's decision on a revision.
type DecideDiscountInput struct {
	Step     Step   `json:"step"`
	Actor    Actor  `json:"actor"`
	Revision int    `json:"revision"`
	Approve  bool   `json:"approve"`
	Comment  string `json:"comment"`
}

// DecideDiscount records the manager's decision; a rejected revision goes back
// to its author as a draft.
func (a *Activities) DecideDiscount(ctx context.Context, in DecideDiscountInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if _, err := q.QuoteRevisionDecide(ctx, db.QuoteRevisionDecideParams{QuoteID: quote.ID, Revision: int32(in.Revision),
			Approve: in.Approve, DecidedBy: uuid.NullUUID{UUID: in.Actor.ID, Valid: true}, DecisionComment: in.Comment}); err != nil {
			return err
		}
		kind, verb := "discount_approved", "approved"
		if !in.Approve {
			kind, verb = "discount_rejected", "rejected"
			if err := q.QuoteUpdateStatus(ctx, db.QuoteUpdateStatusParams{ID: quote.ID, Status: string(commerce.QuoteDrafting)}); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("revision %d %s", in.Revision, verb)
		if in.Comment != "" {
			detail += ": " + in.Comment
		}
		if err := event(ctx, q, in.Step, kind, in.Actor, detail); err != nil {
			return err
		}
		if !quote.AssigneeID.Valid || quote.AssigneeID.UUID == in.Actor.ID {
			return nil
		}
		return notify.Queue(ctx, q, notify.Message{DedupKey: in.Step.dedup("author"), Kind: kind, CompanyID: quote.CompanyID,
			StaffID: quote.AssigneeID.UUID, Subject: fmt.Sprintf("Discount on quote %s %s", quote.ID, verb), Body: detail})
	})
}

// SendRevisionInput sends a revision to the buyer.
type SendRevisionInput struct {
	Step       Step      `json:"step"`
	Actor      Actor     `json:"actor"`
	Revision   int       `json:"revision"`
	SentAt     time.Time `json:"sent_at"`
	ValidUntil time.Time `json:"valid_until"`
}

// SendRevision makes the revision immutable, puts it on offer until ValidUntil
// and tells the buyer.
func (a *Activities) SendRevision(ctx context.Context, in SendRevisionInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if _, err := q.QuoteRevisionSend(ctx, db.QuoteRevisionSendParams{QuoteID: quote.ID, Revision: int32(in.Revision),
			SentAt: &in.SentAt, ValidUntil: &in.ValidUntil}); err != nil {
			return err
		}
		rev, err := q.QuoteRevisionGet(ctx, db.QuoteRevisionGetParams{QuoteID: quote.ID, Revision: int32(in.Revision)})
		if err != nil {
			return err
		}
		if err := q.QuoteOffer(ctx, db.QuoteOfferParams{ID: quote.ID, Revision: int32(in.Revision),
			Total: pgtype.Int8{Int64: rev.Total, Valid: true}, ValidUntil: &in.ValidUntil}); err != nil {
			return err
		}
		total := commerce.Money{Amount: rev.Total, Currency: rev.Currency}
		detail := fmt.Sprintf("revision %d offered: total %s, valid until %s", in.Revision, total, in.ValidUntil.UTC().Format(time.RFC3339))
		if err := event(ctx, q, in.Step, "revision_offered", in.Actor, detail); err != nil {
			return err
		}
		return tellBuyer(ctx, q, in.Step, quote, "quote_offered", fmt.Sprintf("Your quote: %s", total), detail)
	})
}

// ExtendValidityInput moves the offer's validity.
type ExtendValidityInput struct {
	Step       Step      `json:"step"`
	Actor      Actor     `json:"actor"`
	Revision   int       `json:"revision"`
	ValidUntil time.Time `json:"valid_until"`
}

// ExtendValidity records the new validity (an expired offer is on offer again)
// and tells the buyer.
func (a *Activities) ExtendValidity(ctx context.Context, in ExtendValidityInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if err := q.QuoteRevisionUpdateValidity(ctx, db.QuoteRevisionUpdateValidityParams{QuoteID: quote.ID,
			Revision: int32(in.Revision), ValidUntil: &in.ValidUntil}); err != nil {
			return err
		}
		if err := q.QuoteOffer(ctx, db.QuoteOfferParams{ID: quote.ID, Revision: int32(in.Revision),
			Total: quote.OfferedTotal, ValidUntil: &in.ValidUntil}); err != nil {
			return err
		}
		detail := fmt.Sprintf("revision %d valid until %s", in.Revision, in.ValidUntil.UTC().Format(time.RFC3339))
		if err := event(ctx, q, in.Step, "validity_extended", in.Actor, detail); err != nil {
			return err
		}
		return tellBuyer(ctx, q, in.Step, quote, "quote_validity_extended", "Your quote holds longer", detail)
	})
}

// RemindBuyerInput reminds the buyer of an offer about to expire.
type RemindBuyerInput struct {
	Step       Step      `json:"step"`
	Revision   int       `json:"revision"`
	ValidUntil time.Time `json:"valid_until"`
}

// RemindBuyer queues the reminder, once.
func (a *Activities) RemindBuyer(ctx context.Context, in RemindBuyerInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteGet(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("revision %d expires at %s", in.Revision, in.ValidUntil.UTC().Format(time.RFC3339))
		if err := event(ctx, q, in.Step, "buyer_reminded", Actor{}, detail); err != nil {
			return err
		}
		return tellBuyer(ctx, q, in.Step, quote, "quote_expiring", "Your quote expires soon", detail)
	})
}

// MoveQuoteInput records a transition the workflow made: decline, request
// changes, withdraw, cancel, expire.
type MoveQuoteInput struct {
	Step   Step                 `json:"step"`
	Actor  Actor                `json:"actor"`
	Status commerce.QuoteStatus `json:"status"`
	Kind   string               `json:"kind"`   // the timeline event, e.g. "quote_declined"
	Detail string               `json:"detail"` // the reason or message, if any
	// TellBuyer and TellSales say who hears of it.
	TellBuyer bool `json:"tell_buyer"`
	TellSales bool `json:"tell_sales"`
}

// MoveQuote records the quote's new status and the event, tells whom it
// should, and gives a cart the quote was requested from back to the buyer when
// the quote ends without an order.
func (a *Activities) MoveQuote(ctx context.Context, in MoveQuoteInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		if err := q.QuoteUpdateStatus(ctx, db.QuoteUpdateStatusParams{ID: quote.ID, Status: string(in.Status)}); err != nil {
			return err
		}
		if in.Status.Final() && quote.SourceCartID.Valid {
			if _, err := q.CartReopenFromQuote(ctx, db.CartReopenFromQuoteParams{ID: quote.SourceCartID.UUID,
				QuoteID: uuid.NullUUID{UUID: quote.ID, Valid: true}}); err != nil {
				return err
			}
		}
		if err := event(ctx, q, in.Step, in.Kind, in.Actor, in.Detail); err != nil {
			return err
		}
		subject := fmt.Sprintf("Quote %s: %s", quote.ID, strings.ReplaceAll(string(in.Status), "_", " "))
		if in.TellBuyer {
			if err := tellBuyer(ctx, q, in.Step, quote, in.Kind, subject, in.Detail); err != nil {
				return err
			}
		}
		if in.TellSales {
			return a.tellSales(ctx, q, in.Step, quote.CompanyID, quote.AssigneeID.UUID, in.Kind, subject, in.Detail)
		}
		return nil
	})
}

// AcceptQuoteInput is the buyer's acceptance of the revision on offer.
type AcceptQuoteInput struct {
	Step        Step      `json:"step"`
	Actor       Actor     `json:"actor"`
	Revision    int       `json:"revision"`
	OrderCartID uuid.UUID `json:"order_cart_id"`
}

// AcceptQuote records the acceptance and creates, once, the cart the order is
// checked out from: the revision's lines, sold at its prices (the cart names
// the quote and revision), with the ship-to of the cart the quote came from.
func (a *Activities) AcceptQuote(ctx context.Context, in AcceptQuoteInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		created, err := q.CartCreateForQuote(ctx, db.CartCreateForQuoteParams{
			ID: in.OrderCartID, CompanyID: quote.CompanyID, CustomerID: quote.CustomerID, Currency: quote.Currency,
			QuoteID: uuid.NullUUID{UUID: quote.ID, Valid: true}, QuoteRevision: int32(in.Revision), SourceCartID: quote.SourceCartID,
		})
		if err != nil {
			return err
		}
		if created > 0 {
			lines, err := q.QuoteRevisionLineListByRevision(ctx, db.QuoteRevisionLineListByRevisionParams{
				QuoteID: quote.ID, Revision: int32(in.Revision)})
			if err != nil {
				return err
			}
			cartLines := db.CartLineCreateManyParams{CartID: in.OrderCartID}
			for _, l := range lines {
				cartLines.Skus = append(cartLines.Skus, l.Sku)
				cartLines.Quantities = append(cartLines.Quantities, l.Quantity)
			}
			if err := q.CartLineCreateMany(ctx, cartLines); err != nil {
				return err
			}
		}
		if err := q.QuoteAccept(ctx, db.QuoteAcceptParams{ID: quote.ID,
			OrderCartID: uuid.NullUUID{UUID: in.OrderCartID, Valid: true}}); err != nil {
			return err
		}
		detail := fmt.Sprintf("revision %d accepted", in.Revision)
		if err := event(ctx, q, in.Step, "quote_accepted", in.Actor, detail); err != nil {
			return err
		}
		return a.tellSales(ctx, q, in.Step, quote.CompanyID, quote.AssigneeID.UUID, "quote_accepted",
			fmt.Sprintf("Quote %s was accepted", quote.ID), detail)
	})
}

// RecordOrderInput is how the checkout of an accepted quote ended.
type RecordOrderInput struct {
	Step    Step      `json:"step"`
	OrderID uuid.UUID `json:"order_id,omitempty"` // set when the order was placed
	// Refusal says why checkout refused, when it did: the quote stays
	// accepted, and the buyer may try again.
	Refusal *commerce.Rejection `json:"refusal,omitempty"`
}

// RecordOrder records the order the quote became, or why checkout refused it,
// and tells the buyer and the sales rep.
func (a *Activities) RecordOrder(ctx context.Context, in RecordOrderInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		quote, err := q.QuoteLock(ctx, in.Step.QuoteID)
		if err != nil {
			return err
		}
		kind, detail := "order_placed", "order "+in.OrderID.String()+" placed"
		if in.Refusal != nil {
			kind, detail = "order_refused", fmt.Sprintf("checkout refused: %s: %s", in.Refusal.Code, in.Refusal.Message)
			err = q.QuoteUpdateOrderFailure(ctx, db.QuoteUpdateOrderFailureParams{ID: quote.ID,
				FailureCode: string(in.Refusal.Code), FailureReason: in.Refusal.Message})
		} else {
			err = q.QuoteComplete(ctx, db.QuoteCompleteParams{ID: quote.ID, OrderID: uuid.NullUUID{UUID: in.OrderID, Valid: true}})
		}
		if err != nil {
			return err
		}
		if err := event(ctx, q, in.Step, kind, Actor{}, detail); err != nil {
			return err
		}
		if err := tellBuyer(ctx, q, in.Step, quote, kind, fmt.Sprintf("Quote %s: %s", quote.ID, strings.ReplaceAll(kind, "_", " ")), detail); err != nil {
			return err
		}
		return a.tellSales(ctx, q, in.Step, quote.CompanyID, quote.AssigneeID.UUID, kind,
			fmt.Sprintf("Quote %s: %s", quote.ID, strings.ReplaceAll(kind, "_", " ")), detail)
	})
}

// nullInt64 is an optional amount as Postgres takes it.
func nullInt64(v *int64) pgtype.Int8 {
	if v == nil {
		return pgtype.Int8{}
	}
	return pgtype.Int8{Int64: *v, Valid: true}
}

// cmpErr is err when there is one, else the refusal.
func cmpErr(err error, refusal error) error {
	if err != nil {
		return err
	}
	return refusal
}
