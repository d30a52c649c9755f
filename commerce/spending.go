package commerce

import (
	"fmt"
	"math"
	"math/big"
	"time"
)

// Period is the window a spending limit counts spend over.
type Period string

// Spending limit periods.
const (
	// PeriodOrder: the limit caps each order on its own.
	PeriodOrder Period = "order"
	// PeriodMonth: the limit caps spend in a UTC calendar month.
	PeriodMonth Period = "month"
	// PeriodQuarter: the limit caps spend in a UTC calendar quarter (Jan-Mar, ...).
	PeriodQuarter Period = "quarter"
)

// PeriodWindow returns the window [start, end) of period p that contains at, in
// UTC, so that every server, whatever its time zone, counts the same orders
// against the same limit. PeriodOrder (and any unknown period) gives the empty
// window [at, at): nothing placed earlier counts.
func PeriodWindow(p Period, at time.Time) (start, end time.Time) {
	at = at.UTC()
	switch p {
	case PeriodMonth:
		start = time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	case PeriodQuarter:
		first := time.Month((int(at.Month())-1)/3*3 + 1)
		start = time.Date(at.Year(), first, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 3, 0)
	}
	return at, at
}

// ValidatePeriod checks a period named by field.
func ValidatePeriod(field string, p Period) error {
	switch p {
	case PeriodOrder, PeriodMonth, PeriodQuarter:
		return nil
	}
	return &FieldError{Field: field, Message: fmt.Sprintf("must be %q, %q or %q", PeriodOrder, PeriodMonth, PeriodQuarter)}
}

// SpendingLimit caps what a company, or one of its employees, may order in a
// period without someone's say-so.
type SpendingLimit struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id,omitempty"` // "" = the whole company
	Period     Period `json:"period"`
	Amount     int64  `json:"amount"` // minor units of Currency
	Currency   string `json:"currency"`
}

// ValidateSpendingLimit checks a spending limit before it is stored, naming the
// offending field ("period", "amount" or "currency").
func ValidateSpendingLimit(l SpendingLimit) error {
	if err := ValidatePeriod("period", l.Period); err != nil {
		return err
	}
	if l.Amount < 0 {
		return &FieldError{Field: "amount", Message: "must not be negative"}
	}
	if !ValidCurrency(l.Currency) {
		return &FieldError{Field: "currency", Message: "must be a three-letter ISO 4217 code such as EUR"}
	}
	return nil
}

// LimitUsage is a limit with what has already been spent against it.
type LimitUsage struct {
	Limit SpendingLimit `json:"limit"`
	// Spent is what is already reserved or committed in the limit's current
	// window, this order excluded.
	Spent int64 `json:"spent"`
}

// LimitBreach is a limit an order would exceed, and by how much.
type LimitBreach struct {
	Limit SpendingLimit `json:"limit"`
	Spent int64         `json:"spent"` // counted against the limit (0 for PeriodOrder)
	Order int64         `json:"order"`
	Over  int64         `json:"over"` // Spent + Order − Limit.Amount, capped at MaxInt64
}

// CurrencyMismatch tells whether the breach is a limit kept in another currency
// than the order (currency is the order's), rather than one really exceeded.
func (b LimitBreach) CurrencyMismatch(currency string) bool {
	return b.Limit.Currency != currency
}

// CheckSpendingLimits returns every limit the order would exceed, in the order of
// usages, or nil. A limit is exceeded when Spent + order > Amount; for PeriodOrder
// Spent is ignored, since each order stands alone. The sum is computed exactly,
// so huge figures cannot wrap into "within the limit".
//
// A limit kept in another currency than the order cannot be checked (there is no
// conversion), and a limit that cannot be checked must not pass silently: it is
// reported as a breach, with Over = the whole order. LimitBreach.CurrencyMismatch
// tells the two kinds apart.
func CheckSpendingLimits(order Money, usages []LimitUsage) []LimitBreach {
	var breaches []LimitBreach
	for _, u := range usages {
		spent := u.Spent
		if u.Limit.Period == PeriodOrder {
			spent = 0
		}
		if u.Limit.Currency != order.Currency {
			breaches = append(breaches, LimitBreach{Limit: u.Limit, Spent: spent, Order: order.Amount, Over: order.Amount})
			continue
		}
		over := new(big.Int).Add(big.NewInt(spent), big.NewInt(order.Amount))
		over.Sub(over, big.NewInt(u.Limit.Amount))
		if over.Sign() <= 0 {
			continue
		}
		b := LimitBreach{Limit: u.Limit, Spent: spent, Order: order.Amount, Over: math.MaxInt64}
		if over.IsInt64() {
			b.Over = over.Int64()
		}
		breaches = append(breaches, b)
	}
	return breaches
}
