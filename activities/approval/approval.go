// Package approval records checkouts that wait for an approver of the buyer's
// company, and how each approval ended, and tells the people concerned
// (notification outbox).
package approval

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities/notify"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the approval activities.
type Activities struct {
	DB *pgxpool.Pool
}

// OpenApprovalInput records a checkout that waits for approval.
type OpenApprovalInput struct {
	CartID     uuid.UUID                 `json:"cart_id"`
	Attempt    int                       `json:"attempt"`
	CompanyID  uuid.UUID                 `json:"company_id"`
	CustomerID uuid.UUID                 `json:"customer_id"`
	Decision   commerce.ApprovalDecision `json:"decision"`
	Total      commerce.Money            `json:"total"`
	Deadline   time.Time                 `json:"deadline"`
}

// CloseApprovalInput records how an approval ended.
type CloseApprovalInput struct {
	CartID     uuid.UUID               `json:"cart_id"`
	Attempt    int                     `json:"attempt"`
	CompanyID  uuid.UUID               `json:"company_id"`
	CustomerID uuid.UUID               `json:"customer_id"`
	Status     commerce.ApprovalStatus `json:"status"`
	DecidedBy  uuid.UUID               `json:"decided_by,omitempty"`
	Comment    string                  `json:"comment,omitempty"`
}

// OpenApproval records the waiting checkout (approval request, cart projection,
// timeline) and queues notifications to the approvers and the buyer.
func (a *Activities) OpenApproval(ctx context.Context, in OpenApprovalInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		if err := q.ApprovalRequestCreate(ctx, db.ApprovalRequestCreateParams{
			CartID: in.CartID, Attempt: int32(in.Attempt), CompanyID: in.CompanyID, CustomerID: in.CustomerID,
			RequiredRole: string(in.Decision.RequiredRole), Reasons: in.Decision.Reasons, BuyerReasons: buyerReasons(in.Decision),
			Total: in.Total.Amount, Currency: in.Total.Currency, Deadline: in.Deadline,
		}); err != nil {
			return err
		}
		if err := q.CartUpdateCheckoutStatus(ctx, db.CartUpdateCheckoutStatusParams{ID: in.CartID, CheckoutStatus: string(commerce.CheckoutAwaitingApproval)}); err != nil {
			return err
		}
		// The timeline (the order's, which its buyer reads) and the buyer's
		// notification say why without the company's figures; the approvers'
		// notification has them.
		reasons, told := strings.Join(in.Decision.Reasons, "; "), strings.Join(buyerReasons(in.Decision), "; ")
		if err := timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.ApprovalRequested, Actor: timeline.SystemActor,
			Detail: fmt.Sprintf("waiting for a %s until %s: %s", in.Decision.RequiredRole, in.Deadline.UTC().Format(time.RFC3339), told),
		}); err != nil {
			return err
		}
		dedup := fmt.Sprintf("%s/%d/approval_requested", in.CartID, in.Attempt)
		if err := notify.Queue(ctx, q, notify.Message{
			DedupKey: dedup + "/approvers", Kind: "approval_requested", CompanyID: in.CompanyID,
			ToRole:  string(in.Decision.RequiredRole),
			Subject: fmt.Sprintf("An order of %s waits for your approval", in.Total),
			Body:    fmt.Sprintf("Cart %s: %s. Decide by %s.", in.CartID, reasons, in.Deadline.UTC().Format(time.RFC3339)),
		}); err != nil {
			return err
		}
		return notify.Queue(ctx, q, notify.Message{
			DedupKey: dedup + "/buyer", Kind: "approval_requested", CompanyID: in.CompanyID,
			CustomerID: in.CustomerID,
			Subject:    "Your order waits for approval",
			Body:       fmt.Sprintf("Cart %s (%s) needs approval: %s.", in.CartID, in.Total, told),
		})
	})
}

// CloseApproval records how the approval ended and tells the buyer.
func (a *Activities) CloseApproval(ctx context.Context, in CloseApprovalInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.ApprovalRequestClose(ctx, db.ApprovalRequestCloseParams{
			CartID: in.CartID, Attempt: int32(in.Attempt), Status: string(in.Status),
			DecidedBy: uuid.NullUUID{UUID: in.DecidedBy, Valid: in.DecidedBy != uuid.Nil}, Comment: in.Comment,
		})
		if err != nil || n == 0 {
			return err // closed before: its events and notifications were written then
		}
		if err := q.CartUpdateCheckoutStatus(ctx, db.CartUpdateCheckoutStatusParams{ID: in.CartID, CheckoutStatus: ""}); err != nil {
			return err
		}
		actor := timeline.SystemActor
		if in.DecidedBy != uuid.Nil {
			actor = timeline.CustomerActor(in.DecidedBy)
		}
		detail := string(in.Status)
		if in.Comment != "" {
			detail += ": " + in.Comment
		}
		if err := timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: "approval_" + string(in.Status), Actor: actor, Detail: detail}); err != nil {
			return err
		}
		return notify.Queue(ctx, q, notify.Message{
			DedupKey: fmt.Sprintf("%s/%d/approval_closed", in.CartID, in.Attempt), Kind: "approval_" + string(in.Status),
			CompanyID: in.CompanyID, CustomerID: in.CustomerID,
			Subject: "Your order was " + string(in.Status),
			Body:    fmt.Sprintf("Cart %s: %s.", in.CartID, detail),
		})
	})
}

// buyerReasons are the decision's reasons as buyers are told them. A decision
// without them (made before they existed) tells buyers only that it waits.
func buyerReasons(d commerce.ApprovalDecision) []string {
	if len(d.BuyerReasons) == 0 && len(d.Reasons) > 0 {
		return []string{"the company's approval rules"}
	}
	return d.BuyerReasons
}
