package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/order"
)

// Return is a return (RMA) of an order: what the buyer asked to send back and
// why, where it stands, how the goods came back, and what it credits.
type Return struct {
	// ID names the return in ops' routes and in a warehouse's return.received.
	ID     uuid.UUID `json:"id"`
	Number int       `json:"number"`
	// Status is requested, approved, rejected or received.
	Status  string       `json:"status"`
	Lines   []ReturnLine `json:"lines"`
	Comment string       `json:"comment,omitempty"`
	// Credit is the returned units' share of what was invoiced, fixed when
	// ops approve the return (zero before, and for a rejected one).
	Credit Money `json:"credit"`
}

// ReturnLine is units of one SKU in a return, why they go back and, once
// received, how they came back (restock or write_off).
type ReturnLine struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Reason    string `json:"reason"`
	Condition string `json:"condition,omitempty"`
}

// CreditNote is what a received return credits the company: it settles the
// order's open invoices.
type CreditNote struct {
	Number   string    `json:"number"`
	ReturnID uuid.UUID `json:"return_id,omitempty"`
	Amount   Money     `json:"amount"`
	IssuedAt time.Time `json:"issued_at"`
}

// orderReturns reads an order's returns with their lines, by number, and its
// credit notes.
func (s *Server) orderReturns(ctx context.Context, orderID uuid.UUID, currency string) ([]Return, []CreditNote, error) {
	rows, err := s.q.ReturnListByOrder(ctx, orderID)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	lines, err := s.q.ReturnLineListByOrder(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	byReturn := map[uuid.UUID][]ReturnLine{}
	for _, l := range lines {
		byReturn[l.ReturnID] = append(byReturn[l.ReturnID], ReturnLine{SKU: l.Sku, Quantity: l.Quantity, Reason: l.Reason, Condition: l.Condition})
	}
	returns := make([]Return, len(rows))
	for i, r := range rows {
		returns[i] = Return{ID: r.ID, Number: int(r.Number), Status: r.Status, Lines: byReturn[r.ID], Comment: r.Comment,
			Credit: Money{Amount: r.Credit, Currency: currency}}
	}
	notes, err := s.q.CreditNoteListByOrder(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	var credits []CreditNote
	for _, n := range notes {
		credits = append(credits, CreditNote{Number: n.Number, ReturnID: n.ReturnID.UUID,
			Amount: Money{Amount: n.Amount, Currency: n.Currency}, IssuedAt: n.IssuedAt.UTC()})
	}
	return returns, credits, nil
}

type returnLineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason"`
}

type requestReturnRequest struct {
	Lines []returnLineRequest `json:"lines"`
}

// returnIDFor derives a return's ID from who asks for it and their
// Idempotency-Key, so a retried request asks once and answers the same
// return.
func returnIDFor(p Principal, key string) uuid.UUID {
	return uuid.NewSHA1(returnNamespace, []byte(p.ID.String()+"\x00"+key))
}

var returnNamespace = uuid.MustParse("5e7a1c0b-2d4f-4a8e-b6c3-9d0e1f2a3b4c")

// requestReturn asks to return delivered units of an order, each with a
// reason, within the company's return window: the buyer who placed it, a
// company admin of its company, or ops. The order's workflow checks the
// quantities (delivered, not returned nor asked for already) and the window.
func (s *Server) requestReturn(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req requestReturnRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if len(req.Lines) == 0 {
		RespondError(c, FieldError("lines", "lines is required: at least one {sku, quantity, reason}"))
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	o, err := s.q.OrderGetInCompany(ctx, db.OrderGetInCompanyParams{ID: id, CompanyID: p.CompanyID, AllCompanies: p.SeesAllCompanies()})
	if err != nil {
		RespondError(c, err)
		return
	}
	if !commerce.CanCancelOrder(p.Role, o.CustomerID == p.ID, o.CompanyID == p.CompanyID) {
		RespondError(c, newError(http.StatusForbidden, string(commerce.CodeNotAllowed),
			"only the buyer who placed the order, a company admin of its company or ops may ask to return its goods"))
		return
	}
	key := c.GetHeader(idempotencyHeader)
	if key == "" {
		key = uuid.NewString()
	}
	returnID := returnIDFor(p, key)
	lines := make([]order.ReturnLine, len(req.Lines))
	for i, l := range req.Lines {
		lines[i] = order.ReturnLine{SKU: l.SKU, Quantity: l.Quantity, Reason: l.Reason}
	}
	in := order.ReturnRequestInput{Actor: actorOf(p), ReturnID: returnID, Lines: lines}
	if _, err := order.Update(ctx, s.temporal, o.ID, order.RequestReturnUpdate, "return/"+returnID.String(), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	c.Header("Location", "/v1/orders/"+o.ID.String())
	s.respondOrder(c, http.StatusCreated, p, o.ID)
}

// actorOf is the caller, as an order's workflow knows who acts on it.
func actorOf(p Principal) order.Actor {
	return order.Actor{ID: p.ID, Role: p.Role, CompanyID: p.CompanyID}
}

type returnDecisionRequest struct {
	Comment string `json:"comment"`
}

// approveReturn accepts a return request: its units count as returned and
// its credit is fixed (the returned units' share of what was invoiced).
func (s *Server) approveReturn(c *gin.Context) { s.decideReturn(c, true) }

// rejectReturn refuses a return request; the comment (required) tells the
// buyer why.
func (s *Server) rejectReturn(c *gin.Context) { s.decideReturn(c, false) }

func (s *Server) decideReturn(c *gin.Context, approve bool) {
	orderID, returnID, ok := s.orderReturnPath(c)
	if !ok {
		return
	}
	var req returnDecisionRequest
	if err := BindJSON(c, &req, approve); err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	action := "reject-return/"
	if approve {
		action = "approve-return/"
	}
	in := order.ReturnDecisionInput{Actor: actorOf(p), ReturnID: returnID, Approve: approve, Comment: req.Comment}
	if _, err := order.Update(ctx, s.temporal, orderID, order.DecideReturnUpdate, actionID(c, action+returnID.String(), p), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusOK, p, orderID)
}

// orderReturnPath reads the order and the return a route names, and answers
// 404 when the return is not the order's.
func (s *Server) orderReturnPath(c *gin.Context) (orderID, returnID uuid.UUID, ok bool) {
	orderID, err := PathUUID(c, "order_id")
	if err == nil {
		returnID, err = PathUUID(c, "return_id")
	}
	if err != nil {
		RespondError(c, err)
		return uuid.Nil, uuid.Nil, false
	}
	returns, err := s.q.ReturnListByOrder(c.Request.Context(), orderID)
	if err != nil {
		RespondError(c, err)
		return uuid.Nil, uuid.Nil, false
	}
	for _, r := range returns {
		if r.ID == returnID {
			return orderID, returnID, true
		}
	}
	RespondError(c, ErrNotFound) // no such order, or another order's return
	return uuid.Nil, uuid.Nil, false
}

type receivedLineRequest struct {
	SKU       string `json:"sku"`
	Condition string `json:"condition"`
}

type receiveReturnRequest struct {
	// Lines say how SKUs came back; a SKU not named is restocked.
	Lines []receivedLineRequest `json:"lines"`
	// ReceivedAt is RFC 3339; now when absent.
	ReceivedAt *string `json:"received_at"`
}

// receiveReturn records an approved return's goods received (ops, for a
// merchant without a warehouse posting return.received): restocked units go
// back on hand, written-off ones do not, and the return's credit note
// settles the order's open invoices. Recording it again changes nothing.
func (s *Server) receiveReturn(c *gin.Context) {
	orderID, returnID, ok := s.orderReturnPath(c)
	if !ok {
		return
	}
	var req receiveReturnRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	receivedAt, err := optionalTime("received_at", req.ReceivedAt)
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	lines := make([]order.ReceivedLine, len(req.Lines))
	for i, l := range req.Lines {
		lines[i] = order.ReceivedLine{SKU: l.SKU, Condition: l.Condition}
	}
	in := order.ReturnReceiptInput{ReturnID: returnID, Lines: lines, ReceivedAt: receivedAt, Source: "ops:" + p.ID.String()}
	if _, err := order.Update(ctx, s.temporal, orderID, order.ReceiveReturnUpdate, "ops/return-receipt/"+returnID.String(), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusOK, p, orderID)
}

type recordPaymentRequest struct {
	// Amount is in minor units of the order's currency.
	Amount *int64 `json:"amount"`
	Ref    string `json:"ref"`
}

// recordPayment records a payment of an order's invoices (ops; later the
// ERP): it settles them, oldest first, which gives the company's credit back.
// More than the order still owes (invoiced − credited − paid) is refused.
func (s *Server) recordPayment(c *gin.Context) {
	id, err := PathUUID(c, "order_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	var req recordPaymentRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	if req.Amount == nil {
		RespondError(c, FieldError("amount", "amount is required: minor units of the order's currency"))
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	if _, err := s.q.OrderGet(ctx, id); err != nil {
		RespondError(c, err)
		return
	}
	in := order.PaymentInput{Actor: actorOf(p), Amount: *req.Amount, Ref: req.Ref}
	if _, err := order.Update(ctx, s.temporal, id, order.RecordPaymentUpdate, actionID(c, "payment", p), in); err != nil {
		RespondError(c, orderRefusal(err))
		return
	}
	s.respondOrder(c, http.StatusCreated, p, id)
}
