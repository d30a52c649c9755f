package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/pricing"
	"github.com/orderflow/orderflow/workflows/quote"
)

// quoteLineRequest is one line a buyer asks a quote for.
type quoteLineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// createQuoteRequest asks for a quote on an open cart of the caller's or on a
// list of lines (exactly one of the two).
type createQuoteRequest struct {
	CartID      *string            `json:"cart_id"`
	Lines       []quoteLineRequest `json:"lines"`
	Message     string             `json:"message"`
	TargetTotal *int64             `json:"target_total"`
}

// createQuote starts a quote's workflow with the buyer's request and answers
// the quote once the request is recorded. The quote's ID comes from the
// Idempotency-Key, so a retried request finds the quote it made.
func (s *Server) createQuote(c *gin.Context) {
	var req createQuoteRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	p := principal(c)
	in := quote.Input{CompanyID: p.CompanyID, CustomerID: p.ID, Currency: p.Currency, Message: req.Message, TargetTotal: req.TargetTotal}
	lines, err := s.quoteRequestLines(ctx, p, req, &in)
	if err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteRequest(lines, req.Message, req.TargetTotal); err != nil {
		RespondError(c, err)
		return
	}
	if err := requirePricedProducts(ctx, s.q, in.CompanyID, in.Currency, lines); err != nil {
		RespondError(c, err)
		return
	}
	in.QuoteID = quote.QuoteIDFor(p.ID, c.GetHeader(idempotencyHeader))
	// A retry whose first answer was lost (the server died before storing it)
	// finds the quote the first attempt made.
	if existing, err := s.q.QuoteGet(ctx, in.QuoteID); err == nil && existing.CustomerID == p.ID {
		s.respondQuote(c, http.StatusCreated, existing)
		return
	}
	who := p.Name
	if company, err := s.q.CompanyGet(ctx, p.CompanyID); err == nil {
		who = company.Name
	}
	summary := fmt.Sprintf("Quote · %s · %d lines · %s", who, len(lines), in.Currency)
	if _, err := quote.Start(ctx, s.temporal, in, summary); err != nil {
		RespondError(c, quoteRefusal(err))
		return
	}
	row, err := s.q.QuoteGet(ctx, in.QuoteID)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/quotes/"+row.ID.String())
	s.respondQuote(c, http.StatusCreated, row)
}

// quoteRequestLines are the lines a request asks a quote for: its own, or
// those of the caller's open cart (read here for validation only; the
// workflow reads them again under the cart's lock and freezes the cart).
func (s *Server) quoteRequestLines(ctx context.Context, p Principal, req createQuoteRequest, in *quote.Input) ([]commerce.CartLine, error) {
	switch {
	case req.CartID != nil && req.Lines != nil:
		return nil, FieldError("lines", "give cart_id or lines, not both")
	case req.CartID == nil && req.Lines == nil:
		return nil, FieldError("lines", "cart_id or lines is required")
	case req.Lines != nil:
		lines := make([]commerce.CartLine, len(req.Lines))
		for i, l := range req.Lines {
			lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
		}
		in.Lines = lines
		return lines, nil
	}
	id, err := uuid.Parse(*req.CartID)
	if err != nil {
		return nil, FieldError("cart_id", "cart_id must be a UUID")
	}
	// Another company's cart, a colleague's, or one that is not open all get
	// the same answer, so cart IDs of others do not leak.
	notOpen := commerce.Reject(commerce.CodeCartNotOpen, "cart_id is not an open cart of yours")
	cart, err := s.q.CartGetInCompany(ctx, db.CartGetInCompanyParams{ID: id, CompanyID: p.CompanyID})
	switch {
	case db.IsNotFound(err):
		return nil, notOpen
	case err != nil:
		return nil, err
	case cart.CustomerID != p.ID || cart.Status != string(commerce.CartOpen) || cart.QuoteID.Valid,
		commerce.CheckBuyerMayTake(cart.BuiltByStaffID.Valid, cart.SentAt != nil) != nil: // a sales rep still prepares it
		return nil, notOpen
	}
	rows, err := s.q.CartLineListByCart(ctx, cart.ID)
	if err != nil {
		return nil, err
	}
	lines, _ := pricing.CommerceLines(rows)
	if len(lines) == 0 {
		return nil, commerce.Reject(commerce.CodeEmptyCart, "the cart has no lines to quote")
	}
	in.SourceCartID, in.Currency = cart.ID, cart.Currency
	return lines, nil
}

// requirePricedProducts refuses, naming the SKU, a line whose product does
// not exist for the company (or is outside its assortment) or is not sold in
// currency: a quote for it could never be offered; and a line against the
// company's quantity rule for the SKU.
func requirePricedProducts(ctx context.Context, q *db.Queries, companyID uuid.UUID, currency string, lines []commerce.CartLine) error {
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	catalog, err := pricing.Catalog(ctx, q, companyID, currency, skus)
	if err != nil {
		return err
	}
	for _, sku := range skus {
		entry, ok := catalog[sku]
		switch {
		case !ok:
			return commerce.RejectSKU(commerce.CodeUnknownSKU, sku, "no product has SKU "+sku)
		case !entry.Priced:
			return commerce.RejectSKU(commerce.CodeNotPriced, sku, fmt.Sprintf("%s is not sold in %s", sku, currency))
		}
	}
	// The company's quantity rules, read with the catalogue.
	return commerce.CheckQuantityRules(lines, pricing.RulesOf(catalog))
}

// listQuotes pages through the caller's company's quotes, oldest first,
// optionally of one ?status=.
func (s *Server) listQuotes(c *gin.Context) {
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	status, err := quoteStatusFilter(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	rows, err := s.q.QuoteListByCompany(c.Request.Context(), db.QuoteListByCompanyParams{
		CompanyID: principal(c).CompanyID, Status: status, AfterCreatedAt: page.AfterAt, AfterID: page.AfterID, RowLimit: page.RowLimit(),
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	var out QuotePage
	out.Quotes, out.NextCursor = PageOf(page, rows, func(q db.Quote) (time.Time, uuid.UUID) { return q.CreatedAt, q.ID }, quoteSummaryOf)
	c.JSON(http.StatusOK, out)
}

// quoteStatusFilter reads ?status=, refusing a status quotes never have
// rather than matching nothing.
func quoteStatusFilter(c *gin.Context) (string, error) {
	v := c.Query("status")
	if v != "" && !commerce.QuoteStatus(v).Valid() {
		return "", FieldError("status", fmt.Sprintf("status must be one of %v", commerce.QuoteStatuses))
	}
	return v, nil
}

// getQuote shows a quote of the caller's company (any quote to ops).
func (s *Server) getQuote(c *gin.Context) {
	q, err := s.visibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.respondQuote(c, http.StatusOK, q)
}

// visibleQuote reads the quote in the path if the caller's company's (ops:
// any); another company's quote is not found, like one that does not exist.
func (s *Server) visibleQuote(c *gin.Context) (db.Quote, error) {
	id, err := PathUUID(c, "quote_id")
	if err != nil {
		return db.Quote{}, err
	}
	p := principal(c)
	return s.q.QuoteGetInCompany(c.Request.Context(), db.QuoteGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
}

// respondQuote answers the quote as the caller sees it.
func (s *Server) respondQuote(c *gin.Context, status int, q db.Quote) {
	r, err := readQuote(c.Request.Context(), s.q, q)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(status, buyerQuoteView(r, principal(c)))
}

type quoteMessageRequest struct {
	Body string `json:"body"`
}

// postBuyerQuoteMessage writes a buyer's message on a quote of their company.
func (s *Server) postBuyerQuoteMessage(c *gin.Context) {
	q, err := s.visibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.postQuoteMessage(c, q)
}

// postQuoteMessage writes a message on the quote. Messages change no state,
// so they go straight to the projection, not through the workflow; the
// Idempotency-Key (or a fresh ID) makes a retried request add it once.
func (s *Server) postQuoteMessage(c *gin.Context, q db.Quote) {
	var req quoteMessageRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteText("body", req.Body, commerce.MaxQuoteTextBytes, true); err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	parties := commerce.QuoteParties{CompanyID: q.CompanyID.String(), RequesterID: q.CustomerID.String()}
	if q.AssigneeID.Valid {
		parties.AssigneeID = q.AssigneeID.UUID.String()
	}
	if err := commerce.CheckQuoteAction(commerce.QuoteMessage, commerce.QuoteStatus(q.Status), parties, quoteActorOf(p)); err != nil {
		RespondError(c, quoteRefusal(err))
		return
	}
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		key = uuid.NewString()
	}
	dedup := fmt.Sprintf("quote/%s/message/%s/%s", q.ID, p.ID, key)
	author := timelineActorOf(p)
	ctx := c.Request.Context()
	var msg db.QuoteMessage
	err := db.InTx(ctx, s.pool, func(tx *db.Queries) error {
		var err error
		if msg, err = tx.QuoteMessageCreate(ctx, db.QuoteMessageCreateParams{
			QuoteID: q.ID, Author: author, AuthorName: p.Name, Body: req.Body, DedupKey: dedup,
		}); err != nil {
			return err
		}
		return tx.QuoteEventCreate(ctx, db.QuoteEventCreateParams{
			QuoteID: q.ID, Kind: "message", Actor: author, Detail: req.Body, DedupKey: dedup,
		})
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, QuoteMessage{ID: msg.ID, Author: msg.Author, AuthorName: msg.AuthorName, Body: msg.Body, CreatedAt: msg.CreatedAt.UTC()})
}

// timelineActorOf names the caller as the quote's timeline does.
func timelineActorOf(p Principal) string {
	if p.Role.CompanySide() {
		return "customer:" + p.ID.String()
	}
	return "staff:" + p.ID.String()
}

type acceptQuoteRequest struct {
	Revision *int `json:"revision"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type changesRequest struct {
	Message string `json:"message"`
}

// acceptQuote accepts the revision on offer, named so that an offer that
// changed since the buyer read it is refused (409 stale_revision).
func (s *Server) acceptQuote(c *gin.Context) {
	var req acceptQuoteRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if req.Revision == nil || *req.Revision < 1 {
		RespondError(c, FieldError("revision", "revision is required: the number of the revision on offer"))
		return
	}
	s.updateBuyerQuote(c, quote.AcceptUpdate, func(a quote.Actor) any { return quote.AcceptInput{Actor: a, Revision: *req.Revision} })
}

// declineQuote declines the offer, with an optional reason.
func (s *Server) declineQuote(c *gin.Context) {
	var req reasonRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteText("reason", req.Reason, commerce.MaxQuoteTextBytes, false); err != nil {
		RespondError(c, err)
		return
	}
	s.updateBuyerQuote(c, quote.DeclineUpdate, func(a quote.Actor) any { return quote.ReasonInput{Actor: a, Reason: req.Reason} })
}

// requestQuoteChanges asks the sales rep for another revision.
func (s *Server) requestQuoteChanges(c *gin.Context) {
	var req changesRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if err := commerce.ValidateQuoteText("message", req.Message, commerce.MaxQuoteTextBytes, true); err != nil {
		RespondError(c, err)
		return
	}
	s.updateBuyerQuote(c, quote.RequestChangesUpdate, func(a quote.Actor) any { return quote.ReasonInput{Actor: a, Reason: req.Message} })
}

// withdrawQuote takes the request back before acceptance.
func (s *Server) withdrawQuote(c *gin.Context) {
	s.updateBuyerQuote(c, quote.WithdrawUpdate, func(a quote.Actor) any { return quote.ActorInput{Actor: a} })
}

// retryQuoteOrder runs the accepted quote's checkout again after it refused.
func (s *Server) retryQuoteOrder(c *gin.Context) {
	s.updateBuyerQuote(c, quote.RetryOrderUpdate, func(a quote.Actor) any { return quote.ActorInput{Actor: a} })
}

// updateBuyerQuote sends a buyer's action to a quote of their company and
// answers the quote afterwards.
func (s *Server) updateBuyerQuote(c *gin.Context, update string, arg func(quote.Actor) any) {
	q, err := s.visibleQuote(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	if q, err = s.updateQuote(c, q, update, arg); err != nil {
		RespondError(c, err)
		return
	}
	s.respondQuote(c, http.StatusOK, q)
}

// updateQuote sends the caller's action to the quote's workflow, whose
// validator refuses what the caller may not do before anything is recorded,
// and reads the quote back once the action is carried out.
func (s *Server) updateQuote(c *gin.Context, q db.Quote, update string, arg func(quote.Actor) any) (db.Quote, error) {
	ctx := c.Request.Context()
	p := principal(c)
	actor := quote.Actor{ID: p.ID, Role: p.Role, CompanyID: p.CompanyID, Name: p.Name}
	if _, err := quote.Update(ctx, s.temporal, q.ID, update, arg(actor)); err != nil {
		var gone *serviceerror.NotFound
		if errors.As(err, &gone) {
			// The workflow has ended: the quote is final, and only messages
			// may still be written.
			return q, commerce.Reject(commerce.CodeQuoteState, fmt.Sprintf("the quote is %s; nothing more can be done with it", q.Status))
		}
		return q, quoteRefusal(err)
	}
	return s.q.QuoteGet(ctx, q.ID)
}

// quoteRefusal turns a quote workflow's refusal into its answer: bad input is
// a 422 naming the field, a business refusal keeps its code (updateRefusal).
func quoteRefusal(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == quote.FieldRefusalType && appErr.HasDetails() {
		var fe commerce.FieldError
		if appErr.Details(&fe) == nil && fe.Field != "" {
			return FieldError(fe.Field, fe.Field+" "+fe.Message)
		}
	}
	return updateRefusal(err)
}
