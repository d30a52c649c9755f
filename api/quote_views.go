package api

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// QuoteAssignee is the sales rep working a quote.
type QuoteAssignee struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// QuoteRequestedLine is a line the buyer asked a quote for.
type QuoteRequestedLine struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity int64  `json:"quantity"`
}

// QuoteLine is a line of a revision as the buyer sees it: the list price,
// the offered price and the discount between them, never our cost.
type QuoteLine struct {
	LineNo        int    `json:"line_no"`
	SKU           string `json:"sku"`
	Name          string `json:"name"`
	Quantity      int64  `json:"quantity"`
	ListUnitPrice Money  `json:"list_unit_price"`
	UnitPrice     Money  `json:"unit_price"`
	LineTotal     Money  `json:"line_total"`
	// DiscountBP is off the list price in basis points (1000 = 10 %),
	// negative when the price is above the list.
	DiscountBP int64 `json:"discount_bp"`
}

// QuoteLineChange is a line on both revisions whose quantity or price moved.
type QuoteLineChange struct {
	SKU           string `json:"sku"`
	FromQuantity  int64  `json:"from_quantity"`
	ToQuantity    int64  `json:"to_quantity"`
	FromUnitPrice Money  `json:"from_unit_price"`
	ToUnitPrice   Money  `json:"to_unit_price"`
}

// QuoteRevisionDiff is what changed from the previous sent revision (the
// first revision shows every line added).
type QuoteRevisionDiff struct {
	Added            []QuoteLine       `json:"added"`
	Removed          []QuoteLine       `json:"removed"`
	Changed          []QuoteLineChange `json:"changed"`
	ShippingChanged  bool              `json:"shipping_changed"`
	ShippingFrom     Money             `json:"shipping_from"`
	ShippingTo       Money             `json:"shipping_to"`
	TotalFrom        Money             `json:"total_from"`
	TotalTo          Money             `json:"total_to"`
	ValidDaysChanged bool              `json:"valid_days_changed"`
}

// QuoteRevision is a sent offer: immutable once sent.
type QuoteRevision struct {
	Number     int               `json:"number"`
	Lines      []QuoteLine       `json:"lines"`
	Shipping   Money             `json:"shipping"`
	Subtotal   Money             `json:"subtotal"`
	Total      Money             `json:"total"`
	ValidDays  int               `json:"valid_days"`
	ValidUntil *time.Time        `json:"valid_until"`
	Note       string            `json:"note"`
	SentAt     *time.Time        `json:"sent_at"`
	Diff       QuoteRevisionDiff `json:"diff"`
}

// QuoteMessage is a message buyer and sales wrote on a quote.
type QuoteMessage struct {
	ID         int64     `json:"id"`
	Author     string    `json:"author"` // "customer:<id>" or "staff:<id>"
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// QuoteEvent is one entry of a quote's timeline: who did what, when.
type QuoteEvent struct {
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
}

// Quote is a quote as its buyers see it: what they asked for, the revisions
// sent to them, the conversation and the timeline, and what the caller may do
// now (allowed_actions, named as commerce.QuoteAction: accept, decline,
// request_changes, withdraw, retry_order, message, …).
type Quote struct {
	ID              uuid.UUID            `json:"id"`
	Status          string               `json:"status"`
	CompanyID       uuid.UUID            `json:"company_id"`
	CustomerID      uuid.UUID            `json:"customer_id"`
	Assignee        *QuoteAssignee       `json:"assignee"`
	Currency        string               `json:"currency"`
	Message         string               `json:"message"`
	TargetTotal     *Money               `json:"target_total"`
	RequestedLines  []QuoteRequestedLine `json:"requested_lines"`
	Revisions       []QuoteRevision      `json:"revisions"`
	OfferedRevision int                  `json:"offered_revision"`
	ValidUntil      *time.Time           `json:"valid_until"`
	OrderID         *uuid.UUID           `json:"order_id"`
	// OrderFailure says why checkout refused the accepted quote; the buyer
	// may retry_order.
	OrderFailure   *Error         `json:"order_failure"`
	Messages       []QuoteMessage `json:"messages"`
	Timeline       []QuoteEvent   `json:"timeline"`
	AllowedActions []string       `json:"allowed_actions"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// SalesQuoteLine is a revision line as sales see it: with our cost and margin.
type SalesQuoteLine struct {
	QuoteLine
	CostPrice *Money `json:"cost_price"`
	// MarginBP is (price - cost) / price in basis points; null without a cost.
	MarginBP *int64 `json:"margin_bp"`
}

// SalesQuoteRevision is any revision, drafts and those waiting for a sales
// manager included, with costs, margins and the authority decision.
type SalesQuoteRevision struct {
	QuoteRevision
	Lines            []SalesQuoteLine `json:"lines"`
	Status           string           `json:"status"` // draft, awaiting_manager or sent
	AuthorID         uuid.UUID        `json:"author_id"`
	AuthorRole       string           `json:"author_role"`
	NeedsManager     bool             `json:"needs_manager"`
	AuthorityReasons []string         `json:"authority_reasons"`
	DecidedBy        *uuid.UUID       `json:"decided_by"`
	DecisionComment  string           `json:"decision_comment"`
}

// SalesQuote is a quote as sales staff see it.
type SalesQuote struct {
	Quote
	CompanyName string               `json:"company_name"`
	Revisions   []SalesQuoteRevision `json:"revisions"`
}

// QuoteSummary is a quote in a list, without lines, revisions and messages.
type QuoteSummary struct {
	ID              uuid.UUID  `json:"id"`
	Status          string     `json:"status"`
	CompanyID       uuid.UUID  `json:"company_id"`
	CustomerID      uuid.UUID  `json:"customer_id"`
	AssigneeID      *uuid.UUID `json:"assignee_id"`
	Currency        string     `json:"currency"`
	OfferedRevision int        `json:"offered_revision"`
	OfferedTotal    *Money     `json:"offered_total"`
	ValidUntil      *time.Time `json:"valid_until"`
	OrderID         *uuid.UUID `json:"order_id"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// QuotePage is one page of quotes, oldest first.
type QuotePage struct {
	Quotes     []QuoteSummary `json:"quotes"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// SalesQuoteSummary is a quote in the sales desk's list.
type SalesQuoteSummary struct {
	QuoteSummary
	CompanyName string `json:"company_name"`
}

// SalesQuotePage is one page of the sales desk's quotes, oldest first.
type SalesQuotePage struct {
	Quotes     []SalesQuoteSummary `json:"quotes"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

func quoteSummaryOf(q db.Quote) QuoteSummary {
	out := QuoteSummary{
		ID: q.ID, Status: q.Status, CompanyID: q.CompanyID, CustomerID: q.CustomerID, Currency: q.Currency,
		OfferedRevision: int(q.OfferedRevision), ValidUntil: utcOrNil(q.ValidUntil),
		CreatedAt: q.CreatedAt.UTC(), UpdatedAt: q.UpdatedAt.UTC(),
	}
	if q.AssigneeID.Valid {
		out.AssigneeID = &q.AssigneeID.UUID
	}
	if q.OfferedTotal.Valid {
		out.OfferedTotal = &Money{Amount: q.OfferedTotal.Int64, Currency: q.Currency}
	}
	if q.OrderID.Valid {
		out.OrderID = &q.OrderID.UUID
	}
	return out
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// quoteRecord is everything stored of one quote, read once and shown to
// buyers (buyerQuoteView) or sales (salesQuoteView).
type quoteRecord struct {
	quote       db.Quote
	companyName string
	assignee    *QuoteAssignee
	requested   []db.QuoteRequestLineListByQuoteRow
	revisions   []db.QuoteRevision
	priced      map[int32]commerce.Revision // by revision number
	messages    []db.QuoteMessage
	events      []db.QuoteEvent
}

// readQuote reads a quote's lines, revisions, messages and timeline.
func readQuote(ctx context.Context, q *db.Queries, quote db.Quote) (quoteRecord, error) {
	r := quoteRecord{quote: quote, priced: map[int32]commerce.Revision{}}
	company, err := q.CompanyGet(ctx, quote.CompanyID)
	if err != nil {
		return r, err
	}
	r.companyName = company.Name
	if quote.AssigneeID.Valid {
		staff, err := q.StaffGet(ctx, quote.AssigneeID.UUID)
		if err != nil {
			return r, err
		}
		r.assignee = &QuoteAssignee{ID: staff.ID, Name: staff.Name}
	}
	if r.requested, err = q.QuoteRequestLineListByQuote(ctx, quote.ID); err != nil {
		return r, err
	}
	if r.revisions, err = q.QuoteRevisionListByQuote(ctx, quote.ID); err != nil {
		return r, err
	}
	lines, err := q.QuoteRevisionLineListByQuote(ctx, quote.ID)
	if err != nil {
		return r, err
	}
	byRevision := map[int32][]db.QuoteRevisionLine{}
	for _, l := range lines {
		byRevision[l.Revision] = append(byRevision[l.Revision], l)
	}
	for _, rev := range r.revisions {
		if r.priced[rev.Revision], err = revisionOf(rev, byRevision[rev.Revision]); err != nil {
			return r, fmt.Errorf("revision %d of quote %s: %w", rev.Revision, quote.ID, err)
		}
	}
	if r.messages, err = q.QuoteMessageListByQuote(ctx, quote.ID); err != nil {
		return r, err
	}
	r.events, err = q.QuoteEventListByQuote(ctx, quote.ID)
	return r, err
}

// revisionOf rebuilds a stored revision with commerce's own pricing, at the
// prices stored, so that discounts and margins are worked out exactly as when
// the revision was drafted (the database keeps prices, not ratios).
func revisionOf(rev db.QuoteRevision, lines []db.QuoteRevisionLine) (commerce.Revision, error) {
	in := make([]commerce.RevisionLineInput, len(lines))
	listed := make(map[string]commerce.ListedProduct, len(lines))
	for i, l := range lines {
		unit := l.UnitPrice
		in[i] = commerce.RevisionLineInput{SKU: l.Sku, Quantity: int64(l.Quantity), UnitPrice: &unit}
		p := commerce.ListedProduct{Name: l.Name, ListUnitPrice: l.ListUnitPrice}
		if l.CostPrice.Valid {
			cost := l.CostPrice.Int64
			p.CostPrice = &cost
		}
		listed[l.Sku] = p
	}
	return commerce.BuildRevision(rev.Currency, in, listed, rev.Shipping, int(rev.ValidDays), rev.Note)
}

// previousSent is the last revision sent before number, nil when there is none.
func (r quoteRecord) previousSent(number int32) *commerce.Revision {
	var prev *commerce.Revision
	for _, rev := range r.revisions {
		if rev.Revision < number && rev.Status == "sent" {
			p := r.priced[rev.Revision]
			prev = &p
		}
	}
	return prev
}

// buyerQuoteView is the quote as viewer (a buyer, or ops) sees it: only sent
// revisions, without costs.
func buyerQuoteView(r quoteRecord, viewer Principal) Quote {
	q := r.quote
	out := Quote{
		ID: q.ID, Status: q.Status, CompanyID: q.CompanyID, CustomerID: q.CustomerID, Assignee: r.assignee,
		Currency: q.Currency, Message: q.Message, RequestedLines: []QuoteRequestedLine{}, Revisions: []QuoteRevision{},
		OfferedRevision: int(q.OfferedRevision), ValidUntil: utcOrNil(q.ValidUntil),
		Messages: []QuoteMessage{}, Timeline: []QuoteEvent{}, AllowedActions: allowedQuoteActions(r, viewer),
		CreatedAt: q.CreatedAt.UTC(), UpdatedAt: q.UpdatedAt.UTC(),
	}
	if q.TargetTotal.Valid {
		out.TargetTotal = &Money{Amount: q.TargetTotal.Int64, Currency: q.Currency}
	}
	if q.OrderID.Valid {
		out.OrderID = &q.OrderID.UUID
	}
	if q.OrderFailureCode != "" {
		out.OrderFailure = &Error{Code: q.OrderFailureCode, Message: q.OrderFailureReason}
	}
	for _, l := range r.requested {
		out.RequestedLines = append(out.RequestedLines, QuoteRequestedLine{SKU: l.Sku, Name: l.Name, Quantity: int64(l.Quantity)})
	}
	for _, rev := range r.revisions {
		if rev.Status == "sent" {
			out.Revisions = append(out.Revisions, r.revisionView(rev))
		}
	}
	for _, m := range r.messages {
		out.Messages = append(out.Messages, QuoteMessage{ID: m.ID, Author: m.Author, AuthorName: m.AuthorName, Body: m.Body, CreatedAt: m.CreatedAt.UTC()})
	}
	for _, e := range r.events {
		out.Timeline = append(out.Timeline, QuoteEvent{Kind: e.Kind, Actor: e.Actor, Detail: e.Detail, At: e.OccurredAt.UTC()})
	}
	return out
}

// salesQuoteView is the quote as sales staff see it: every revision, with
// costs, margins and the authority decision.
func salesQuoteView(r quoteRecord, viewer Principal) SalesQuote {
	out := SalesQuote{Quote: buyerQuoteView(r, viewer), CompanyName: r.companyName, Revisions: []SalesQuoteRevision{}}
	out.Quote.Revisions = nil // shadowed by SalesQuote.Revisions
	for _, rev := range r.revisions {
		priced := r.priced[rev.Revision]
		view := SalesQuoteRevision{
			QuoteRevision: r.revisionView(rev), Lines: make([]SalesQuoteLine, 0, len(priced.Lines)), Status: rev.Status,
			AuthorID: rev.AuthorID, AuthorRole: rev.AuthorRole, NeedsManager: rev.NeedsManager,
			AuthorityReasons: rev.AuthorityReasons, DecisionComment: rev.DecisionComment,
		}
		view.QuoteRevision.Lines = nil // shadowed by view.Lines
		if view.AuthorityReasons == nil {
			view.AuthorityReasons = []string{}
		}
		if rev.DecidedBy.Valid {
			view.DecidedBy = &rev.DecidedBy.UUID
		}
		for _, l := range priced.Lines {
			line := SalesQuoteLine{QuoteLine: quoteLineOf(l, priced.Currency), MarginBP: l.MarginBP}
			if l.CostPrice != nil {
				line.CostPrice = &Money{Amount: *l.CostPrice, Currency: priced.Currency}
			}
			view.Lines = append(view.Lines, line)
		}
		out.Revisions = append(out.Revisions, view)
	}
	return out
}

// revisionView shows one revision to a buyer, with its difference to the
// revision sent before it.
func (r quoteRecord) revisionView(rev db.QuoteRevision) QuoteRevision {
	priced := r.priced[rev.Revision]
	cur := priced.Currency
	m := func(amount int64) Money { return Money{Amount: amount, Currency: cur} }
	out := QuoteRevision{
		Number: int(rev.Revision), Lines: make([]QuoteLine, 0, len(priced.Lines)),
		Shipping: m(priced.Shipping), Subtotal: m(priced.Subtotal), Total: m(priced.Total),
		ValidDays: priced.ValidDays, ValidUntil: utcOrNil(rev.ValidUntil), Note: priced.Note, SentAt: utcOrNil(rev.SentAt),
	}
	for _, l := range priced.Lines {
		out.Lines = append(out.Lines, quoteLineOf(l, cur))
	}
	d := commerce.DiffRevisions(r.previousSent(rev.Revision), priced)
	out.Diff = QuoteRevisionDiff{
		Added: quoteLinesOf(d.Added, cur), Removed: quoteLinesOf(d.Removed, cur), Changed: make([]QuoteLineChange, 0, len(d.Changed)),
		ShippingChanged: d.ShippingChanged, ShippingFrom: m(d.ShippingFrom), ShippingTo: m(d.ShippingTo),
		TotalFrom: m(d.TotalFrom), TotalTo: m(d.TotalTo), ValidDaysChanged: d.ValidDaysChanged,
	}
	for _, c := range d.Changed {
		out.Diff.Changed = append(out.Diff.Changed, QuoteLineChange{SKU: c.SKU, FromQuantity: c.FromQuantity, ToQuantity: c.ToQuantity,
			FromUnitPrice: m(c.FromUnitPrice), ToUnitPrice: m(c.ToUnitPrice)})
	}
	return out
}

// quoteLineOf shows a priced line without its cost and margin.
func quoteLineOf(l commerce.QuotedLine, currency string) QuoteLine {
	return QuoteLine{LineNo: l.LineNo, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
		ListUnitPrice: Money{Amount: l.ListUnitPrice, Currency: currency}, UnitPrice: Money{Amount: l.UnitPrice, Currency: currency},
		LineTotal: Money{Amount: l.LineTotal, Currency: currency}, DiscountBP: l.DiscountBP}
}

func quoteLinesOf(lines []commerce.QuotedLine, currency string) []QuoteLine {
	out := make([]QuoteLine, 0, len(lines))
	for _, l := range lines {
		out = append(out, quoteLineOf(l, currency))
	}
	return out
}

// allowedQuoteActions are the actions viewer may take on the quote now, by
// commerce's transition table, plus what the workflow also requires: a draft
// to send, a refused checkout to retry, and no action but messages while the
// accepted quote's checkout runs.
func allowedQuoteActions(r quoteRecord, viewer Principal) []string {
	q := r.quote
	parties := commerce.QuoteParties{CompanyID: q.CompanyID.String(), RequesterID: q.CustomerID.String()}
	if q.AssigneeID.Valid {
		parties.AssigneeID = q.AssigneeID.UUID.String()
	}
	actor := quoteActorOf(viewer)
	hasDraft := len(r.revisions) > 0 && r.revisions[len(r.revisions)-1].Status == "draft"
	ordering := commerce.QuoteStatus(q.Status) == commerce.QuoteAccepted && q.OrderFailureCode == ""
	out := []string{}
	for _, a := range commerce.QuoteActions {
		switch {
		case a == commerce.QuoteExpire || a == commerce.QuoteOrderPlaced: // the system's
			continue
		case a == commerce.QuoteSend && !hasDraft,
			a == commerce.QuoteRetryOrder && q.OrderFailureCode == "",
			ordering && a != commerce.QuoteMessage:
			continue
		}
		if commerce.CheckQuoteAction(a, commerce.QuoteStatus(q.Status), parties, actor) == nil {
			out = append(out, string(a))
		}
	}
	return out
}

// quoteActorOf is the caller as commerce's transition table knows them.
func quoteActorOf(p Principal) commerce.QuoteActor {
	a := commerce.QuoteActor{ID: p.ID.String(), Role: p.Role}
	if p.CompanyID != uuid.Nil {
		a.CompanyID = p.CompanyID.String()
	}
	return a
}
