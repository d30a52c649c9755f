package commerce

import (
	"errors"
	"fmt"
	"math"
	"regexp"
)

// MaxTaxRateBasisPoints is the highest tax rate a policy may carry (100 %): no
// sales tax or VAT is above it, so a larger figure is a typing error.
const MaxTaxRateBasisPoints = 10_000

// ShippingMethod is how an order travels and what that costs: a base amount plus
// an amount per started kilogram, waived when the goods reach FreeAbove.
type ShippingMethod struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Currency    string `json:"currency"`
	BaseAmount  int64  `json:"base_amount"`
	PerKgAmount int64  `json:"per_kg_amount"`
	// FreeAbove is the net goods subtotal at or above which shipping is free;
	// nil means shipping is never free.
	FreeAbove *int64 `json:"free_above,omitempty"`
}

// TaxPolicy is the tax that applies to an order: the rate of the ship-to country,
// or none at all for a tax-exempt company (reverse charge, resellers).
type TaxPolicy struct {
	Country         string `json:"country"`
	RateBasisPoints int64  `json:"rate_basis_points"` // 2000 = 20 %
	Exempt          bool   `json:"exempt"`
}

// OrderTotals are an order's money figures, all in the order's currency.
// Subtotal − Discount is the net goods value; Total = Subtotal − Discount +
// Shipping + Tax.
type OrderTotals struct {
	Subtotal Money `json:"subtotal"`
	Discount Money `json:"discount"`
	Shipping Money `json:"shipping"`
	Tax      Money `json:"tax"`
	Total    Money `json:"total"`
	// TaxRateBasisPoints is the rate that was applied: 0 when exempt, so an
	// invoice can print it without knowing the policy.
	TaxRateBasisPoints int64 `json:"tax_rate_basis_points"`
}

// TotalsLine is what ComputeTotals needs of one order line.
type TotalsLine struct {
	Quantity      int64 `json:"quantity"`
	BaseUnitPrice int64 `json:"base_unit_price"` // the catalogue price
	UnitPrice     int64 `json:"unit_price"`      // the resolved price the buyer pays
	WeightGrams   int64 `json:"weight_grams"`    // of one unit
}

// ComputeTotals computes an order's totals in currency:
//
//   - net = Σ UnitPrice × Quantity, what the goods cost the buyer;
//   - Discount = Σ max(0, BaseUnitPrice − UnitPrice) × Quantity, what the price
//     lists saved against the catalogue (a list price above the catalogue price
//     is no negative discount, just a price);
//   - Subtotal = net + Discount, so that Subtotal − Discount = net;
//   - Shipping = 0 without a method; 0 when FreeAbove is set and net >=
//     *FreeAbove; else BaseAmount + PerKgAmount × ⌈total weight in g / 1000⌉
//     (every started kilogram is charged);
//   - Tax = 0 when exempt; else (net + Shipping) × RateBasisPoints / 10000,
//     rounded half up (x.5 minor units goes up);
//   - Total = net + Shipping + Tax.
//
// Tax is rounded once, on the order, not per line: one rounding loses at most
// half a minor unit, and the tax on the invoice is exactly the tax of the sum
// it shows, which per-line rounding cannot promise. It is computed in exact
// integer arithmetic.
//
// Refusals: no lines is CodeEmptyCart; a line with a quantity below 1 or a
// negative price or weight is CodeInvalidCart; a shipping method in another
// currency is CodeCurrencyMismatch; any figure beyond int64 is
// CodeAmountTooLarge. A malformed shipping method or tax policy is
// configuration, not the buyer's doing: it comes back as a *FieldError
// prefixed "shipping." or "tax.".
func ComputeTotals(currency string, lines []TotalsLine, shipping *ShippingMethod, tax TaxPolicy) (OrderTotals, error) {
	if len(lines) == 0 {
		return OrderTotals{}, Reject(CodeEmptyCart, "the order has no lines")
	}
	if shipping != nil {
		if shipping.Currency != currency {
			return OrderTotals{}, Reject(CodeCurrencyMismatch, fmt.Sprintf(
				"shipping method %s is priced in %s, the order in %s", shipping.Code, shipping.Currency, currency))
		}
		if err := ValidateShippingMethod(*shipping); err != nil {
			return OrderTotals{}, prefixField("shipping", err)
		}
	}
	if err := ValidateTaxPolicy(tax); err != nil {
		return OrderTotals{}, prefixField("tax", err)
	}

	net, discount := Zero(currency), Zero(currency)
	var grams int64
	for i, l := range lines {
		switch {
		case l.Quantity < 1:
			return OrderTotals{}, Reject(CodeInvalidCart, fmt.Sprintf("line %d: quantity must be at least 1", i+1))
		case l.UnitPrice < 0 || l.BaseUnitPrice < 0:
			return OrderTotals{}, Reject(CodeInvalidCart, fmt.Sprintf("line %d: prices must not be negative", i+1))
		case l.WeightGrams < 0:
			return OrderTotals{}, Reject(CodeInvalidCart, fmt.Sprintf("line %d: weight must not be negative", i+1))
		}
		lineNet, err := Money{Amount: l.UnitPrice, Currency: currency}.Times(l.Quantity)
		if err == nil {
			net, err = net.Add(lineNet)
		}
		if err != nil {
			return OrderTotals{}, tooLarge(fmt.Sprintf("line %d", i+1), err)
		}
		if l.BaseUnitPrice > l.UnitPrice {
			lineDiscount, err := Money{Amount: l.BaseUnitPrice - l.UnitPrice, Currency: currency}.Times(l.Quantity)
			if err == nil {
				discount, err = discount.Add(lineDiscount)
			}
			if err != nil {
				return OrderTotals{}, tooLarge(fmt.Sprintf("line %d discount", i+1), err)
			}
		}
		// Weight is not money, but it is an int64 that must not wrap either.
		lineGrams, err := Money{Amount: l.WeightGrams}.Times(l.Quantity)
		if err == nil {
			lineGrams, err = lineGrams.Add(Money{Amount: grams})
		}
		if err != nil {
			return OrderTotals{}, tooLarge(fmt.Sprintf("line %d weight", i+1), err)
		}
		grams = lineGrams.Amount
	}
	subtotal, err := net.Add(discount)
	if err != nil {
		return OrderTotals{}, tooLarge("subtotal", err)
	}

	ship := Zero(currency)
	if shipping != nil && (shipping.FreeAbove == nil || net.Amount < *shipping.FreeAbove) {
		kg := grams / 1000
		if grams%1000 != 0 {
			kg++ // a started kilogram is charged in full
		}
		perKg, err := Money{Amount: shipping.PerKgAmount, Currency: currency}.Times(kg)
		if err == nil {
			ship, err = Money{Amount: shipping.BaseAmount, Currency: currency}.Add(perKg)
		}
		if err != nil {
			return OrderTotals{}, tooLarge("shipping", err)
		}
	}

	taxable, err := net.Add(ship)
	if err != nil {
		return OrderTotals{}, tooLarge("taxable amount", err)
	}
	rate := tax.RateBasisPoints
	if tax.Exempt {
		rate = 0
	}
	taxAmount, err := applyRateHalfUp(taxable.Amount, rate)
	if err != nil {
		return OrderTotals{}, tooLarge("tax", err)
	}
	taxMoney := Money{Amount: taxAmount, Currency: currency}
	total, err := taxable.Add(taxMoney)
	if err != nil {
		return OrderTotals{}, tooLarge("total", err)
	}
	return OrderTotals{
		Subtotal:           subtotal,
		Discount:           discount,
		Shipping:           ship,
		Tax:                taxMoney,
		Total:              total,
		TaxRateBasisPoints: rate,
	}, nil
}

// applyRateHalfUp returns amount × bp / 10000 rounded half up, for amount >= 0 and
// 0 <= bp <= MaxTaxRateBasisPoints, exactly. Splitting amount = q×10000 + r keeps
// every intermediate in int64: q×bp <= amount, and r×bp < 10000².
func applyRateHalfUp(amount, bp int64) (int64, error) {
	if amount < 0 || bp < 0 || bp > MaxTaxRateBasisPoints {
		return 0, fmt.Errorf("rate %d bp on %d is outside the supported range", bp, amount)
	}
	q, r := amount/10_000, amount%10_000
	if bp != 0 && q > math.MaxInt64/bp {
		return 0, ErrOverflow // unreachable while bp <= 10000; kept as a guard
	}
	frac := r * bp
	out := q*bp + frac/10_000
	if frac%10_000 >= 5_000 {
		out++ // half up: cannot overflow, the result is at most amount
	}
	return out, nil
}

// tooLarge turns an arithmetic failure into the buyer-facing rejection.
func tooLarge(what string, err error) *Rejection {
	return Reject(CodeAmountTooLarge, fmt.Sprintf("%s: %v", what, err))
}

// prefixField re-names a *FieldError found inside a nested value
// ("base_amount" in the shipping method becomes "shipping.base_amount").
func prefixField(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: prefix + "." + fe.Field, Message: fe.Message}
	}
	return err
}

var shippingCodePattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// ValidateShippingMethod checks a shipping method before it is stored or used,
// naming the offending field. Negative amounts would pay the buyer for shipping.
func ValidateShippingMethod(m ShippingMethod) error {
	switch {
	case !shippingCodePattern.MatchString(m.Code):
		return &FieldError{Field: "code", Message: "must be 1-32 lower-case letters, digits, '_' or '-'"}
	case !ValidCurrency(m.Currency):
		return &FieldError{Field: "currency", Message: "must be a three-letter ISO 4217 code such as EUR"}
	case m.BaseAmount < 0:
		return &FieldError{Field: "base_amount", Message: "must not be negative"}
	case m.PerKgAmount < 0:
		return &FieldError{Field: "per_kg_amount", Message: "must not be negative"}
	case m.FreeAbove != nil && *m.FreeAbove < 0:
		return &FieldError{Field: "free_above", Message: "must not be negative"}
	}
	return nil
}

// ValidateTaxPolicy checks a tax policy's rate, naming the field. The country is
// a label for the invoice and is not checked here.
func ValidateTaxPolicy(p TaxPolicy) error {
	if p.RateBasisPoints < 0 || p.RateBasisPoints > MaxTaxRateBasisPoints {
		return &FieldError{Field: "rate_basis_points", Message: fmt.Sprintf("must be between 0 and %d", MaxTaxRateBasisPoints)}
	}
	return nil
}
