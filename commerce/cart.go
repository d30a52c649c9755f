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
