// Package spend holds checkouts' spend against the company's spending limits:
// a reservation per cart and checkout attempt, committed when the order is
// placed and released by compensation.
package spend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the spend activities.
type Activities struct {
	DB *pgxpool.Pool
}

// Key keys the spend one checkout attempt reserves against spending limits.
func Key(cartID uuid.UUID, attempt int) string {
	return fmt.Sprintf("checkout/%s/%d", cartID, attempt)
}

// ReserveSpendInput holds an order total against spending limits at a moment
// (which decides the monthly and quarterly windows).
type ReserveSpendInput struct {
	CartID     uuid.UUID      `json:"cart_id"`
	Attempt    int            `json:"attempt"`
	CompanyID  uuid.UUID      `json:"company_id"`
	CustomerID uuid.UUID      `json:"customer_id"`
	Amount     commerce.Money `json:"amount"`
	At         time.Time      `json:"at"`
}

// ReserveSpendResult says which limits the order goes over (it was reserved
// anyway, because an approval rule lets approvers allow it) and what the
// company's approval policy is: the rules are read under the same company lock
// as the limits, so the workflow decides on approval without another round
// trip.
type ReserveSpendResult struct {
	Breaches        []commerce.LimitBreach  `json:"breaches,omitempty"`
	Rules           []commerce.ApprovalRule `json:"rules,omitempty"`
	ApprovalTimeout time.Duration           `json:"approval_timeout"`
}

// ReleaseSpendInput releases one checkout attempt's spend.
type ReleaseSpendInput struct {
	CartID  uuid.UUID `json:"cart_id"`
	Attempt int       `json:"attempt"`
}

// ReserveSpend holds the order total against every spending limit of the buyer
// and the company, cumulative over each limit's period, read from the monthly
// running totals (spend_totals) that the reservation queries keep. The company
// row is locked for the decision, so concurrent checkouts of one company are
// decided one after the other and can never together go over a limit. Over a limit, the
// checkout is refused unless the company has an over_spending_limit approval
// rule: then the spend is held and approvers decide. Run twice for the same
// attempt, it finds its reservation and holds nothing more.
func (a *Activities) ReserveSpend(ctx context.Context, in ReserveSpendInput) (ReserveSpendResult, error) {
	var out ReserveSpendResult
	key := Key(in.CartID, in.Attempt)
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		out = ReserveSpendResult{}
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
		held, err := q.SpendReservationGet(ctx, key)
		found := err == nil
		if err != nil && !db.IsNotFound(err) {
			return err
		}
		// Every limit's window, summed in one round trip. The running totals
		// count by UTC month, and every window but a single order's is whole
		// months: a limit reads one to three rows, however many orders came
		// before.
		windows := db.SpendTotalSumWindowsParams{CompanyID: in.CompanyID, CustomerID: uuid.NullUUID{UUID: in.CustomerID, Valid: true}}
		for _, l := range limits {
			start, end := commerce.PeriodWindow(spendingLimitOf(l).Period, in.At)
			windows.ByCustomer = append(windows.ByCustomer, l.CustomerID.Valid)
			windows.WindowStarts = append(windows.WindowStarts, start)
			windows.WindowEnds = append(windows.WindowEnds, end)
		}
		var sums []db.SpendTotalSumWindowsRow
		if len(limits) > 0 {
			if sums, err = q.SpendTotalSumWindows(ctx, windows); err != nil {
				return err
			}
			if len(sums) != len(limits) {
				return fmt.Errorf("spend of %d windows read for %d limits", len(sums), len(limits))
			}
		}
		usages := make([]commerce.LimitUsage, 0, len(limits))
		for i, l := range limits {
			limit := spendingLimitOf(l)
			start, end := windows.WindowStarts[i], windows.WindowEnds[i]
			spent := sums[i].Spent
			if found && held.Status != "released" && !held.ReservedAt.Before(start) && held.ReservedAt.Before(end) &&
				(!l.CustomerID.Valid || l.CustomerID.UUID == held.CustomerID) {
				spent -= held.Amount // this attempt's own reservation, made by an earlier try, is not "already spent"
			}
			usages = append(usages, commerce.LimitUsage{Limit: limit, Spent: spent})
		}
		out.Breaches = commerce.CheckSpendingLimits(in.Amount, usages)
		if len(out.Breaches) > 0 && !overLimitNeedsApproval {
			return refuseOverLimit(out.Breaches, in.Amount)
		}

		if found {
			if held.Status == "released" {
				// Retrying cannot help: this attempt already gave its spend back.
				return commerce.Reject(commerce.CodeCheckoutAborted, "this checkout attempt was already abandoned")
			}
			return nil // reserved by an earlier try of this attempt
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
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.SpendReserved, Actor: timeline.SystemActor,
			Detail: fmt.Sprintf("reserved %s against %d spending limits", in.Amount, len(limits))})
	})
	return out, activities.Classify(err)
}

// ReleaseSpend gives back the spend one attempt reserved; twice is a no-op.
// It takes the company's lock first, as ReserveSpend does, so the two never
// take the same running totals' rows in opposite orders.
func (a *Activities) ReleaseSpend(ctx context.Context, in ReleaseSpendInput) error {
	key := Key(in.CartID, in.Attempt)
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		held, err := q.SpendReservationGet(ctx, key)
		if db.IsNotFound(err) || (err == nil && held.Status != "reserved") {
			return nil // nothing reserved, or given back or committed before
		} else if err != nil {
			return err
		}
		if _, err := q.CompanyLock(ctx, held.CompanyID); err != nil {
			return err
		}
		n, err := q.SpendReservationRelease(ctx, key)
		if err != nil || n == 0 {
			return err
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.SpendReleased, Actor: timeline.SystemActor, Detail: "spend released"})
	})
}

var periodAdjective = map[commerce.Period]string{
	commerce.PeriodOrder: "per-order", commerce.PeriodMonth: "monthly", commerce.PeriodQuarter: "quarterly",
}

// refuseOverLimit is the refusal of an order over spending limits: the buyer
// reads which limits, never their figures (the company's spend); the
// details, for the company's approvers and admins, tell them.
func refuseOverLimit(breaches []commerce.LimitBreach, order commerce.Money) *commerce.Rejection {
	whose := make([]string, len(breaches))
	told := make([]string, len(breaches))
	for i, b := range breaches {
		who := "the company's"
		if b.Limit.CustomerID != "" {
			who = "your"
		}
		whose[i] = fmt.Sprintf("%s %s spending limit", who, periodAdjective[b.Limit.Period])
		told[i] = fmt.Sprintf("%s %s limit of %s (already spent %s)", who, periodAdjective[b.Limit.Period],
			commerce.Money{Amount: b.Limit.Amount, Currency: b.Limit.Currency},
			commerce.Money{Amount: b.Spent, Currency: order.Currency})
	}
	r := commerce.Reject(commerce.CodeSpendingLimitExceeded,
		"the order exceeds "+strings.Join(whose, " and ")+"; an approver or the company's admin can see the figures")
	r.Details = &commerce.RejectionDetails{
		Message:  "the order exceeds " + strings.Join(told, " and "),
		Currency: order.Currency, OrderTotal: order.Amount, SpendingLimits: breaches,
	}
	return r
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
