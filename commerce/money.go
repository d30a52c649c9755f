package commerce

import (
	"errors"
	"fmt"
	"math"
	"regexp"
)

// Money is an amount in minor units (cents, pence, ...) of one ISO 4217 currency.
// There are no floats anywhere near money: every operation is integer arithmetic
// that reports overflow instead of wrapping.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// ErrOverflow reports an amount too large to represent.
var ErrOverflow = errors.New("amount overflows int64 minor units")

// ErrCurrencyMismatch reports arithmetic across two currencies.
var ErrCurrencyMismatch = errors.New("currency mismatch")

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency tells whether code has the shape of an ISO 4217 code (three
// upper-case letters).
func ValidCurrency(code string) bool { return currencyPattern.MatchString(code) }

// Zero is an amount of nothing in currency.
func Zero(currency string) Money { return Money{Currency: currency} }

// Add returns m + o, failing on a currency mismatch or an overflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, m.Currency, o.Currency)
	}
	if (o.Amount > 0 && m.Amount > math.MaxInt64-o.Amount) ||
		(o.Amount < 0 && m.Amount < math.MinInt64-o.Amount) {
		return Money{}, ErrOverflow
	}
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}, nil
}

// Times returns m × n for a non-negative count n, failing on overflow.
func (m Money) Times(n int64) (Money, error) {
	if n < 0 {
		return Money{}, fmt.Errorf("negative multiplier %d", n)
	}
	if n != 0 && (m.Amount > math.MaxInt64/n || m.Amount < math.MinInt64/n) {
		return Money{}, ErrOverflow
	}
	return Money{Amount: m.Amount * n, Currency: m.Currency}, nil
}

// String renders the amount for people and logs, e.g. "EUR 12.34". It assumes two
// minor digits, which is for display only and never used in arithmetic.
func (m Money) String() string {
	sign := ""
	a := m.Amount
	if a < 0 {
		sign = "-"
		if a == math.MinInt64 {
			return fmt.Sprintf("%s %d (minor units)", m.Currency, a)
		}
		a = -a
	}
	return fmt.Sprintf("%s %s%d.%02d", m.Currency, sign, a/100, a%100)
}
