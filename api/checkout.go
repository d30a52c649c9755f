package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// checkout starts (or joins) the cart's checkout workflow and waits a few seconds
// for it: 201 with the order when it is placed in time, 202 with a status URL
// when it is still running, 4xx with the reason when it was refused.
//
// checkout.Start derives the workflow ID from the cart and joins a running
// checkout, so doubled or concurrent requests share one workflow; a cart that
// became an order is refused here, and the workflow itself reports the existing
// order if a request races past this check.
func (s *Server) checkout(c *gin.Context) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	p := principal(c)
	row, err := s.q.CartGetWithLineCountInCompany(ctx, db.CartGetWithLineCountInCompanyParams{ID: id, CompanyID: p.CompanyID})
	if err != nil {
		RespondError(c, err)
		return
	}
	cart := row.Cart
	if err := requireCartOwner(cart, p); err != nil {
		RespondError(c, err)
		return
	}
	if err := refuseQuoteCart(cart); err != nil {
		RespondError(c, err)
		return
	}
	switch commerce.CartStatus(cart.Status) {
	case commerce.CartCompleted:
		he := newError(http.StatusConflict, string(commerce.CodeCartNotOpen), "the cart has already been checked out")
		he.Body.OrderID = cart.OrderID.UUID.String()
		RespondError(c, he)
		return
	case commerce.CartOpen:
		if err := commerce.CheckCanCheckout(commerce.CartOpen, int(row.LineCount)); err != nil {
			RespondError(c, err)
			return
		}
	case commerce.CartCheckingOut:
		// Joins the running checkout below.
	default:
		// Any other status (a cart frozen for a quote) never starts a checkout.
		RespondError(c, commerce.CheckCanCheckout(commerce.CartStatus(cart.Status), int(row.LineCount)))
		return
	}

	run, err := checkout.Start(ctx, s.temporal,
		checkout.Input{CartID: cart.ID, CompanyID: p.CompanyID, CustomerID: p.ID},
		checkout.Summary{BuyerName: p.Name, Lines: int(row.LineCount), Currency: cart.Currency})
	if err != nil {
		RespondError(c, err)
		return
	}

	s.answerCheckout(c, p, cart.ID, run)
}

// answerCheckout waits up to CHECKOUT_SYNC_WAIT for the cart's checkout run
// and answers how it stands: 201 with the order and its Location when it was
// placed, the refusal when it was refused, and while it still runs 202 with
// the status URL, an interim answer (a retry with the same Idempotency-Key
// gets refreshCheckout's answer instead).
func (s *Server) answerCheckout(c *gin.Context, p Principal, cartID uuid.UUID, run client.WorkflowRun) {
	ctx := c.Request.Context()
	waitCtx, cancel := context.WithTimeout(ctx, s.opts.CheckoutSyncWait)
	defer cancel()
	var result checkout.Result
	err := run.Get(waitCtx, &result)
	if err != nil && ctx.Err() == nil && stillRunning(err, waitCtx) {
		s.answerCheckoutPending(c, cartID, run.GetRunID())
		return
	}
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		s.answerCheckoutFromCart(c, p, cartID, run.GetRunID())
		return
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	s.answerCheckoutResult(c, p, result)
}

// answerCheckoutPending answers 202: the checkout still runs, waiting for an
// approver (then with the approval) or just slow. The answer is interim,
// refreshed on replay from the run.
func (s *Server) answerCheckoutPending(c *gin.Context, cartID uuid.UUID, runID string) {
	ctx := c.Request.Context()
	status := checkoutPending(cartID)
	if now, err := s.q.CartGet(ctx, cartID); err == nil && now.CheckoutStatus == string(commerce.CheckoutAwaitingApproval) {
		status = s.checkoutView(ctx, now, principal(c).Role)
	}
	status.StatusURL = checkoutURLFor(c, cartID)
	answerInterim(c, runID)
	c.Header("Location", status.StatusURL)
	c.JSON(http.StatusAccepted, status)
}

// answerCheckoutResult answers a checkout that ended.
func (s *Server) answerCheckoutResult(c *gin.Context, p Principal, result checkout.Result) {
	switch result.Status {
	case commerce.CheckoutPlaced:
		order, err := s.orderDetail(c.Request.Context(), p, result.OrderID)
		if err != nil {
			RespondError(c, err)
			return
		}
		c.Header("Location", "/v1/orders/"+order.ID.String())
		c.JSON(http.StatusCreated, order)
	default:
		if result.Rejection == nil {
			RespondError(c, errors.New("checkout ended without order or reason"))
			return
		}
		RespondError(c, result.Rejection)
	}
}

// refreshCheckout answers a retried checkout whose first answer was 202
// pending as the checkout itself would now: it waits, as long as a checkout
// does, for the run that answer was about (runID) and answers 201 with the
// order, the refusal, or 202 again while it still runs. A run Temporal no
// longer keeps is read from the cart instead.
func (s *Server) refreshCheckout(c *gin.Context, runID string) {
	cartID, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	s.answerCheckout(c, principal(c), cartID, s.temporal.GetWorkflow(c.Request.Context(), checkout.WorkflowID(cartID), runID))
}

// answerCheckoutFromCart answers a checkout from its cart's projection: placed
// when the cart became an order, the cart's last refusal when it has one,
// else pending.
func (s *Server) answerCheckoutFromCart(c *gin.Context, p Principal, cartID uuid.UUID, runID string) {
	cart, err := s.q.CartGet(c.Request.Context(), cartID)
	if err != nil {
		RespondError(c, err)
		return
	}
	switch view := checkoutOf(cart, p.Role); {
	case view.OrderID != nil:
		s.answerCheckoutResult(c, p, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: *view.OrderID})
	case view.Failure != nil:
		refusal := commerce.Reject(commerce.RejectionCode(view.Failure.Code), view.Failure.Message)
		refusal.Details = view.Failure.Details // only there for a role that may see them
		s.answerCheckoutResult(c, p, checkout.Result{Status: commerce.CheckoutFailed, Rejection: refusal})
	default:
		s.answerCheckoutPending(c, cartID, runID)
	}
}

// checkoutStatus is the pollable state of a cart's checkout, read from the
// Postgres projection (not from Temporal).
func (s *Server) checkoutStatus(c *gin.Context) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	cart, err := s.visibleCart(c.Request.Context(), principal(c), id)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.checkoutView(c.Request.Context(), cart, principal(c).Role))
}

// checkoutView is checkoutOf, as the caller's role may see it, with the
// approval request, when there is one.
func (s *Server) checkoutView(ctx context.Context, cart db.Cart, role commerce.Role) Checkout {
	out := checkoutOf(cart, role)
	if cart.CheckoutAttempt == 0 {
		return out
	}
	if a, err := s.q.ApprovalRequestGet(ctx, db.ApprovalRequestGetParams{CartID: cart.ID, Attempt: cart.CheckoutAttempt}); err == nil {
		approval := approvalOf(a)
		if !commerce.SeesCompanyFigures(role) {
			// The buyer (and colleagues) read why without the company's figures.
			approval.Reasons = a.BuyerReasons
			if approval.Reasons == nil {
				approval.Reasons = []string{}
			}
		}
		out.Approval = &approval
	}
	return out
}

func checkoutPending(cartID uuid.UUID) Checkout {
	return Checkout{CartID: cartID, Status: string(commerce.CheckoutPending), StatusURL: checkoutURL(cartID)}
}

func checkoutURL(cartID uuid.UUID) string { return "/v1/carts/" + cartID.String() + "/checkout" }

// checkoutURLFor is where the caller polls the cart's checkout: the sales
// staff, who checked it out in the buyer's name, at their own route
// (salesCheckoutURL), everyone else at checkoutURL.
func checkoutURLFor(c *gin.Context, cartID uuid.UUID) string {
	if principal(c).Role.SellerSide() && principal(c).Role != commerce.RoleOps {
		return salesCheckoutURL(cartID)
	}
	return checkoutURL(cartID)
}

// checkoutOf reads a checkout's state off its cart: checking_out is pending,
// completed is placed, open with a failure is failed, open without one has not
// been checked out. A failure's figures (Error.Details) are there only for a
// role that may see the company's figures (commerce.SeesCompanyFigures).
func checkoutOf(cart db.Cart, role commerce.Role) Checkout {
	out := Checkout{CartID: cart.ID, StatusURL: checkoutURL(cart.ID)}
	switch commerce.CartStatus(cart.Status) {
	case commerce.CartCheckingOut:
		out.Status = string(commerce.CheckoutPending)
		if cart.CheckoutStatus == string(commerce.CheckoutAwaitingApproval) {
			out.Status = cart.CheckoutStatus
		}
	case commerce.CartCompleted:
		out.Status = string(commerce.CheckoutPlaced)
		out.OrderID = &cart.OrderID.UUID
		out.OrderURL = "/v1/orders/" + cart.OrderID.UUID.String()
	default:
		out.Status = "none"
		if cart.FailureCode != "" {
			out.Status = string(commerce.CheckoutFailed)
			out.Failure = &Error{Code: cart.FailureCode, Message: cart.FailureReason}
			if len(cart.FailureDetails) > 0 && commerce.SeesCompanyFigures(role) {
				var d commerce.RejectionDetails
				if json.Unmarshal(cart.FailureDetails, &d) == nil {
					out.Failure.Details = &d
				}
			}
		}
	}
	return out
}

// stillRunning tells whether waiting for the workflow ended because our wait was
// over rather than because the checkout failed. The server may answer the long
// poll with DeadlineExceeded a moment before our own context expires.
func stillRunning(err error, waitCtx context.Context) bool {
	var deadline *serviceerror.DeadlineExceeded
	return waitCtx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &deadline)
}
