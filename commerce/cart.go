package commerce

import (
	"fmt"
	"regexp"
)

// MaxLineQuantity is the largest quantity one cart line may hold. Larger B2B
// volumes go through a quote, where a sales rep can look at them.
const MaxLineQuantity = 10_000

// MaxCartLines bounds a cart so that one checkout stays one small transaction.
const MaxCartLines = 200

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// FieldError is invalid input, named by the field it concerns, so the API can tell
// the caller exactly what to fix.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidateSKU checks the shape of a SKU (existence is for the catalogue to say).
func ValidateSKU(field, sku string) error {
	if sku == "" {
		return &FieldError{Field: field, Message: "is required"}
	}
	if !skuPattern.MatchString(sku) {
		return &FieldError{Field: field, Message: "must be 1-64 letters, digits, '.', '_' or '-'"}
	}
	return nil
}

// ValidateQuantity checks one line's quantity.
func ValidateQuantity(field string, q int64) error {
	switch {
	case q <= 0:
		return &FieldError{Field: field, Message: "must be at least 1"}
	case q > MaxLineQuantity:
		return &FieldError{Field: field, Message: fmt.Sprintf("must be at most %d", MaxLineQuantity)}
	}
	return nil
}

// ValidateCartCurrency checks the currency a cart is opened in: it must be the
// company's billing currency, the only one its credit and prices are kept in.
func ValidateCartCurrency(field, requested, companyCurrency string) error {
	if !ValidCurrency(requested) {
		return &FieldError{Field: field, Message: "must be a three-letter ISO 4217 code such as EUR"}
	}
	if requested != companyCurrency {
		return &FieldError{Field: field, Message: fmt.Sprintf("must be %s, the currency of your company's account", companyCurrency)}
	}
	return nil
}

// CartHolding is what a cart holds of each SKU while several lines are added
// to it in one change (quick order, a requisition list or a past order bought
// again), so that each line is judged as the cart would be with it.
type CartHolding map[string]int64

// Add checks that quantity more of sku still fits the cart (its line holds at
// most MaxLineQuantity, the cart at most MaxCartLines lines) and keeps to the
// SKU's rule in rules as the line would then be, and counts it. A refusal
// counts nothing; it is a *Rejection (invalid_cart or quantity_rule), and
// field names the line's field at fault: "quantity", or "sku" for a line the
// cart has no room for.
func (h CartHolding) Add(sku string, quantity int64, rules map[string]QuantityRule) (field string, err error) {
	held, has := h[sku]
	total := held + quantity
	if total > MaxLineQuantity {
		return "quantity", RejectSKU(CodeInvalidCart, sku,
			fmt.Sprintf("the line for %s would hold %d, at most %d is allowed", sku, total, MaxLineQuantity))
	}
	if !has && len(h) >= MaxCartLines {
		return "sku", RejectSKU(CodeInvalidCart, sku, fmt.Sprintf("a cart holds at most %d lines", MaxCartLines))
	}
	if rule, ok := rules[sku]; ok {
		if err := CheckQuantityRule(sku, total, &rule); err != nil {
			return "quantity", err
		}
	}
	h[sku] = total
	return "", nil
}
