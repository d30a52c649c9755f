package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
	"github.com/orderflow/orderflow/workflows/quote"
)

// salesRoles work the sales desk.
var salesRoles = []commerce.Role{commerce.RoleSalesRep, commerce.RoleSalesManager}

// salesQuoteRoutes lists the sales desk's quote routes: sales reps and sales
// managers only (assign, discount decisions and the list of sales staff to
// assign to: managers only).
func (s *Server) salesQuoteRoutes(v1 gin.IRouter) {
	sales := v1.Group("/sales/quotes", Allow(salesRoles...))
	manager := Allow(commerce.RoleSalesManager)
	sales.GET("", s.listSalesQuotes)
	sales.GET("/:quote_id", s.getSalesQuote)
	sales.POST("/:quote_id/claim", s.Idempotent, s.claimQuote)
	sales.POST("/:quote_id/assign", manager, s.Idempotent, s.assignQuote)
	sales.PUT("/:quote_id/draft", s.Idempotent, s.draftQuote)
	sales.POST("/:quote_id/draft/preview", s.previewDraft)
	sales.POST("/:quote_id/send", s.Idempotent, s.sendQuote)
	sales.POST("/:quote_id/extend-validity", s.Idempotent, s.extendQuoteValidity)
	sales.POST("/:quote_id/approve-discount", manager, s.Idempotent, s.approveQuoteDiscount)
	sales.POST("/:quote_id/reject-discount", manager, s.Idempotent, s.rejectQuoteDiscount)
	sales.POST("/:quote_id/cancel", s.Idempotent, s.cancelQuote)
	sales.POST("/:quote_id/messages", s.Idempotent, s.postSalesQuoteMessage)
	v1.GET("/sales/reps", manager, s.listSalesReps)
}

// SalesRep is a member of the sales staff a quote can be assigned to.
type SalesRep struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Role string    `json:"role"` // sales_rep or sales_manager
}

// SalesRepList is every sales rep and sales manager, by name.
type SalesRepList struct {
	Reps []SalesRep `json:"reps"`
}

// listSalesReps lists whom a sales manager may assign a quote to: every
// sales rep and sales manager, by name. A sales team is small: one answer,
// no pages.
func (s *Server) listSalesReps(c *gin.Context) {
	rows, err := s.q.StaffListSales(c.Request.Context())
	if err != nil {
		RespondError(c, err)
		return
	}
	out := SalesRepList{Reps: make([]SalesRep, 0, len(rows))}
	for _, r := range rows {
		out.Reps = append(out.Reps, SalesRep{ID: r.ID, Name: r.Name, Role: r.Role})
	}
	c.JSON(http.StatusOK, out)
}

// listSalesQuotes pages through the quotes the caller works on, oldest first:
// a rep's own and the unassigned queue, every quote for a manager. Filters:
// ?status=, ?assignee= (a staff ID or "unassigned"), ?company_id=,
// ?expiring_within_days=N (offers whose validity ends within N days).
func (s *Server) listSalesQuotes(c *gin.Context) {
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	params := db.QuoteListForSalesParams{
		AllAssignees: p.Role == commerce.RoleSalesManager, ViewerID: p.ID,
		AfterCreatedAt: page.AfterAt, AfterID: page.AfterID, RowLimit: page.RowLimit(),
	}
	if params.Status, err = quoteStatusFilter(c); err != nil {
		RespondError(c, err)
		return
	}
	switch v := c.Query("assignee"); v {
	case "":
	case "unassigned":
		params.FilterAssignee = true
	default:
		id, err := uuid.Parse(v)
		if err != nil {
			RespondError(c, FieldError("assignee", `assignee must be a staff ID or "unassigned"`))
			return
		}
		params.FilterAssignee, params.AssigneeID = true, uuid.NullUUID{UUID: id, Valid: true}
	}
	if v := c.Query("company_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			RespondError(c, FieldError("company_id", "company_id must be a UUID"))
			return
		}
		params.CompanyID = uuid.NullUUID{UUID: id, Valid: true}
	}
	if v := c.Query("expiring_within_days"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > commerce.MaxQuoteValidDays {
			RespondError(c, FieldError("expiring_within_days", "expiring_within_days must be an integer from 1 to 365"))
			return
		}
		before := time.Now().Add(time.Duration(days) * 24 * time.Hour)
		params.ExpiringBefore = &before
	}
	rows, err := s.q.QuoteListForSales(c.Request.Context(), params)
	if err != nil {
		RespondError(c, err)
		return
	}
	var out SalesQuotePage
	out.Quotes, out.NextCursor = PageOf(page, rows,
		func(r db.QuoteListForSalesRow) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(r db.QuoteListForSalesRow) SalesQuoteSummary {
			return SalesQuoteSummary{QuoteSummary: quoteSummaryOf(db.Quote{
				ID: r.ID, CompanyID: r.CompanyID, CustomerID: r.CustomerID, Currency: r.Currency, Status: r.Status,
				AssigneeID: r.AssigneeID, SourceCartID: r.SourceCartID, Message: r.Message, TargetTotal: r.TargetTotal,
				OfferedRevision: r.OfferedRevision, OfferedTotal: r.OfferedTotal, ValidUntil: r.ValidUntil,
				OrderCartID: r.OrderCartID, OrderID: r.OrderID, OrderFailureCode: r.OrderFailureCode,
				OrderFailureReason: r.OrderFailureReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			}), CompanyName: r.CompanyName}
		})
	c.JSON(http.StatusOK, out)
}

// salesVisibleQuote reads the quote in the path if the caller may work on it:
// a sales manager any, a sales rep those assigned to them and the unassigned
// queue. Any other is not found, like one that does not exist.
func (s *Server) salesVisibleQuote(c *gin.Context) (db.Quote, error) {
	id, err := PathUUID(c, "quote_id")
	if err != nil {
		return db.Quote{}, err
	}
	q, err := s.q.QuoteGet(c.Request.Context(), id)
	if err != nil {
		return db.Quote{}, err
	}
	p := principal(c)
	if p.Role != commerce.RoleSalesManager && q.AssigneeID.Valid && q.AssigneeID.UUID != p.ID {
		return db.Quote{}, ErrNotFound
	}
	return q, nil
}

// getSalesQuote shows a quote as sales see it.
func (s *Server) getSalesQuote(c *gin.Context) {
	q, err := s.salesVisibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.respondSalesQuote(c, q)
}

// respondSalesQuote answers 200 with the sales view of the quote.
func (s *Server) respondSalesQuote(c *gin.Context, q db.Quote) {
	r, err := readQuote(c.Request.Context(), s.q, q)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, salesQuoteView(r, principal(c)))
}

// claimQuote gives an unassigned quote to the caller.
func (s *Server) claimQuote(c *gin.Context) {
	s.updateSalesQuote(c, quote.AssignUpdate, func(a quote.Actor) any { return quote.AssignInput{Actor: a, AssigneeID: a.ID} })
}

type assignQuoteRequest struct {
	SalesRepID string `json:"sales_rep_id"`
}

// assignQuote gives the quote to a sales rep (or manager). The workflow
// cannot see the staff table, so the API checks the assignee exists and
// works in sales.
func (s *Server) assignQuote(c *gin.Context) {
	var req assignQuoteRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	id, err := uuid.Parse(req.SalesRepID)
	if err != nil {
		RespondError(c, FieldError("sales_rep_id", "sales_rep_id must be the UUID of a sales rep"))
		return
	}
	staff, err := s.q.StaffGet(c.Request.Context(), id)
	switch {
	case db.IsNotFound(err):
		RespondError(c, FieldError("sales_rep_id", "sales_rep_id names no staff member"))
		return
	case err != nil:
		RespondError(c, err)
		return
	case staff.Role != string(commerce.RoleSalesRep) && staff.Role != string(commerce.RoleSalesManager):
		RespondError(c, FieldError("sales_rep_id", "sales_rep_id must name a sales rep or a sales manager"))
		return
	}
	s.updateSalesQuote(c, quote.AssignUpdate, func(a quote.Actor) any { return quote.AssignInput{Actor: a, AssigneeID: id} })
}

type draftRequest struct {
	Lines     []commerce.RevisionLineInput `json:"lines"`
	Shipping  int64                        `json:"shipping"`
	ValidDays int                          `json:"valid_days"`
	Note      string                       `json:"note"`
}

// draftOfVisibleQuote reads a draft's body, checks its shape (naming the
// field at fault), and finds the quote it is for among those the caller
// works on: what saving and previewing a draft both start with.
func (s *Server) draftOfVisibleQuote(c *gin.Context) (draftRequest, db.Quote, error) {
	var req draftRequest
	if err := BindJSON(c, &req, false); err != nil {
		return req, db.Quote{}, err
	}
	if err := commerce.ValidateRevisionInput(req.Lines, req.Shipping, req.ValidDays, req.Note); err != nil {
		return req, db.Quote{}, err
	}
	q, err := s.salesVisibleQuote(c)
	return req, q, err
}

// draftQuote saves the draft revision: its shape is checked here, naming the
// field at fault; prices, costs and authority are the workflow's to judge.
func (s *Server) draftQuote(c *gin.Context) {
	req, q, err := s.draftOfVisibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	lines := make([]commerce.CartLine, len(req.Lines))
	for i, l := range req.Lines {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	// The quote's company's catalogue and quantity rules, as for its buyers'
	// carts (the DraftRevision activity checks the rules again, as they are
	// then).
	if err := requirePricedProducts(c.Request.Context(), s.q, q.CompanyID, q.Currency, lines); err != nil {
		RespondError(c, err)
		return
	}
	s.updateVisibleSalesQuote(c, q, quote.DraftUpdate, func(a quote.Actor) any {
		return quote.DraftInput{Actor: a, Lines: req.Lines, Shipping: req.Shipping, ValidDays: req.ValidDays, Note: req.Note}
	})
}

// QuoteAuthorityLimits is how far a role may go without a sales manager, per
// line, in basis points.
type QuoteAuthorityLimits struct {
	MaxDiscountBP int64 `json:"max_discount_bp"`
	MinMarginBP   int64 `json:"min_margin_bp"`
}

// RevisionPreview is a draft priced and judged as saving it would price and
// judge it, without saving it: each line's list price, price, discount, cost
// and margin, the totals, and the caller's authority with the decision.
type RevisionPreview struct {
	Lines            []SalesQuoteLine     `json:"lines"`
	Shipping         Money                `json:"shipping"`
	Subtotal         Money                `json:"subtotal"`
	Total            Money                `json:"total"`
	AuthorRole       string               `json:"author_role"`
	Authority        QuoteAuthorityLimits `json:"authority"`
	NeedsManager     bool                 `json:"needs_manager"`
	AuthorityReasons []string             `json:"authority_reasons"`
}

// previewDraft prices and judges a draft the caller is typing, as PUT draft
// would, and writes nothing: the desk shows margin and discount against the
// rep's authority before the rep saves. A draft beyond a sales manager's
// authority is 422 beyond_authority, as saving it would be.
func (s *Server) previewDraft(c *gin.Context) {
	req, q, err := s.draftOfVisibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	rev, decision, err := pricing.DraftRevision(ctx, s.q, q.CompanyID, q.Currency, p.Role, req.Lines, req.Shipping, req.ValidDays, req.Note, time.Now())
	if err != nil {
		RespondError(c, err)
		return
	}
	authorities, err := pricing.QuoteAuthorities(ctx, s.q)
	if err != nil {
		RespondError(c, err)
		return
	}
	own := authorities[p.Role]
	out := RevisionPreview{
		Shipping: Money{Amount: rev.Shipping, Currency: rev.Currency}, Subtotal: Money{Amount: rev.Subtotal, Currency: rev.Currency},
		Total: Money{Amount: rev.Total, Currency: rev.Currency}, AuthorRole: string(p.Role),
		Authority:    QuoteAuthorityLimits{MaxDiscountBP: own.MaxDiscountBP, MinMarginBP: own.MinMarginBP},
		NeedsManager: decision.NeedsManager, AuthorityReasons: decision.Reasons, Lines: []SalesQuoteLine{},
	}
	if out.AuthorityReasons == nil {
		out.AuthorityReasons = []string{}
	}
	for _, l := range rev.Lines {
		line := SalesQuoteLine{QuoteLine: quoteLineOf(l, rev.Currency), MarginBP: l.MarginBP}
		if l.CostPrice != nil {
			line.CostPrice = &Money{Amount: *l.CostPrice, Currency: rev.Currency}
		}
		out.Lines = append(out.Lines, line)
	}
	c.JSON(http.StatusOK, out)
}

// sendQuote sends the draft: on offer, or to the sales managers when it is
// over its author's authority.
func (s *Server) sendQuote(c *gin.Context) {
	s.updateSalesQuote(c, quote.SendUpdate, func(a quote.Actor) any { return quote.ActorInput{Actor: a} })
}

type extendValidityRequest struct {
	ValidDays int `json:"valid_days"`
}

// extendQuoteValidity holds the offer for valid_days from now (an expired
// offer is on offer again).
func (s *Server) extendQuoteValidity(c *gin.Context) {
	var req extendValidityRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if req.ValidDays < 1 || req.ValidDays > commerce.MaxQuoteValidDays {
		RespondError(c, FieldError("valid_days", "valid_days must be between 1 and 365"))
		return
	}
	s.updateSalesQuote(c, quote.ExtendValidityUpdate, func(a quote.Actor) any {
		return quote.ExtendValidityInput{Actor: a, ValidDays: req.ValidDays}
	})
}

type commentRequest struct {
	Comment string `json:"comment"`
}

func (s *Server) approveQuoteDiscount(c *gin.Context) { s.decideQuoteDiscount(c, true) }
func (s *Server) rejectQuoteDiscount(c *gin.Context)  { s.decideQuoteDiscount(c, false) }

// decideQuoteDiscount records a sales manager's decision on a revision over
// the rep's authority; a rejection must say why.
func (s *Server) decideQuoteDiscount(c *gin.Context, approve bool) {
	var req commentRequest
	if err := BindJSON(c, &req, approve); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteText("comment", req.Comment, commerce.MaxQuoteTextBytes, !approve); err != nil {
		RespondError(c, err)
		return
	}
	s.updateSalesQuote(c, quote.DecideDiscountUpdate, func(a quote.Actor) any {
		return quote.DecideDiscountInput{Actor: a, Approve: approve, Comment: req.Comment}
	})
}

// cancelQuote closes the quote, with a reason for the buyer.
func (s *Server) cancelQuote(c *gin.Context) {
	var req reasonRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteText("reason", req.Reason, commerce.MaxQuoteTextBytes, true); err != nil {
		RespondError(c, err)
		return
	}
	s.updateSalesQuote(c, quote.CancelUpdate, func(a quote.Actor) any { return quote.ReasonInput{Actor: a, Reason: req.Reason} })
}

// postSalesQuoteMessage writes a message of the quote's sales rep or a sales
// manager.
func (s *Server) postSalesQuoteMessage(c *gin.Context) {
	q, err := s.salesVisibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.postQuoteMessage(c, q)
}

// updateSalesQuote sends a sales action to a quote the caller may work on and
// answers the sales view afterwards.
func (s *Server) updateSalesQuote(c *gin.Context, update string, arg func(quote.Actor) any) {
	q, err := s.salesVisibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.updateVisibleSalesQuote(c, q, update, arg)
}

func (s *Server) updateVisibleSalesQuote(c *gin.Context, q db.Quote, update string, arg func(quote.Actor) any) {
	q, err := s.updateQuote(c, q, update, arg)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.respondSalesQuote(c, q)
}
