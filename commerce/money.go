package commerce

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
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

// String renders the amount for people and logs in its currency's minor
// unit, e.g. "EUR 12.34", "JPY 1234", "BHD 1.234". It is for display only and
// never used in arithmetic.
func (m Money) String() string {
	return m.Currency + " " + FormatMinor(m.Amount, m.Currency)
}

// FormatMinor writes minor units as a plain decimal in the currency's minor
// unit: 137250 EUR is "1372.50", 1234 JPY "1234", 1234 BHD "1.234".
func FormatMinor(amount int64, currency string) string {
	n := MinorDigits(currency)
	s := strconv.FormatInt(amount, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if n > 0 {
		if len(s) <= n {
			s = strings.Repeat("0", n-len(s)+1) + s
		}
		s = s[:len(s)-n] + "." + s[len(s)-n:]
	}
	return sign + s
}

// ParseMinor reads a plain decimal amount ("9.20", "9.2", "9") as minor units
// of the currency; more decimals than its minor unit has, a sign, or anything
// but digits is refused.
func ParseMinor(s, currency string) (int64, bool) {
	n := MinorDigits(currency)
	whole, frac, hasFrac := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > n || (hasFrac && frac == "") || !digitsOnly(whole) || !digitsOnly(frac) {
		return 0, false
	}
	v, err := strconv.ParseInt(whole+frac+strings.Repeat("0", n-len(frac)), 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
