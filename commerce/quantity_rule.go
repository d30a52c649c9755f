package commerce

import "fmt"

// CodeQuantityRule: a line's quantity breaks the SKU's quantity rule (below
// its minimum, not a multiple of its increment, above its maximum). The
// refusal's QuantityRule says which rule and its figures.
const CodeQuantityRule RejectionCode = "quantity_rule"

// QuantityRule says how many units of one SKU an order line may hold: at
// least MinQuantity, a multiple of Increment, and at most MaxQuantity when it
// is set. A SKU may have one for every company, and a company may have its
// own, which replaces the SKU's whole (EffectiveQuantityRule).
type QuantityRule struct {
	MinQuantity int64  `json:"min_quantity"`
	Increment   int64  `json:"increment"`
	MaxQuantity *int64 `json:"max_quantity,omitempty"`
	// CompanySpecific is set on the rule of one company, which replaces the
	// SKU's rule for that company.
	CompanySpecific bool `json:"company_specific"`
}

// The rules a quantity can break, as QuantityRuleBreach.Rule names them.
const (
	QuantityRuleMinimum   = "minimum"
	QuantityRuleIncrement = "increment"
	QuantityRuleMaximum   = "maximum"
)

// QuantityRuleBreach is why a quantity was refused: the SKU, the rule it
// breaks (minimum, increment or maximum), the quantity asked for and the
// SKU's rule as it applies to the buyer's company. A buyer may see it: the
// rule is shown on the catalogue too.
type QuantityRuleBreach struct {
	SKU         string `json:"sku"`
	Rule        string `json:"rule"`
	Quantity    int64  `json:"quantity"`
	MinQuantity int64  `json:"min_quantity"`
	Increment   int64  `json:"increment"`
	MaxQuantity *int64 `json:"max_quantity,omitempty"`
}

// EffectiveQuantityRule is the rule that applies to a company: its own rule
// for the SKU when it has one (the whole of it, not field by field), else the
// SKU's rule, else none (nil).
func EffectiveQuantityRule(skuRule, companyRule *QuantityRule) *QuantityRule {
	if companyRule != nil {
		r := *companyRule
		r.CompanySpecific = true
		return &r
	}
	if skuRule != nil {
		r := *skuRule
		r.CompanySpecific = false
		return &r
	}
	return nil
}

// ValidateQuantityRule checks a rule as ops write it, naming the field at
// fault. The least quantity must be at least 1 and the increment at least 1;
// both the minimum and the maximum must be multiples of the increment (a
// minimum of 5 in multiples of 10 would really be 10, a maximum of 25 really
// 20, so the rule is refused with the value meant rather than stored saying
// something it does not do); the maximum may not be below the minimum; no
// figure may exceed MaxLineQuantity, the most any cart line holds.
func ValidateQuantityRule(r QuantityRule) error {
	switch {
	case r.MinQuantity < 1:
		return &FieldError{Field: "min_quantity", Message: "must be at least 1"}
	case r.MinQuantity > MaxLineQuantity:
		return &FieldError{Field: "min_quantity", Message: fmt.Sprintf("must be at most %d, the most a cart line holds", MaxLineQuantity)}
	case r.Increment < 1:
		return &FieldError{Field: "increment", Message: "must be at least 1"}
	case r.Increment > MaxLineQuantity:
		return &FieldError{Field: "increment", Message: fmt.Sprintf("must be at most %d, the most a cart line holds", MaxLineQuantity)}
	case r.MinQuantity%r.Increment != 0:
		return &FieldError{Field: "min_quantity", Message: fmt.Sprintf(
			"must be a multiple of increment %d: the least that can be ordered in multiples of %d is %d, not %d",
			r.Increment, r.Increment, roundUpTo(r.MinQuantity, r.Increment), r.MinQuantity)}
	}
	if r.MaxQuantity == nil {
		return nil
	}
	most := *r.MaxQuantity
	switch {
	case most < r.MinQuantity:
		return &FieldError{Field: "max_quantity", Message: fmt.Sprintf("must be at least min_quantity %d", r.MinQuantity)}
	case most > MaxLineQuantity:
		return &FieldError{Field: "max_quantity", Message: fmt.Sprintf("must be at most %d, the most a cart line holds (leave it out for no maximum)", MaxLineQuantity)}
	case most%r.Increment != 0:
		return &FieldError{Field: "max_quantity", Message: fmt.Sprintf(
			"must be a multiple of increment %d: the most that can be ordered in multiples of %d is %d, not %d",
			r.Increment, r.Increment, most/r.Increment*r.Increment, most)}
	}
	return nil
}

// CheckQuantityRule refuses a line of quantity units of sku that breaks rule
// (nil: the SKU has no rule, any quantity goes). A quantity of 0 is no line
// at all (a removed line) and always passes: a buyer may always take a SKU
// out of a cart. The minimum is checked first, then the maximum, then the
// increment, so a quantity below the minimum is told the minimum, and one
// above the maximum is not told to round to a multiple that is still too
// many. A minimum that is not a multiple of the increment (a rule ops could
// not write, but one the check does not trust) counts as the next multiple:
// the least quantity that can really be ordered.
func CheckQuantityRule(sku string, quantity int64, rule *QuantityRule) error {
	if rule == nil || quantity == 0 {
		return nil
	}
	inc := max(rule.Increment, 1)
	breach := QuantityRuleBreach{SKU: sku, Quantity: quantity, MinQuantity: rule.MinQuantity, Increment: rule.Increment, MaxQuantity: rule.MaxQuantity}
	var msg string
	switch least := roundUpTo(max(rule.MinQuantity, 1), inc); {
	case quantity < least:
		breach.Rule = QuantityRuleMinimum
		msg = fmt.Sprintf("%s has a minimum order quantity of %d", sku, least)
	case rule.MaxQuantity != nil && quantity > *rule.MaxQuantity:
		breach.Rule = QuantityRuleMaximum
		msg = fmt.Sprintf("%s is sold at most %d per order", sku, *rule.MaxQuantity)
	case quantity%inc != 0:
		breach.Rule = QuantityRuleIncrement
		msg = fmt.Sprintf("%s is sold in multiples of %d", sku, inc)
	default:
		return nil
	}
	r := RejectSKU(CodeQuantityRule, sku, msg)
	r.QuantityRule = &breach
	return r
}

// CheckQuantityRules checks every line against its SKU's rule in rules (SKUs
// without a rule are absent) and refuses the first line, in line order, that
// breaks its rule.
func CheckQuantityRules(lines []CartLine, rules map[string]QuantityRule) error {
	for _, l := range lines {
		rule, ok := rules[l.SKU]
		if !ok {
			continue
		}
		if err := CheckQuantityRule(l.SKU, l.Quantity, &rule); err != nil {
			return err
		}
	}
	return nil
}

// roundUpTo is n rounded up to a multiple of step (step >= 1, n >= 0).
func roundUpTo(n, step int64) int64 {
	if r := n % step; r != 0 {
		return n + step - r
	}
	return n
}
