package commerce

import (
	"fmt"
	"strings"
)

// ApprovalRuleKind is what an approval rule looks at.
type ApprovalRuleKind string

// Approval rule kinds.
const (
	// RuleTotalAbove: the order total is strictly above Threshold.
	RuleTotalAbove ApprovalRuleKind = "total_above"
	// RuleOverSpendingLimit: the order would exceed one of the spending limits.
	RuleOverSpendingLimit ApprovalRuleKind = "over_spending_limit"
	// RuleRestrictedSKU: the order contains one of SKUs.
	RuleRestrictedSKU ApprovalRuleKind = "restricted_sku"
)

// ApprovalRule is one of a company's reasons to hold an order until one of its
// approvers agrees.
type ApprovalRule struct {
	ID   string           `json:"id"`
	Kind ApprovalRuleKind `json:"kind"`
	// Threshold is for RuleTotalAbove: minor units of the company's currency; a
	// total strictly above it matches.
	Threshold int64 `json:"threshold"`
	// SKUs is for RuleRestrictedSKU: an order with any of them matches.
	SKUs []string `json:"skus,omitempty"`
	// ApproverMax caps what an approver may approve when this rule matched: an
	// order with a total <= ApproverMax, and above it only a company admin. nil
	// lets approvers approve any amount.
	ApproverMax *int64 `json:"approver_max,omitempty"`
}

// ApprovalInput is what the approval rules look at in an order.
type ApprovalInput struct {
	Total         Money         `json:"total"`
	SKUs          []string      `json:"skus"`
	LimitBreaches []LimitBreach `json:"limit_breaches,omitempty"` // from CheckSpendingLimits
}

// ApprovalDecision is whether an order must wait for approval, why, and who may
// give it.
type ApprovalDecision struct {
	Required bool `json:"required"`
	// Reasons holds one sentence per matched rule, in rule order, to show the
	// buyer and the approver.
	Reasons      []string `json:"reasons,omitempty"`
	MatchedRules []string `json:"matched_rules,omitempty"` // rule IDs, in rule order
	// BuyerReasons are Reasons as buyers are told them (the checkout's
	// status, its timeline, their notification): the same sentences without
	// the company's spend figures (a spending limit's amount, how far over it
	// the order goes), which are for approvers, admins and ops.
	BuyerReasons []string `json:"buyer_reasons,omitempty"`
	// RequiredRole is the least role that may decide: RoleApprover, or
	// RoleCompanyAdmin when the total is above a matched rule's ApproverMax.
	// Empty when no approval is required.
	RequiredRole Role `json:"required_role,omitempty"`
}

// EvaluateApproval applies a company's approval rules to an order. Every rule is
// evaluated, so the approver sees all the reasons at once, not only the first.
// A rule of a kind this code does not know matches (fail closed): an approval
// control that cannot be evaluated must not wave orders through.
func EvaluateApproval(in ApprovalInput, rules []ApprovalRule) ApprovalDecision {
	var d ApprovalDecision
	adminOnly := false
	for _, r := range rules {
		reason, matched := r.match(in, true)
		if !matched {
			continue
		}
		buyerReason, _ := r.match(in, false)
		d.Reasons = append(d.Reasons, reason)
		d.BuyerReasons = append(d.BuyerReasons, buyerReason)
		d.MatchedRules = append(d.MatchedRules, r.ID)
		if r.ApproverMax != nil && in.Total.Amount > *r.ApproverMax {
			adminOnly = true
		}
	}
	if len(d.MatchedRules) == 0 {
		return d
	}
	d.Required = true
	d.RequiredRole = RoleApprover
	if adminOnly {
		d.RequiredRole = RoleCompanyAdmin
	}
	return d
}

// match tells whether r matches in and, if so, says why in a sentence, with
// the company's spend figures or without them.
func (r ApprovalRule) match(in ApprovalInput, figures bool) (string, bool) {
	switch r.Kind {
	case RuleTotalAbove:
		if in.Total.Amount <= r.Threshold {
			return "", false
		}
		return fmt.Sprintf("the order total %s is above %s",
			in.Total, Money{Amount: r.Threshold, Currency: in.Total.Currency}), true
	case RuleOverSpendingLimit:
		if len(in.LimitBreaches) == 0 {
			return "", false
		}
		parts := make([]string, 0, len(in.LimitBreaches))
		for _, b := range in.LimitBreaches {
			parts = append(parts, describeBreach(b, in.Total.Currency, figures))
		}
		return "the order would exceed " + strings.Join(parts, " and "), true
	case RuleRestrictedSKU:
		restricted := make(map[string]bool, len(r.SKUs))
		for _, s := range r.SKUs {
			restricted[s] = true
		}
		var hits []string
		for _, s := range in.SKUs {
			if restricted[s] {
				hits = append(hits, s)
				restricted[s] = false // name each product once
			}
		}
		switch len(hits) {
		case 0:
			return "", false
		case 1:
			return "the order contains the restricted product " + hits[0], true
		}
		return "the order contains the restricted products " + strings.Join(hits, ", "), true
	}
	return fmt.Sprintf("approval rule %s has kind %q, which cannot be evaluated", r.ID, r.Kind), true
}

// describeBreach words one breach for a reason sentence: with its figures
// (the limit, how far over) or without them.
func describeBreach(b LimitBreach, currency string, figures bool) string {
	whose := "the company's"
	if b.Limit.CustomerID != "" {
		whose = "the buyer's"
	}
	var period string
	switch b.Limit.Period {
	case PeriodOrder:
		period = "per-order"
	case PeriodMonth:
		period = "monthly"
	case PeriodQuarter:
		period = "quarterly"
	default:
		period = string(b.Limit.Period)
	}
	if b.CurrencyMismatch(currency) {
		return fmt.Sprintf("%s %s spending limit in %s, which cannot be checked against an order in %s",
			whose, period, b.Limit.Currency, currency)
	}
	if !figures {
		return fmt.Sprintf("%s %s spending limit", whose, period)
	}
	return fmt.Sprintf("%s %s spending limit of %s by %s", whose, period,
		Money{Amount: b.Limit.Amount, Currency: currency}, Money{Amount: b.Over, Currency: currency})
}

// CanDecide tells whether a principal with role may approve or reject an order
// whose decision requires the role required. A company admin may decide
// whatever an approver may; buyers and the seller's staff never decide for a
// company. Any other required role (including none) gives false: there is
// nothing such a caller may decide.
func CanDecide(role, required Role) bool {
	switch required {
	case RoleApprover:
		return role == RoleApprover || role == RoleCompanyAdmin
	case RoleCompanyAdmin:
		return role == RoleCompanyAdmin
	}
	return false
}

// ValidateApprovalRule checks an approval rule before it is stored, naming the
// offending field ("kind", "threshold", "skus", "skus[i]" or "approver_max").
// Fields that the rule's kind ignores must be left empty, so that a rule never
// looks as if it did something it does not.
func ValidateApprovalRule(r ApprovalRule) error {
	switch r.Kind {
	case RuleTotalAbove, RuleOverSpendingLimit, RuleRestrictedSKU:
	default:
		return &FieldError{Field: "kind", Message: fmt.Sprintf("must be %q, %q or %q",
			RuleTotalAbove, RuleOverSpendingLimit, RuleRestrictedSKU)}
	}
	switch {
	case r.Threshold < 0:
		return &FieldError{Field: "threshold", Message: "must not be negative"}
	case r.Threshold != 0 && r.Kind != RuleTotalAbove:
		return &FieldError{Field: "threshold", Message: fmt.Sprintf("applies only to %s rules", RuleTotalAbove)}
	case len(r.SKUs) == 0 && r.Kind == RuleRestrictedSKU:
		return &FieldError{Field: "skus", Message: "must name at least one product"}
	case len(r.SKUs) != 0 && r.Kind != RuleRestrictedSKU:
		return &FieldError{Field: "skus", Message: fmt.Sprintf("applies only to %s rules", RuleRestrictedSKU)}
	}
	seen := make(map[string]bool, len(r.SKUs))
	for i, s := range r.SKUs {
		field := fmt.Sprintf("skus[%d]", i)
		if err := ValidateSKU(field, s); err != nil {
			return err
		}
		if seen[s] {
			return &FieldError{Field: field, Message: fmt.Sprintf("%s appears twice", s)}
		}
		seen[s] = true
	}
	if r.ApproverMax != nil && *r.ApproverMax < 0 {
		return &FieldError{Field: "approver_max", Message: "must not be negative"}
	}
	return nil
}

// ApprovalStatus is where an approval request is in its life.
type ApprovalStatus string

// Approval statuses. Only a pending approval can be decided; every other status
// is final.
const (
	// ApprovalPending: the checkout waits for an approver.
	ApprovalPending ApprovalStatus = "pending"
	// ApprovalApproved: an approver agreed; the checkout goes on.
	ApprovalApproved ApprovalStatus = "approved"
	// ApprovalRejected: an approver refused; the checkout fails.
	ApprovalRejected ApprovalStatus = "rejected"
	// ApprovalWithdrawn: the buyer took the order back before a decision.
	ApprovalWithdrawn ApprovalStatus = "withdrawn"
	// ApprovalExpired: nobody decided before the deadline.
	ApprovalExpired ApprovalStatus = "expired"
)

// CheckApprovalDecision says no, with a *Rejection CodeApprovalClosed, when an
// approval in status can no longer be decided, so a late or doubled decision is
// refused rather than applied twice.
func CheckApprovalDecision(status ApprovalStatus) error {
	switch status {
	case ApprovalPending:
		return nil
	case ApprovalApproved:
		return Reject(CodeApprovalClosed, "the order has already been approved")
	case ApprovalRejected:
		return Reject(CodeApprovalClosed, "the order has already been rejected")
	case ApprovalWithdrawn:
		return Reject(CodeApprovalClosed, "the buyer has withdrawn the order")
	case ApprovalExpired:
		return Reject(CodeApprovalClosed, "the approval has expired")
	}
	return Reject(CodeApprovalClosed, fmt.Sprintf("the approval is %s, not pending", status))
}
