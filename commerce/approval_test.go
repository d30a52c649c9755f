package commerce_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

var (
	ruleBig = commerce.ApprovalRule{ID: "big", Kind: commerce.RuleTotalAbove, Threshold: 10_000}
	// ruleLimit matches whenever a spending limit would be exceeded.
	ruleLimit      = commerce.ApprovalRule{ID: "limit", Kind: commerce.RuleOverSpendingLimit}
	ruleRestricted = commerce.ApprovalRule{ID: "restricted", Kind: commerce.RuleRestrictedSKU, SKUs: []string{"CHEM", "LASER"}}
	monthlyBreach  = commerce.LimitBreach{
		Limit: commerce.SpendingLimit{ID: "m", Period: commerce.PeriodMonth, Amount: 50_000, Currency: "EUR"},
		Spent: 45_000, Order: 7_000, Over: 2_000,
	}
)

func withApproverMax(r commerce.ApprovalRule, max int64) commerce.ApprovalRule {
	r.ApproverMax = &max
	return r
}

func TestEvaluateApproval(t *testing.T) {
	t.Parallel()
	bigReason := "the order total EUR 100.01 is above EUR 100.00"
	limitReason := "the order would exceed the company's monthly spending limit of EUR 500.00 by EUR 20.00"
	tests := []struct {
		name  string
		in    commerce.ApprovalInput
		rules []commerce.ApprovalRule
		want  commerce.ApprovalDecision
	}{
		{name: "no rules", in: commerce.ApprovalInput{Total: eur(math.MaxInt64), SKUs: []string{"LASER"}, LimitBreaches: []commerce.LimitBreach{monthlyBreach}}},
		{name: "none matching", rules: []commerce.ApprovalRule{ruleBig, ruleLimit, ruleRestricted},
			in: commerce.ApprovalInput{Total: eur(10_000), SKUs: []string{"PAPER", "LASERS"}}},

		// total_above: strictly above.
		{name: "total at threshold", rules: []commerce.ApprovalRule{ruleBig}, in: commerce.ApprovalInput{Total: eur(10_000)}},
		{name: "total one above threshold", rules: []commerce.ApprovalRule{ruleBig}, in: commerce.ApprovalInput{Total: eur(10_001)},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{bigReason}, MatchedRules: []string{"big"}, RequiredRole: commerce.RoleApprover}},
		{name: "zero threshold, free order", rules: []commerce.ApprovalRule{{ID: "z", Kind: commerce.RuleTotalAbove}}, in: commerce.ApprovalInput{Total: eur(0)}},
		{name: "zero threshold, one cent", rules: []commerce.ApprovalRule{{ID: "z", Kind: commerce.RuleTotalAbove}}, in: commerce.ApprovalInput{Total: eur(1)},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order total EUR 0.01 is above EUR 0.00"}, MatchedRules: []string{"z"}, RequiredRole: commerce.RoleApprover}},

		// over_spending_limit: only with breaches.
		{name: "no breaches", rules: []commerce.ApprovalRule{ruleLimit}, in: commerce.ApprovalInput{Total: eur(7_000), LimitBreaches: []commerce.LimitBreach{}}},
		{name: "a breach", rules: []commerce.ApprovalRule{ruleLimit}, in: commerce.ApprovalInput{Total: eur(7_000), LimitBreaches: []commerce.LimitBreach{monthlyBreach}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{limitReason}, MatchedRules: []string{"limit"}, RequiredRole: commerce.RoleApprover}},

		// restricted_sku.
		{name: "restricted product", rules: []commerce.ApprovalRule{ruleRestricted}, in: commerce.ApprovalInput{Total: eur(1), SKUs: []string{"PAPER", "LASER"}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order contains the restricted product LASER"}, MatchedRules: []string{"restricted"}, RequiredRole: commerce.RoleApprover}},
		{name: "restricted products named once each, in cart order", rules: []commerce.ApprovalRule{ruleRestricted},
			in:   commerce.ApprovalInput{Total: eur(1), SKUs: []string{"LASER", "PAPER", "CHEM", "LASER"}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order contains the restricted products LASER, CHEM"}, MatchedRules: []string{"restricted"}, RequiredRole: commerce.RoleApprover}},
		{name: "SKU match is exact", rules: []commerce.ApprovalRule{ruleRestricted}, in: commerce.ApprovalInput{Total: eur(1), SKUs: []string{"laser", "CHEM-2"}}},

		// Several rules.
		{name: "several matching: reasons in rule order", rules: []commerce.ApprovalRule{ruleRestricted, ruleLimit, ruleBig},
			in: commerce.ApprovalInput{Total: eur(10_001), SKUs: []string{"CHEM"}, LimitBreaches: []commerce.LimitBreach{monthlyBreach}},
			want: commerce.ApprovalDecision{
				Required:     true,
				Reasons:      []string{"the order contains the restricted product CHEM", limitReason, bigReason},
				MatchedRules: []string{"restricted", "limit", "big"},
				RequiredRole: commerce.RoleApprover,
			}},
		{name: "only the matching ones", rules: []commerce.ApprovalRule{ruleRestricted, ruleLimit, ruleBig},
			in:   commerce.ApprovalInput{Total: eur(10_001), SKUs: []string{"PAPER"}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{bigReason}, MatchedRules: []string{"big"}, RequiredRole: commerce.RoleApprover}},

		// Approver tiers.
		{name: "total == ApproverMax: an approver may decide", rules: []commerce.ApprovalRule{withApproverMax(ruleBig, 20_000)},
			in:   commerce.ApprovalInput{Total: eur(20_000)},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order total EUR 200.00 is above EUR 100.00"}, MatchedRules: []string{"big"}, RequiredRole: commerce.RoleApprover}},
		{name: "total == ApproverMax + 1: company admin", rules: []commerce.ApprovalRule{withApproverMax(ruleBig, 20_000)},
			in:   commerce.ApprovalInput{Total: eur(20_001)},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order total EUR 200.01 is above EUR 100.00"}, MatchedRules: []string{"big"}, RequiredRole: commerce.RoleCompanyAdmin}},
		{name: "nil ApproverMax: approvers approve any amount", rules: []commerce.ApprovalRule{ruleRestricted},
			in:   commerce.ApprovalInput{Total: eur(math.MaxInt64), SKUs: []string{"CHEM"}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order contains the restricted product CHEM"}, MatchedRules: []string{"restricted"}, RequiredRole: commerce.RoleApprover}},
		{name: "ApproverMax of a rule that did not match does not count",
			rules: []commerce.ApprovalRule{withApproverMax(ruleRestricted, 0), ruleBig},
			in:    commerce.ApprovalInput{Total: eur(10_001), SKUs: []string{"PAPER"}},
			want:  commerce.ApprovalDecision{Required: true, Reasons: []string{bigReason}, MatchedRules: []string{"big"}, RequiredRole: commerce.RoleApprover}},
		{name: "any matched rule's ApproverMax lifts the role", rules: []commerce.ApprovalRule{ruleBig, withApproverMax(ruleRestricted, 10_000)},
			in: commerce.ApprovalInput{Total: eur(10_001), SKUs: []string{"LASER"}},
			want: commerce.ApprovalDecision{
				Required: true, Reasons: []string{bigReason, "the order contains the restricted product LASER"},
				MatchedRules: []string{"big", "restricted"}, RequiredRole: commerce.RoleCompanyAdmin,
			}},
		{name: "ApproverMax zero: any paid order needs the admin", rules: []commerce.ApprovalRule{withApproverMax(ruleRestricted, 0)},
			in:   commerce.ApprovalInput{Total: eur(1), SKUs: []string{"LASER"}},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{"the order contains the restricted product LASER"}, MatchedRules: []string{"restricted"}, RequiredRole: commerce.RoleCompanyAdmin}},

		// An approval control that cannot be evaluated holds the order.
		{name: "unknown kind fails closed", rules: []commerce.ApprovalRule{{ID: "future", Kind: "budget_code"}},
			in:   commerce.ApprovalInput{Total: eur(1)},
			want: commerce.ApprovalDecision{Required: true, Reasons: []string{`approval rule future has kind "budget_code", which cannot be evaluated`}, MatchedRules: []string{"future"}, RequiredRole: commerce.RoleApprover}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := commerce.EvaluateApproval(tt.in, tt.rules)
			buyerReasons := got.BuyerReasons
			got.BuyerReasons = nil
			require.Equal(t, tt.want, got)
			// Buyers get one sentence per reason, the same but for a limit's figures.
			require.Len(t, buyerReasons, len(got.Reasons))
			for i, r := range got.Reasons {
				if r == limitReason {
					require.Equal(t, "the order would exceed the company's monthly spending limit", buyerReasons[i])
					continue
				}
				require.Equal(t, r, buyerReasons[i])
			}
		})
	}
}

func TestEvaluateApprovalBreachReasons(t *testing.T) {
	t.Parallel()
	limit := func(customer string, p commerce.Period, amount int64, currency string) commerce.SpendingLimit {
		return commerce.SpendingLimit{ID: "l", CustomerID: customer, Period: p, Amount: amount, Currency: currency}
	}
	breaches := []commerce.LimitBreach{
		{Limit: limit("", commerce.PeriodQuarter, 100_000, "EUR"), Spent: 99_000, Order: 1_500, Over: 500},
		{Limit: limit("cust-1", commerce.PeriodOrder, 1_000, "EUR"), Order: 1_500, Over: 500},
		{Limit: limit("cust-1", commerce.PeriodMonth, 1_000, "USD"), Order: 1_500, Over: 1_500},
	}
	got := commerce.EvaluateApproval(commerce.ApprovalInput{Total: eur(1_500), LimitBreaches: breaches}, []commerce.ApprovalRule{ruleLimit})
	require.Equal(t, []string{
		"the order would exceed the company's quarterly spending limit of EUR 1000.00 by EUR 5.00" +
			" and the buyer's per-order spending limit of EUR 10.00 by EUR 5.00" +
			" and the buyer's monthly spending limit in USD, which cannot be checked against an order in EUR",
	}, got.Reasons)
	require.Equal(t, []string{
		"the order would exceed the company's quarterly spending limit" +
			" and the buyer's per-order spending limit" +
			" and the buyer's monthly spending limit in USD, which cannot be checked against an order in EUR",
	}, got.BuyerReasons, "a buyer is not told the company's limits nor how far over them")
}

var allRoles = []commerce.Role{
	commerce.RoleBuyer, commerce.RoleApprover, commerce.RoleCompanyAdmin,
	commerce.RoleSalesRep, commerce.RoleSalesManager, commerce.RoleOps,
}

func TestCanDecide(t *testing.T) {
	t.Parallel()
	allowed := map[[2]commerce.Role]bool{
		{commerce.RoleApprover, commerce.RoleApprover}:         true,
		{commerce.RoleCompanyAdmin, commerce.RoleApprover}:     true,
		{commerce.RoleCompanyAdmin, commerce.RoleCompanyAdmin}: true,
	}
	// Every role against each role a decision can require, and against values
	// that are not a decision's required role at all.
	required := append([]commerce.Role{commerce.RoleApprover, commerce.RoleCompanyAdmin, "", commerce.RoleBuyer, commerce.RoleOps}, "root")
	for _, role := range append(allRoles, "", "root") {
		for _, req := range required {
			t.Run(fmt.Sprintf("%q deciding for %q", role, req), func(t *testing.T) {
				t.Parallel()
				require.Equal(t, allowed[[2]commerce.Role{role, req}], commerce.CanDecide(role, req))
			})
		}
	}
}

func TestValidateApprovalRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rule      commerce.ApprovalRule
		wantField string // "" means valid
		wantMsg   string
	}{
		{name: "total above", rule: ruleBig},
		{name: "total above zero", rule: commerce.ApprovalRule{Kind: commerce.RuleTotalAbove}},
		{name: "over spending limit", rule: ruleLimit},
		{name: "restricted skus", rule: ruleRestricted},
		{name: "approver max zero", rule: withApproverMax(ruleBig, 0)},
		{name: "unknown kind", rule: commerce.ApprovalRule{Kind: "budget"}, wantField: "kind", wantMsg: `"total_above", "over_spending_limit" or "restricted_sku"`},
		{name: "empty kind", rule: commerce.ApprovalRule{}, wantField: "kind", wantMsg: "must be"},
		{name: "negative threshold", rule: commerce.ApprovalRule{Kind: commerce.RuleTotalAbove, Threshold: -1}, wantField: "threshold", wantMsg: "must not be negative"},
		{name: "threshold on another kind", rule: commerce.ApprovalRule{Kind: commerce.RuleOverSpendingLimit, Threshold: 1}, wantField: "threshold", wantMsg: "applies only to total_above"},
		{name: "restricted without skus", rule: commerce.ApprovalRule{Kind: commerce.RuleRestrictedSKU, SKUs: []string{}}, wantField: "skus", wantMsg: "at least one product"},
		{name: "skus on another kind", rule: commerce.ApprovalRule{Kind: commerce.RuleTotalAbove, SKUs: []string{"A"}}, wantField: "skus", wantMsg: "applies only to restricted_sku"},
		{name: "bad sku", rule: commerce.ApprovalRule{Kind: commerce.RuleRestrictedSKU, SKUs: []string{"A", "B C"}}, wantField: "skus[1]", wantMsg: "letters, digits"},
		{name: "empty sku", rule: commerce.ApprovalRule{Kind: commerce.RuleRestrictedSKU, SKUs: []string{""}}, wantField: "skus[0]", wantMsg: "is required"},
		{name: "duplicate sku", rule: commerce.ApprovalRule{Kind: commerce.RuleRestrictedSKU, SKUs: []string{"A", "B", "A"}}, wantField: "skus[2]", wantMsg: "A appears twice"},
		{name: "negative approver max", rule: withApproverMax(ruleLimit, -1), wantField: "approver_max", wantMsg: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateApprovalRule(tt.rule)
			if tt.wantField == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

func TestCheckApprovalDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     commerce.ApprovalStatus
		wantSubstr string // "" means it can be decided
	}{
		{status: commerce.ApprovalPending},
		{status: commerce.ApprovalApproved, wantSubstr: "already been approved"},
		{status: commerce.ApprovalRejected, wantSubstr: "already been rejected"},
		{status: commerce.ApprovalWithdrawn, wantSubstr: "withdrawn"},
		{status: commerce.ApprovalExpired, wantSubstr: "expired"},
		{status: "", wantSubstr: "the approval is , not pending"},
		{status: "PENDING", wantSubstr: "the approval is PENDING, not pending"},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckApprovalDecision(tt.status)
			if tt.wantSubstr == "" {
				require.NoError(t, err)
				return
			}
			r := requireRejection(t, err, commerce.CodeApprovalClosed)
			require.Contains(t, r.Message, tt.wantSubstr)
		})
	}
}

func TestB2BRejectionCodes(t *testing.T) {
	t.Parallel()
	// Codes are stable API: clients switch on these strings.
	tests := []struct {
		code commerce.RejectionCode
		want string
	}{
		{commerce.CodeSpendingLimitExceeded, "spending_limit_exceeded"},
		{commerce.CodeApprovalRejected, "approval_rejected"},
		{commerce.CodeApprovalWithdrawn, "approval_withdrawn"},
		{commerce.CodeApprovalExpired, "approval_expired"},
		{commerce.CodeApprovalClosed, "approval_closed"},
		{commerce.CodeNotAllowed, "not_allowed"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, string(tt.code))
	}
}
