package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// Approval is a checkout waiting for (or decided by) an approver.
type Approval struct {
	CartID       uuid.UUID  `json:"cart_id"`
	Status       string     `json:"status"`
	BuyerID      uuid.UUID  `json:"buyer_id"`
	BuyerName    string     `json:"buyer_name,omitempty"`
	Total        Money      `json:"total"`
	RequiredRole string     `json:"required_role"`
	Reasons      []string   `json:"reasons"`
	Deadline     time.Time  `json:"deadline"`
	DecidedBy    *uuid.UUID `json:"decided_by,omitempty"`
	Comment      string     `json:"comment,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// ApprovalPage is one page of approvals, oldest first.
type ApprovalPage struct {
	Approvals  []Approval `json:"approvals"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func approvalOf(a db.ApprovalRequest) Approval {
	out := Approval{
		CartID: a.CartID, Status: a.Status, BuyerID: a.CustomerID, Total: Money{Amount: a.Total, Currency: a.Currency},
		RequiredRole: a.RequiredRole, Reasons: a.Reasons, Deadline: a.Deadline.UTC(), Comment: a.Comment,
		CreatedAt: a.CreatedAt.UTC(),
	}
	if a.DecidedBy.Valid {
		out.DecidedBy = &a.DecidedBy.UUID
	}
	return out
}

// listApprovals lists the checkouts of the caller's company that wait for a
// decision the caller may make, oldest first.
func (s *Server) listApprovals(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	p := principal(c)
	roles := []string{string(commerce.RoleApprover)}
	if p.Role == commerce.RoleCompanyAdmin {
		roles = append(roles, string(commerce.RoleCompanyAdmin))
	}
	afterAt, afterID := time.Time{}, uuid.Nil
	if cur := c.Query("cursor"); cur != "" {
		if afterAt, afterID, err = decodeOrderCursor(cur); err != nil {
			RespondError(c, FieldError("cursor", "cursor is not one this API gave out"))
			return
		}
	}
	rows, err := s.q.ApprovalRequestListPending(c.Request.Context(), db.ApprovalRequestListPendingParams{
		CompanyID: p.CompanyID, Roles: roles, DeciderID: p.ID, AfterCreatedAt: afterAt, AfterCartID: afterID, RowLimit: int32(limit + 1),
	})
	if err != nil {
		RespondError(c, err)
		return
	}
	page := ApprovalPage{Approvals: []Approval{}}
	for i, r := range rows {
		if i == limit {
			last := rows[limit-1]
			page.NextCursor = encodeOrderCursor(last.CreatedAt, last.CartID)
			break
		}
		a := approvalOf(db.ApprovalRequest{
			CartID: r.CartID, Attempt: r.Attempt, CompanyID: r.CompanyID, CustomerID: r.CustomerID, Status: r.Status,
			RequiredRole: r.RequiredRole, Reasons: r.Reasons, Total: r.Total, Currency: r.Currency, Deadline: r.Deadline,
			DecidedBy: r.DecidedBy, Comment: r.Comment, CreatedAt: r.CreatedAt,
		})
		a.BuyerName = r.BuyerName
		page.Approvals = append(page.Approvals, a)
	}
	c.JSON(http.StatusOK, page)
}

type decisionRequest struct {
	Comment string `json:"comment"`
}

const maxCommentLength = checkout.MaxCommentBytes

func (s *Server) approveCheckout(c *gin.Context) { s.decideCheckout(c, true) }
func (s *Server) rejectCheckout(c *gin.Context)  { s.decideCheckout(c, false) }

// decideCheckout sends the caller's decision to the waiting checkout. The
// workflow's validator checks the caller may decide (same company, role high
// enough for the amount, not the buyer) and that nobody decided before; its
// refusal comes back synchronously.
func (s *Server) decideCheckout(c *gin.Context, approve bool) {
	var req decisionRequest
	if err := BindJSON(c, &req, true); err != nil {
		RespondError(c, err)
		return
	}
	req.Comment = strings.TrimSpace(req.Comment)
	switch {
	case !approve && req.Comment == "":
		RespondError(c, FieldError("comment", "comment is required when rejecting: tell the buyer why"))
		return
	case len(req.Comment) > maxCommentLength:
		RespondError(c, FieldError("comment", "comment must be at most 2000 characters"))
		return
	}
	p := principal(c)
	decision := checkout.ApprovalDecisionInput{
		Approve: approve, DeciderID: p.ID, DeciderRole: p.Role, DeciderCompanyID: p.CompanyID, Comment: req.Comment,
	}
	s.updateCheckout(c, func(ctx context.Context, cartID uuid.UUID) (checkout.ApprovalState, error) {
		return checkout.DecideApproval(ctx, s.temporal, cartID, decision)
	})
}

// withdrawCheckout lets the buyer take back a checkout that waits for approval.
func (s *Server) withdrawCheckout(c *gin.Context) {
	withdrawal := checkout.WithdrawInput{ByID: principal(c).ID}
	s.updateCheckout(c, func(ctx context.Context, cartID uuid.UUID) (checkout.ApprovalState, error) {
		return checkout.Withdraw(ctx, s.temporal, cartID, withdrawal)
	})
}

// updateCheckout sends an update to the cart's checkout, after checking the cart
// is the caller's company's (another company's cart is 404, as everywhere).
func (s *Server) updateCheckout(c *gin.Context, update func(context.Context, uuid.UUID) (checkout.ApprovalState, error)) {
	id, err := PathUUID(c, "cart_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx := c.Request.Context()
	p := principal(c)
	cart, err := s.q.CartGetInCompany(ctx, db.CartGetInCompanyParams{ID: id, CompanyID: p.CompanyID})
	if err != nil {
		RespondError(c, err)
		return
	}
	if cart.CheckoutStatus != string(commerce.CheckoutAwaitingApproval) {
		RespondError(c, newError(http.StatusConflict, string(commerce.CodeApprovalClosed), "this cart's checkout is not waiting for approval"))
		return
	}
	state, err := update(ctx, cart.ID)
	if err != nil {
		RespondError(c, updateRefusal(err))
		return
	}
	out := Approval{
		CartID: cart.ID, Status: string(state.Status), BuyerID: cart.CustomerID, RequiredRole: string(state.RequiredRole),
		Reasons: state.Reasons, Deadline: state.Deadline.UTC(), Comment: state.Comment,
		Total: Money{Currency: cart.Currency},
	}
	if state.DecidedBy != uuid.Nil {
		out.DecidedBy = &state.DecidedBy
	}
	if row, err := s.q.ApprovalRequestGetLatestByCart(ctx, cart.ID); err == nil {
		out.Total.Amount, out.CreatedAt = row.Total, row.CreatedAt.UTC()
	}
	c.JSON(http.StatusOK, out)
}

// updateRefusal turns a validator's refusal into the rejection it carries;
// not_allowed is a 403, the rest keep their usual status.
func updateRefusal(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var r commerce.Rejection
		if appErr.Details(&r) == nil && r.Code != "" {
			if r.Code == commerce.CodeNotAllowed {
				return newError(http.StatusForbidden, string(r.Code), r.Message)
			}
			return &r
		}
	}
	return err
}
