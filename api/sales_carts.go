package api

import (
	"context"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// salesCartRoutes lists orders on behalf: a sales rep builds a cart for a
// named buyer of a company they are the account rep of (a sales manager for
// any company), then sends it to the buyer or checks it out in the buyer's
// name when the company allows it. The line and detail changes are the
// buyer's own handlers (the same rules, prices and refusals); only who may
// lock the cart differs (lockCartForChange). Another company's cart, or one
// the buyer opened, is not found.
func (s *Server) salesCartRoutes(v1 gin.IRouter) {
	sales := v1.Group("/sales/carts", Allow(salesRoles...))
	sales.POST("", s.Idempotent, s.createSalesCart)
	sales.GET("", s.listSalesCarts)
	sales.GET("/:cart_id", s.getSalesCart)
	sales.PATCH("/:cart_id", s.Idempotent, s.setCartDetails)
	sales.POST("/:cart_id/lines", s.Idempotent, s.addLine)
	sales.POST("/:cart_id/lines/bulk", s.Idempotent, s.addLines)
	sales.PUT("/:cart_id/lines/:sku", s.Idempotent, s.setLine)
	sales.DELETE("/:cart_id/lines/:sku", s.Idempotent, s.removeLine)
	sales.POST("/:cart_id/send", s.Idempotent, s.sendSalesCart)
	sales.POST("/:cart_id/checkout", s.idempotentRefreshed(s.refreshSalesCheckout), s.checkoutSalesCart)
	sales.GET("/:cart_id/checkout", s.salesCheckoutStatus)
}

// worksForAnyCompany tells whether the sales staff member p acts for every
// company's buyers (a sales manager), not only their assigned companies'.
func worksForAnyCompany(p Principal) bool { return commerce.WorksForCompany(p.Role, false) }

// lockCartForChange locks the cart in the path for a change of its lines or
// details, and marks it changed, if the caller may change it: a buyer their
// own cart (not one a sales rep still prepares for them), the sales staff a
// cart they prepare for a buyer of a company they work for.
func lockCartForChange(ctx context.Context, q *db.Queries, p Principal, id uuid.UUID) (db.Cart, error) {
	if p.Role.SellerSide() {
		cart, err := q.CartLockTouchOnBehalf(ctx, db.CartLockTouchOnBehalfParams{ID: id, StaffID: p.ID, AnyCompany: worksForAnyCompany(p)})
		if err != nil {
			return cart, err
		}
		return cart, commerce.CheckStaffMayChange(onBehalfStage(cart, 0))
	}
	cart, err := q.CartLockTouchInCompany(ctx, db.CartLockTouchInCompanyParams{ID: id, CompanyID: p.CompanyID})
	if err != nil {
		return cart, err
	}
	return cart, requireCartOwner(cart, p)
}

func onBehalfStage(cart db.Cart, lines int64) commerce.OnBehalfCart {
	return commerce.OnBehalfCart{Status: commerce.CartStatus(cart.Status), Sent: cart.SentAt != nil, Lines: int(lines)}
}

// salesCart reads the cart in the path if the caller works for its company
// and a member of the sales staff built it; any other is not found.
func (s *Server) salesCart(c *gin.Context) (db.CartGetOnBehalfForStaffRow, error) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		return db.CartGetOnBehalfForStaffRow{}, err
	}
	p := principal(c)
	return s.q.CartGetOnBehalfForStaff(c.Request.Context(), db.CartGetOnBehalfForStaffParams{ID: id, StaffID: p.ID, AnyCompany: worksForAnyCompany(p)})
}

type salesCartRequest struct {
	CompanyID  string `json:"company_id"`
	CustomerID string `json:"customer_id"`
	Currency   string `json:"currency"`
}

// createSalesCart opens a cart in a buyer's name, built by the caller: a
// company the caller does not work for is not found, like one that does not
// exist.
func (s *Server) createSalesCart(c *gin.Context) {
	var req salesCartRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	companyID, err := uuid.Parse(req.CompanyID)
	if err != nil {
		RespondError(c, FieldError("company_id", "company_id must be the UUID of a company"))
		return
	}
	customerID, err := uuid.Parse(req.CustomerID)
	if err != nil {
		RespondError(c, FieldError("customer_id", "customer_id must be the UUID of an employee of the company"))
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	company, err := s.q.CompanyGet(ctx, companyID)
	if err != nil {
		RespondError(c, err)
		return
	}
	if !commerce.WorksForCompany(p.Role, company.SalesRepID.Valid && company.SalesRepID.UUID == p.ID) {
		RespondError(c, ErrNotFound)
		return
	}
	buyer, err := s.q.CustomerGet(ctx, db.CustomerGetParams{ID: customerID, CompanyID: uuid.NullUUID{UUID: company.ID, Valid: true}})
	switch {
	case db.IsNotFound(err):
		RespondError(c, FieldError("customer_id", "customer_id names no employee of the company"))
		return
	case err != nil:
		RespondError(c, err)
		return
	case buyer.DeactivatedAt != nil:
		RespondError(c, FieldError("customer_id", "customer_id names a deactivated employee"))
		return
	}
	if req.Currency == "" {
		req.Currency = company.Currency
	}
	if err := commerce.ValidateCartCurrency("currency", req.Currency, company.Currency); err != nil {
		RespondError(c, err)
		return
	}
	var view Cart
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		cart, err := q.CartCreate(ctx, db.CartCreateParams{
			ID: uuid.New(), CompanyID: company.ID, CustomerID: buyer.ID, Currency: req.Currency,
			BuiltByStaffID: uuid.NullUUID{UUID: p.ID, Valid: true},
		})
		if err != nil {
			return err
		}
		if _, err := q.TimelineEventCreate(ctx, db.TimelineEventCreateParams{
			CartID: cart.ID, Kind: cartBuiltOnBehalf, Actor: staffActor(p.ID),
			Detail:   "cart built by " + commerce.ActedFor(p.Name, p.Role, buyer.Name),
			DedupKey: cart.ID.String() + "/0/" + cartBuiltOnBehalf,
		}); err != nil {
			return err
		}
		view, err = s.cartView(ctx, q, cart, p.Role)
		return err
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/v1/sales/carts/"+view.ID.String())
	c.JSON(http.StatusCreated, view)
}

// Timeline kinds of carts built on behalf of a buyer (as activities/timeline
// names them).
const (
	cartBuiltOnBehalf = "cart_built_on_behalf"
	cartSentToBuyer   = "cart_sent_to_buyer"
)

func staffActor(id uuid.UUID) string { return "staff:" + id.String() }

// getSalesCart shows a cart the caller built for a buyer, priced as the
// catalogue is now for the buyer's company.
func (s *Server) getSalesCart(c *gin.Context) {
	row, err := s.salesCart(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	view, err := s.cartView(c.Request.Context(), s.q, row.Cart, principal(c).Role)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

// maxSendMessage bounds the note a rep sends with a cart.
const maxSendMessage = 2000

type sendCartRequest struct {
	Message string `json:"message"`
}

// sendSalesCart hands the cart over to the buyer: it becomes theirs to change
// and check out, the timeline records it, and the buyer is notified.
func (s *Server) sendSalesCart(c *gin.Context) {
	var req sendCartRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	if !utf8.ValidString(req.Message) || len(req.Message) > maxSendMessage {
		RespondError(c, FieldError("message", fmt.Sprintf("message must be UTF-8 text of at most %d bytes", maxSendMessage)))
		return
	}
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	var view Cart
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		cart, err := q.CartLockTouchOnBehalf(ctx, db.CartLockTouchOnBehalfParams{ID: id, StaffID: p.ID, AnyCompany: worksForAnyCompany(p)})
		if err != nil {
			return err
		}
		lines, err := q.CartLineListByCart(ctx, cart.ID)
		if err != nil {
			return err
		}
		if err := commerce.CheckStaffMaySend(onBehalfStage(cart, int64(len(lines)))); err != nil {
			return err
		}
		if cart, err = q.CartSendToBuyer(ctx, cart.ID); err != nil {
			return err
		}
		people, err := q.CartGetOnBehalfPeople(ctx, cart.ID)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("cart sent to %s by %s (%s)", people.CustomerName, p.Name, commerce.RoleTitle(p.Role))
		if req.Message != "" {
			detail += ": " + req.Message
		}
		if _, err := q.TimelineEventCreate(ctx, db.TimelineEventCreateParams{
			CartID: cart.ID, Kind: cartSentToBuyer, Actor: staffActor(p.ID), Detail: detail,
			DedupKey: cart.ID.String() + "/0/" + cartSentToBuyer,
		}); err != nil {
			return err
		}
		body := fmt.Sprintf("%s (%s) prepared cart %s for you: %d lines. It is yours now to change and check out at /v1/carts/%s.",
			p.Name, commerce.RoleTitle(p.Role), cart.ID, len(lines), cart.ID)
		if req.Message != "" {
			body += "\n\n" + req.Message
		}
		if err := q.NotificationCreate(ctx, db.NotificationCreateParams{
			DedupKey: "cart_sent/" + cart.ID.String(), Kind: cartSentToBuyer, CompanyID: cart.CompanyID,
			CustomerID: uuid.NullUUID{UUID: cart.CustomerID, Valid: true},
			Subject:    fmt.Sprintf("%s prepared a cart for you", p.Name), Body: body,
		}); err != nil {
			return err
		}
		view, err = s.cartView(ctx, q, cart, p.Role)
		return err
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

// checkoutSalesCart checks the cart out in the buyer's name, when the buyer's
// company allows its sales staff to: the same checkout workflow as the
// buyer's, started with the buyer as its customer (their spending limits,
// their company's approval rules: an order over a threshold waits for the
// company's approver). Who acted is kept on the cart
// (checkout_by_staff_id), where the checkout's activities read it for the
// timeline and the order; the workflow's input is the buyer's checkout's.
// The answer is the buyer's checkout's: 201 with the order, 202 while it
// runs or waits for an approver, 4xx with the refusal.
func (s *Server) checkoutSalesCart(c *gin.Context) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	var (
		cart   db.Cart
		lines  int64
		people db.CartGetOnBehalfPeopleRow
	)
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		row, err := q.CartGetOnBehalfForStaff(ctx, db.CartGetOnBehalfForStaffParams{ID: id, StaffID: p.ID, AnyCompany: worksForAnyCompany(p)})
		if err != nil {
			return err
		}
		if cart, err = q.CartLock(ctx, id); err != nil {
			return err
		}
		lines = row.LineCount
		if commerce.CartStatus(cart.Status) == commerce.CartCompleted && cart.SentAt == nil {
			he := newError(http.StatusConflict, string(commerce.CodeCartNotOpen), "the cart has already been checked out")
			he.Body.OrderID = cart.OrderID.UUID.String()
			return he
		}
		if err := commerce.CheckStaffMayCheckout(onBehalfStage(cart, lines), row.OnBehalfCheckout); err != nil {
			return err
		}
		if cart.Status == string(commerce.CartOpen) {
			if err := q.CartUpdateCheckoutByStaff(ctx, db.CartUpdateCheckoutByStaffParams{ID: cart.ID, StaffID: uuid.NullUUID{UUID: p.ID, Valid: true}}); err != nil {
				return err
			}
		}
		people, err = q.CartGetOnBehalfPeople(ctx, cart.ID)
		return err
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	run, err := checkout.Start(ctx, s.temporal,
		checkout.Input{CartID: cart.ID, CompanyID: cart.CompanyID, CustomerID: cart.CustomerID},
		checkout.Summary{BuyerName: people.CustomerName + " (by " + p.Name + ")", Lines: int(lines), Currency: cart.Currency})
	if err != nil {
		RespondError(c, err)
		return
	}
	s.answerCheckout(c, salesViewer(p, cart.CompanyID), cart.ID, run)
}

// salesViewer is the sales staff member p reading a cart's checkout and order
// in the buyer's company.
func salesViewer(p Principal, companyID uuid.UUID) Principal {
	p.CompanyID = companyID
	return p
}

// refreshSalesCheckout is refreshCheckout for a checkout on behalf.
func (s *Server) refreshSalesCheckout(c *gin.Context, runID string) {
	row, err := s.salesCart(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	s.answerCheckout(c, salesViewer(principal(c), row.Cart.CompanyID), row.Cart.ID,
		s.temporal.GetWorkflow(c.Request.Context(), checkout.WorkflowID(row.Cart.ID), runID))
}

// salesCheckoutStatus is the pollable state of the checkout of a cart the
// caller built for a buyer.
func (s *Server) salesCheckoutStatus(c *gin.Context) {
	row, err := s.salesCart(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	view := s.checkoutView(c.Request.Context(), row.Cart, principal(c).Role)
	view.StatusURL = salesCheckoutURL(row.Cart.ID)
	c.JSON(http.StatusOK, view)
}

func salesCheckoutURL(cartID uuid.UUID) string {
	return "/v1/sales/carts/" + cartID.String() + "/checkout"
}

// SalesCartSummary is a cart built on behalf of a buyer, in the sales list.
type SalesCartSummary struct {
	ID           uuid.UUID  `json:"id"`
	CompanyID    uuid.UUID  `json:"company_id"`
	CompanyName  string     `json:"company_name"`
	CustomerID   uuid.UUID  `json:"customer_id"`
	CustomerName string     `json:"customer_name"`
	BuiltByID    uuid.UUID  `json:"built_by_id"`
	Currency     string     `json:"currency"`
	Status       string     `json:"status"`
	HeldBy       string     `json:"held_by"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	OrderID      *uuid.UUID `json:"order_id,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// SalesCartPage is one page of carts built on behalf of buyers, oldest first.
type SalesCartPage struct {
	Carts      []SalesCartSummary `json:"carts"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// listSalesCarts pages through the carts built on behalf of buyers of the
// companies the caller works for (every company's for a sales manager),
// oldest first; ?company_id= narrows to one company.
func (s *Server) listSalesCarts(c *gin.Context) {
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	params := db.CartListOnBehalfForStaffParams{StaffID: p.ID, AnyCompany: worksForAnyCompany(p),
		AfterCreatedAt: page.AfterAt, AfterID: page.AfterID, RowLimit: page.RowLimit()}
	if v := c.Query("company_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			RespondError(c, FieldError("company_id", "company_id must be a UUID"))
			return
		}
		params.CompanyID = uuid.NullUUID{UUID: id, Valid: true}
	}
	rows, err := s.q.CartListOnBehalfForStaff(c.Request.Context(), params)
	if err != nil {
		RespondError(c, err)
		return
	}
	var out SalesCartPage
	out.Carts, out.NextCursor = PageOf(page, rows,
		func(r db.CartListOnBehalfForStaffRow) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(r db.CartListOnBehalfForStaffRow) SalesCartSummary {
			out := SalesCartSummary{ID: r.ID, CompanyID: r.CompanyID, CompanyName: r.CompanyName, CustomerID: r.CustomerID,
				CustomerName: r.CustomerName, BuiltByID: r.BuiltByStaffID.UUID, Currency: r.Currency, Status: r.Status,
				HeldBy: heldBy(r.SentAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
			if r.SentAt != nil {
				at := r.SentAt.UTC()
				out.SentAt = &at
			}
			if r.OrderID.Valid {
				out.OrderID = &r.OrderID.UUID
			}
			return out
		})
	c.JSON(http.StatusOK, out)
}

// heldBy says whose a cart built on behalf of a buyer is: the sales staff's
// until sent, the buyer's after.
func heldBy(sentAt *time.Time) string {
	if sentAt == nil {
		return "sales"
	}
	return "buyer"
}

// StaffRef names a member of the seller's staff.
type StaffRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Role string    `json:"role"`
}

// PersonRef names an employee of a buying company.
type PersonRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// CartOnBehalf is who a cart built by a sales rep is for, whose it is now,
// and what happened to it.
type CartOnBehalf struct {
	BuiltBy StaffRef  `json:"built_by"`
	Buyer   PersonRef `json:"buyer"`
	// HeldBy is "sales" while the rep prepares the cart, "buyer" once sent.
	HeldBy string     `json:"held_by"`
	SentAt *time.Time `json:"sent_at,omitempty"`
	// CheckoutBy is the member of staff who checked the cart out in the
	// buyer's name, when one did.
	CheckoutBy *StaffRef `json:"checkout_by,omitempty"`
	// Summary says it in words: "built by Sam Sales (sales rep) on behalf of
	// Alice".
	Summary  string          `json:"summary"`
	Timeline []TimelineEvent `json:"timeline"`
}

// onBehalfOf reads who a cart built by a sales rep is for, and its timeline.
func onBehalfOf(ctx context.Context, q *db.Queries, cart db.Cart) (*CartOnBehalf, error) {
	people, err := q.CartGetOnBehalfPeople(ctx, cart.ID)
	if err != nil {
		return nil, err
	}
	events, err := q.TimelineEventListByCart(ctx, cart.ID)
	if err != nil {
		return nil, err
	}
	out := &CartOnBehalf{
		BuiltBy: StaffRef{ID: cart.BuiltByStaffID.UUID, Name: people.BuiltByName, Role: people.BuiltByRole},
		Buyer:   PersonRef{ID: cart.CustomerID, Name: people.CustomerName},
		HeldBy:  heldBy(cart.SentAt),
		Summary: "built by " + commerce.ActedFor(people.BuiltByName, commerce.Role(people.BuiltByRole), people.CustomerName),
	}
	if cart.SentAt != nil {
		at := cart.SentAt.UTC()
		out.SentAt = &at
	}
	if cart.CheckoutByStaffID.Valid {
		out.CheckoutBy = &StaffRef{ID: cart.CheckoutByStaffID.UUID, Name: people.CheckoutByName, Role: people.CheckoutByRole}
	}
	out.Timeline = make([]TimelineEvent, 0, len(events))
	for _, e := range events {
		out.Timeline = append(out.Timeline, timelineOf(e))
	}
	return out, nil
}

// OrderOnBehalf says who placed an order in the buyer's name.
type OrderOnBehalf struct {
	PlacedBy StaffRef  `json:"placed_by"`
	Buyer    PersonRef `json:"buyer"`
	// Summary: "placed by Sam Sales (sales rep) on behalf of Alice".
	Summary string `json:"summary"`
}

// orderOnBehalfOf reads who placed the order in the buyer's name.
func orderOnBehalfOf(ctx context.Context, q *db.Queries, o db.Order) (*OrderOnBehalf, error) {
	people, err := q.StaffGetActingFor(ctx, db.StaffGetActingForParams{StaffID: o.PlacedByStaffID.UUID, CustomerID: o.CustomerID})
	if err != nil {
		return nil, err
	}
	return &OrderOnBehalf{
		PlacedBy: StaffRef{ID: o.PlacedByStaffID.UUID, Name: people.StaffName, Role: people.StaffRole},
		Buyer:    PersonRef{ID: o.CustomerID, Name: people.CustomerName},
		Summary:  "placed by " + commerce.ActedFor(people.StaffName, commerce.Role(people.StaffRole), people.CustomerName),
	}, nil
}
