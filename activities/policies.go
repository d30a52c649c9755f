package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows"
)

// Timeline event kinds of spending limits and approvals.
const (
	eventSpendReserved     = "spend_reserved"
	eventSpendReleased     = "spend_released"
	eventApprovalRequested = "approval_requested"
)

// ReserveSpend holds the order total against every spending limit of the buyer
// and the company, cumulative over each limit's period. The company row is
// locked for the decision, so concurrent checkouts of one company are decided
// one after the other and can never together go over a limit. Over a limit, the
// checkout is refused unless the company has an over_spending_limit approval
// rule: then the spend is held and approvers decide. Run twice for the same
// attempt, it finds its reservation and holds nothing more.
func (a *Activities) ReserveSpend(ctx context.Context, in workflows.ReserveSpendInput) (workflows.ReserveSpendResult, error) {
	var out workflows.ReserveSpendResult
	key := workflows.SpendKey(in.CartID, in.Attempt)
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		out = workflows.ReserveSpendResult{}
		company, err := q.CompanyLock(ctx, in.CompanyID)
		if err != nil {
			return err
		}
		out.ApprovalTimeout = time.Duration(company.ApprovalTimeoutSeconds) * time.Second
		rules, err := q.ApprovalRuleListAllByCompany(ctx, in.CompanyID)
		if err != nil {
			return err
		}
		overLimitNeedsApproval := false
		for _, r := range rules {
			rule := approvalRuleOf(r)
			out.Rules = append(out.Rules, rule)
			overLimitNeedsApproval = overLimitNeedsApproval || rule.Kind == commerce.RuleOverSpendingLimit
		}

		limits, err := q.SpendingLimitListForCustomer(ctx, db.SpendingLimitListForCustomerParams{CompanyID: in.CompanyID, CustomerID: uuid.NullUUID{UUID: in.CustomerID, Valid: true}})
		if err != nil {
			return err
		}
		usages := make([]commerce.LimitUsage, 0, len(limits))
		for _, l := range limits {
			limit := spendingLimitOf(l)
			start, end := commerce.PeriodWindow(limit.Period, in.At)
			spent, err := q.SpendReservationSumInWindow(ctx, db.SpendReservationSumInWindowParams{
				CompanyID: in.CompanyID, CustomerID: l.CustomerID, WindowStart: start, WindowEnd: end, ExcludeKey: key,
			})
			if err != nil {
				return err
			}
			usages = append(usages, commerce.LimitUsage{Limit: limit, Spent: spent})
		}
		out.Breaches = commerce.CheckSpendingLimits(in.Amount, usages)
		if len(out.Breaches) > 0 && !overLimitNeedsApproval {
			return commerce.Reject(commerce.CodeSpendingLimitExceeded, describeBreaches(out.Breaches, in.Amount.Currency))
		}

		if held, err := q.SpendReservationGet(ctx, key); err == nil {
			if held.Status == "released" {
				// Retrying cannot help: this attempt already gave its spend back.
				return commerce.Reject(commerce.CodeCheckoutAborted, "this checkout attempt was already abandoned")
			}
			return nil // reserved by an earlier try of this attempt
		} else if !db.IsNotFound(err) {
			return err
		}
		if err := q.SpendReservationCreate(ctx, db.SpendReservationCreateParams{
			SpendKey: key, CartID: in.CartID, CompanyID: in.CompanyID, CustomerID: in.CustomerID,
			Amount: in.Amount.Amount, Currency: in.Amount.Currency, ReservedAt: in.At,
		}); err != nil {
			return err
		}
		if len(limits) == 0 {
			return nil
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventSpendReserved, systemActor,
			fmt.Sprintf("reserved %s against %d spending limits", in.Amount, len(limits)))
	})
	return out, asActivityError(err)
}

// ReleaseSpend gives back the spend one attempt reserved; twice is a no-op.
func (a *Activities) ReleaseSpend(ctx context.Context, in workflows.ReleaseSpendInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.SpendReservationRelease(ctx, workflows.SpendKey(in.CartID, in.Attempt))
		if err != nil || n == 0 {
			return err
		}
		return recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventSpendReleased, systemActor, "spend released")
	})
}

// OpenApproval records the waiting checkout (approval request, cart projection,
// timeline) and queues notifications to the approvers and the buyer.
func (a *Activities) OpenApproval(ctx context.Context, in workflows.OpenApprovalInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		if err := q.ApprovalRequestCreate(ctx, db.ApprovalRequestCreateParams{
			CartID: in.CartID, Attempt: int32(in.Attempt), CompanyID: in.CompanyID, CustomerID: in.CustomerID,
			RequiredRole: string(in.Decision.RequiredRole), Reasons: in.Decision.Reasons,
			Total: in.Total.Amount, Currency: in.Total.Currency, Deadline: in.Deadline,
		}); err != nil {
			return err
		}
		if err := q.CartUpdateCheckoutStatus(ctx, db.CartUpdateCheckoutStatusParams{ID: in.CartID, CheckoutStatus: string(commerce.OrderAwaitingApproval)}); err != nil {
			return err
		}
		reasons := strings.Join(in.Decision.Reasons, "; ")
		if err := recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, eventApprovalRequested, systemActor,
			fmt.Sprintf("waiting for a %s until %s: %s", in.Decision.RequiredRole, in.Deadline.UTC().Format(time.RFC3339), reasons)); err != nil {
			return err
		}
		dedup := fmt.Sprintf("%s/%d/approval_requested", in.CartID, in.Attempt)
		if err := q.NotificationCreate(ctx, db.NotificationCreateParams{
			DedupKey: dedup + "/approvers", Kind: "approval_requested", CompanyID: in.CompanyID,
			ToRole:  string(in.Decision.RequiredRole),
			Subject: fmt.Sprintf("An order of %s waits for your approval", in.Total),
			Body:    fmt.Sprintf("Cart %s: %s. Decide by %s.", in.CartID, reasons, in.Deadline.UTC().Format(time.RFC3339)),
		}); err != nil {
			return err
		}
		return q.NotificationCreate(ctx, db.NotificationCreateParams{
			DedupKey: dedup + "/buyer", Kind: "approval_requested", CompanyID: in.CompanyID,
			CustomerID: uuid.NullUUID{UUID: in.CustomerID, Valid: true},
			Subject:    "Your order waits for approval",
			Body:       fmt.Sprintf("Cart %s (%s) needs approval: %s.", in.CartID, in.Total, reasons),
		})
	})
}

// CloseApproval records how the approval ended and tells the buyer.
func (a *Activities) CloseApproval(ctx context.Context, in workflows.CloseApprovalInput) error {
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
		actor := systemActor
		if in.DecidedBy != uuid.Nil {
			actor = "customer:" + in.DecidedBy.String()
		}
		detail := string(in.Status)
		if in.Comment != "" {
			detail += ": " + in.Comment
		}
		if err := recordEvent(ctx, q, in.CartID, uuid.NullUUID{}, in.Attempt, "approval_"+string(in.Status), actor, detail); err != nil {
			return err
		}
		return q.NotificationCreate(ctx, db.NotificationCreateParams{
			DedupKey: fmt.Sprintf("%s/%d/approval_closed", in.CartID, in.Attempt), Kind: "approval_" + string(in.Status),
			CompanyID: in.CompanyID, CustomerID: uuid.NullUUID{UUID: in.CustomerID, Valid: true},
			Subject: "Your order was " + string(in.Status),
			Body:    fmt.Sprintf("Cart %s: %s.", in.CartID, detail),
		})
	})
}

var periodAdjective = map[commerce.Period]string{
	commerce.PeriodOrder: "per-order", commerce.PeriodMonth: "monthly", commerce.PeriodQuarter: "quarterly",
}

func describeBreaches(breaches []commerce.LimitBreach, currency string) string {
	parts := make([]string, len(breaches))
	for i, b := range breaches {
		who := "the company's"
		if b.Limit.CustomerID != "" {
			who = "your"
		}
		parts[i] = fmt.Sprintf("%s %s limit of %s (already spent %s)", who, periodAdjective[b.Limit.Period],
			commerce.Money{Amount: b.Limit.Amount, Currency: b.Limit.Currency},
			commerce.Money{Amount: b.Spent, Currency: currency})
	}
	return "the order exceeds " + strings.Join(parts, " and ")
}

func approvalRuleOf(r db.ApprovalRule) commerce.ApprovalRule {
	out := commerce.ApprovalRule{ID: r.ID.String(), Kind: commerce.ApprovalRuleKind(r.Kind), Threshold: r.Threshold, SKUs: r.Skus}
	if r.ApproverMax.Valid {
		v := r.ApproverMax.Int64
		out.ApproverMax = &v
	}
	return out
}

func spendingLimitOf(l db.SpendingLimit) commerce.SpendingLimit {
	out := commerce.SpendingLimit{ID: l.ID.String(), Period: commerce.Period(l.Period), Amount: l.Amount, Currency: l.Currency}
	if l.CustomerID.Valid {
		out.CustomerID = l.CustomerID.UUID.String()
	}
	return out
}
