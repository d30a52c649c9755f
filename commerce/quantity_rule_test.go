package commerce_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func ptr64(v int64) *int64 { return &v }

func TestCheckQuantityRule(t *testing.T) {
	t.Parallel()
	tens := &commerce.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: ptr64(500)}
	tests := []struct {
		name     string
		rule     *commerce.QuantityRule
		quantity int64
		want     string // the rule broken, "" when the quantity passes
		message  string
	}{
		{name: "no rule: anything goes", rule: nil, quantity: 3},
		{name: "no rule: one unit", rule: nil, quantity: 1},
		{name: "zero is a removed line, never refused", rule: tens, quantity: 0},
		{name: "at the minimum", rule: tens, quantity: 10},
		{name: "a multiple", rule: tens, quantity: 120},
		{name: "at the maximum", rule: tens, quantity: 500},
		{name: "below the minimum", rule: tens, quantity: 3, want: commerce.QuantityRuleMinimum,
			message: "BOLT-M8-50 has a minimum order quantity of 10"},
		{name: "not a multiple", rule: tens, quantity: 15, want: commerce.QuantityRuleIncrement,
			message: "BOLT-M8-50 is sold in multiples of 10"},
		{name: "above the maximum", rule: tens, quantity: 510, want: commerce.QuantityRuleMaximum,
			message: "BOLT-M8-50 is sold at most 500 per order"},
		{name: "above the maximum and not a multiple: told the maximum", rule: tens, quantity: 505, want: commerce.QuantityRuleMaximum},
		{name: "below the minimum and not a multiple: told the minimum", rule: tens, quantity: 7, want: commerce.QuantityRuleMinimum},
		{name: "minimum only", rule: &commerce.QuantityRule{MinQuantity: 25, Increment: 1}, quantity: 24, want: commerce.QuantityRuleMinimum},
		{name: "minimum only, any quantity above", rule: &commerce.QuantityRule{MinQuantity: 25, Increment: 1}, quantity: 9999},
		{name: "increment only", rule: &commerce.QuantityRule{MinQuantity: 1, Increment: 6}, quantity: 6},
		{name: "increment only: below it is the minimum that fails", rule: &commerce.QuantityRule{MinQuantity: 1, Increment: 6}, quantity: 4,
			want: commerce.QuantityRuleMinimum, message: "BOLT-M8-50 has a minimum order quantity of 6"},
		{name: "maximum only", rule: &commerce.QuantityRule{MinQuantity: 1, Increment: 1, MaxQuantity: ptr64(5)}, quantity: 6, want: commerce.QuantityRuleMaximum},
		// A minimum that is not a multiple of the increment: the least that
		// can be ordered is the next multiple, and the refusal says so.
		{name: "minimum not a multiple: the next multiple passes", rule: &commerce.QuantityRule{MinQuantity: 5, Increment: 10}, quantity: 10},
		{name: "minimum not a multiple: the minimum itself is no multiple", rule: &commerce.QuantityRule{MinQuantity: 5, Increment: 10}, quantity: 5,
			want: commerce.QuantityRuleMinimum, message: "BOLT-M8-50 has a minimum order quantity of 10"},
		{name: "minimum not a multiple: a multiple above passes", rule: &commerce.QuantityRule{MinQuantity: 15, Increment: 10}, quantity: 20},
		{name: "minimum not a multiple: above it, not a multiple", rule: &commerce.QuantityRule{MinQuantity: 15, Increment: 10}, quantity: 25,
			want: commerce.QuantityRuleIncrement},
		{name: "a rule with a zero increment is not trusted to divide", rule: &commerce.QuantityRule{MinQuantity: 1, Increment: 0}, quantity: 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckQuantityRule("BOLT-M8-50", tc.quantity, tc.rule)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			r, ok := commerce.AsRejection(err)
			require.True(t, ok, "a rejection, not %v", err)
			require.Equal(t, commerce.CodeQuantityRule, r.Code)
			require.Equal(t, "BOLT-M8-50", r.SKU)
			require.NotNil(t, r.QuantityRule)
			require.Equal(t, tc.want, r.QuantityRule.Rule)
			require.Equal(t, "BOLT-M8-50", r.QuantityRule.SKU)
			require.Equal(t, tc.quantity, r.QuantityRule.Quantity)
			require.Equal(t, tc.rule.MinQuantity, r.QuantityRule.MinQuantity)
			require.Equal(t, tc.rule.Increment, r.QuantityRule.Increment)
			require.Equal(t, tc.rule.MaxQuantity, r.QuantityRule.MaxQuantity)
			if tc.message != "" {
				require.Equal(t, tc.message, r.Message)
			}
		})
	}
}

func TestEffectiveQuantityRule(t *testing.T) {
	t.Parallel()
	skuRule := &commerce.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: ptr64(500)}
	companyRule := &commerce.QuantityRule{MinQuantity: 1, Increment: 5}
	tests := []struct {
		name             string
		skuRule, company *commerce.QuantityRule
		want             *commerce.QuantityRule
	}{
		{name: "no rule at all", want: nil},
		{name: "the SKU's rule", skuRule: skuRule,
			want: &commerce.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: ptr64(500)}},
		{name: "the company's own rule replaces the SKU's, whole: no maximum inherited", skuRule: skuRule, company: companyRule,
			want: &commerce.QuantityRule{MinQuantity: 1, Increment: 5, CompanySpecific: true}},
		{name: "a company rule without a SKU rule", company: companyRule,
			want: &commerce.QuantityRule{MinQuantity: 1, Increment: 5, CompanySpecific: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, commerce.EffectiveQuantityRule(tc.skuRule, tc.company))
		})
	}
	// The effective rule decides: 15 is in multiples of 5 (the company's)
	// but not of 10 (the SKU's).
	eff := commerce.EffectiveQuantityRule(skuRule, companyRule)
	require.NoError(t, commerce.CheckQuantityRule("BOLT-M8-50", 15, eff))
	require.Error(t, commerce.CheckQuantityRule("BOLT-M8-50", 15, skuRule))
	require.NoError(t, commerce.CheckQuantityRule("BOLT-M8-50", 600, eff), "the company's rule has no maximum")
}

func TestValidateQuantityRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rule  commerce.QuantityRule
		field string // "" when valid
	}{
		{name: "minimum and increment", rule: commerce.QuantityRule{MinQuantity: 10, Increment: 10}},
		{name: "all three", rule: commerce.QuantityRule{MinQuantity: 20, Increment: 10, MaxQuantity: ptr64(500)}},
		{name: "maximum equal to minimum", rule: commerce.QuantityRule{MinQuantity: 10, Increment: 5, MaxQuantity: ptr64(10)}},
		{name: "the largest figures", rule: commerce.QuantityRule{MinQuantity: commerce.MaxLineQuantity, Increment: commerce.MaxLineQuantity,
			MaxQuantity: ptr64(commerce.MaxLineQuantity)}},
		{name: "minimum 0", rule: commerce.QuantityRule{MinQuantity: 0, Increment: 1}, field: "min_quantity"},
		{name: "minimum negative", rule: commerce.QuantityRule{MinQuantity: -5, Increment: 1}, field: "min_quantity"},
		{name: "minimum above a line's most", rule: commerce.QuantityRule{MinQuantity: commerce.MaxLineQuantity + 1, Increment: 1}, field: "min_quantity"},
		{name: "increment 0", rule: commerce.QuantityRule{MinQuantity: 1, Increment: 0}, field: "increment"},
		{name: "increment above a line's most", rule: commerce.QuantityRule{MinQuantity: 1, Increment: commerce.MaxLineQuantity + 1}, field: "increment"},
		{name: "minimum not a multiple of the increment", rule: commerce.QuantityRule{MinQuantity: 5, Increment: 10}, field: "min_quantity"},
		{name: "maximum below minimum", rule: commerce.QuantityRule{MinQuantity: 20, Increment: 10, MaxQuantity: ptr64(10)}, field: "max_quantity"},
		{name: "maximum 0", rule: commerce.QuantityRule{MinQuantity: 1, Increment: 1, MaxQuantity: ptr64(0)}, field: "max_quantity"},
		{name: "maximum not a multiple of the increment", rule: commerce.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: ptr64(25)}, field: "max_quantity"},
		{name: "maximum above a line's most", rule: commerce.QuantityRule{MinQuantity: 1, Increment: 1, MaxQuantity: ptr64(commerce.MaxLineQuantity + 1)}, field: "max_quantity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateQuantityRule(tc.rule)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *commerce.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.field, fe.Field)
		})
	}
	var fe *commerce.FieldError
	require.ErrorAs(t, commerce.ValidateQuantityRule(commerce.QuantityRule{MinQuantity: 5, Increment: 10}), &fe)
	require.Contains(t, fe.Message, "is 10, not 5", "the refusal says the minimum meant")
	require.ErrorAs(t, commerce.ValidateQuantityRule(commerce.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: ptr64(25)}), &fe)
	require.Contains(t, fe.Message, "is 20, not 25", "the refusal says the maximum meant")
}

func TestCheckQuantityRules(t *testing.T) {
	t.Parallel()
	rules := map[string]commerce.QuantityRule{
		"BOLT-M8-50":  {MinQuantity: 10, Increment: 10},
		"GLOVE-NIT-L": {MinQuantity: 1, Increment: 1, MaxQuantity: ptr64(100)},
	}
	tests := []struct {
		name  string
		lines []commerce.CartLine
		sku   string // the line refused, "" when all pass
	}{
		{name: "no lines"},
		{name: "SKUs without rules", lines: []commerce.CartLine{{SKU: "NUT-M8", Quantity: 3}}},
		{name: "all within their rules", lines: []commerce.CartLine{{SKU: "BOLT-M8-50", Quantity: 30}, {SKU: "GLOVE-NIT-L", Quantity: 100}, {SKU: "NUT-M8", Quantity: 7}}},
		{name: "the first line that breaks its rule", lines: []commerce.CartLine{{SKU: "NUT-M8", Quantity: 7}, {SKU: "GLOVE-NIT-L", Quantity: 101}, {SKU: "BOLT-M8-50", Quantity: 3}},
			sku: "GLOVE-NIT-L"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckQuantityRules(tc.lines, rules)
			if tc.sku == "" {
				require.NoError(t, err)
				return
			}
			r, ok := commerce.AsRejection(err)
			require.True(t, ok)
			require.Equal(t, tc.sku, r.SKU)
		})
	}
}
