package commerce_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func eur(amount int64) commerce.Money { return commerce.Money{Amount: amount, Currency: "EUR"} }

// requireRejection asserts err is a *commerce.Rejection with code and returns it.
func requireRejection(t *testing.T, err error, code commerce.RejectionCode) *commerce.Rejection {
	t.Helper()
	require.Error(t, err)
	r, ok := commerce.AsRejection(err)
	require.True(t, ok, "want a *commerce.Rejection, got %T: %v", err, err)
	require.Equal(t, code, r.Code, "rejection: %v", r)
	return r
}

// requireFieldError asserts err is a *commerce.FieldError on field whose message
// contains msg.
func requireFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	require.Error(t, err)
	var fe *commerce.FieldError
	require.True(t, errors.As(err, &fe), "want a *commerce.FieldError, got %T: %v", err, err)
	require.Equal(t, field, fe.Field)
	require.Contains(t, fe.Message, msg)
	require.Equal(t, field+": "+fe.Message, fe.Error())
}

func TestMoneyAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		a, b    commerce.Money
		want    commerce.Money
		wantErr error
	}{
		{name: "positive", a: eur(1050), b: eur(275), want: eur(1325)},
		{name: "zero", a: eur(0), b: eur(0), want: eur(0)},
		{name: "negative result", a: eur(-50), b: eur(20), want: eur(-30)},
		{name: "max plus zero", a: eur(math.MaxInt64), b: eur(0), want: eur(math.MaxInt64)},
		{name: "max minus one", a: eur(math.MaxInt64), b: eur(-1), want: eur(math.MaxInt64 - 1)},
		{name: "max plus one overflows", a: eur(math.MaxInt64), b: eur(1), wantErr: commerce.ErrOverflow},
		{name: "one plus max overflows", a: eur(1), b: eur(math.MaxInt64), wantErr: commerce.ErrOverflow},
		{name: "half plus half overflows", a: eur(math.MaxInt64/2 + 1), b: eur(math.MaxInt64/2 + 1), wantErr: commerce.ErrOverflow},
		{name: "min plus max", a: eur(math.MinInt64), b: eur(math.MaxInt64), want: eur(-1)},
		{name: "min minus one overflows", a: eur(math.MinInt64), b: eur(-1), wantErr: commerce.ErrOverflow},
		{name: "minus one plus min overflows", a: eur(-1), b: eur(math.MinInt64), wantErr: commerce.ErrOverflow},
		{name: "min plus zero", a: eur(math.MinInt64), b: eur(0), want: eur(math.MinInt64)},
		{name: "down to exactly min", a: eur(math.MinInt64 + 1), b: eur(-1), want: eur(math.MinInt64)},
		{name: "currency mismatch", a: eur(1), b: commerce.Money{Amount: 1, Currency: "USD"}, wantErr: commerce.ErrCurrencyMismatch},
		{name: "mismatch checked before overflow", a: eur(math.MaxInt64), b: commerce.Money{Amount: 1, Currency: "USD"}, wantErr: commerce.ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.a.Add(tt.b)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.Equal(t, commerce.Money{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMoneyAddMismatchNamesBothCurrencies(t *testing.T) {
	t.Parallel()
	_, err := eur(1).Add(commerce.Money{Amount: 1, Currency: "USD"})
	require.ErrorIs(t, err, commerce.ErrCurrencyMismatch)
	require.Contains(t, err.Error(), "EUR and USD")
}

func TestMoneyTimes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		m         commerce.Money
		n         int64
		want      commerce.Money
		wantErr   error
		errSubstr string
	}{
		{name: "simple", m: eur(250), n: 4, want: eur(1000)},
		{name: "times zero keeps currency", m: eur(999), n: 0, want: eur(0)},
		{name: "max times zero", m: eur(math.MaxInt64), n: 0, want: eur(0)},
		{name: "times one", m: eur(42), n: 1, want: eur(42)},
		{name: "negative amount", m: eur(-3), n: 5, want: eur(-15)},
		{name: "max times one", m: eur(math.MaxInt64), n: 1, want: eur(math.MaxInt64)},
		{name: "max times two overflows", m: eur(math.MaxInt64), n: 2, wantErr: commerce.ErrOverflow},
		{name: "half max times two", m: eur(math.MaxInt64 / 2), n: 2, want: eur(math.MaxInt64 - 1)},
		{name: "just over half max times two overflows", m: eur(math.MaxInt64/2 + 1), n: 2, wantErr: commerce.ErrOverflow},
		{name: "min times one", m: eur(math.MinInt64), n: 1, want: eur(math.MinInt64)},
		{name: "half min times two", m: eur(math.MinInt64 / 2), n: 2, want: eur(math.MinInt64)},
		{name: "just under half min times two overflows", m: eur(math.MinInt64/2 - 1), n: 2, wantErr: commerce.ErrOverflow},
		{name: "min times two overflows", m: eur(math.MinInt64), n: 2, wantErr: commerce.ErrOverflow},
		{name: "one times max", m: eur(1), n: math.MaxInt64, want: eur(math.MaxInt64)},
		{name: "two times max overflows", m: eur(2), n: math.MaxInt64, wantErr: commerce.ErrOverflow},
		{name: "negative multiplier", m: eur(100), n: -1, errSubstr: "negative multiplier -1"},
		{name: "negative multiplier of zero", m: eur(0), n: -5, errSubstr: "negative multiplier -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.m.Times(tt.n)
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
				require.Equal(t, commerce.Money{}, got)
			case tt.errSubstr != "":
				require.Error(t, err)
				require.NotErrorIs(t, err, commerce.ErrOverflow)
				require.Contains(t, err.Error(), tt.errSubstr)
				require.Equal(t, commerce.Money{}, got)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    commerce.Money
		want string
	}{
		{eur(1234), "EUR 12.34"},
		{eur(0), "EUR 0.00"},
		{eur(5), "EUR 0.05"},
		{eur(50), "EUR 0.50"},
		{eur(100), "EUR 1.00"},
		{eur(-5), "EUR -0.05"},
		{eur(-1234), "EUR -12.34"},
		{eur(-100), "EUR -1.00"},
		{commerce.Money{Amount: 199, Currency: "USD"}, "USD 1.99"},
		{eur(math.MaxInt64), "EUR 92233720368547758.07"},
		{eur(math.MinInt64 + 1), "EUR -92233720368547758.07"},
		{eur(math.MinInt64), "EUR -92233720368547758.08"},
		{commerce.Money{Amount: 1234, Currency: "JPY"}, "JPY 1234"},
		{commerce.Money{Amount: -7, Currency: "JPY"}, "JPY -7"},
		{commerce.Money{Amount: 1234, Currency: "BHD"}, "BHD 1.234"},
		{commerce.Money{Amount: 5, Currency: "KWD"}, "KWD 0.005"},
		{commerce.Money{Amount: 1234, Currency: "XXZ"}, "XXZ 12.34"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.m.String())
		})
	}
}

func TestZero(t *testing.T) {
	t.Parallel()
	require.Equal(t, commerce.Money{Amount: 0, Currency: "GBP"}, commerce.Zero("GBP"))
}

func TestValidCurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want bool
	}{
		{"EUR", true},
		{"USD", true},
		{"XYZ", true}, // shape only; not a registry of ISO codes
		{"", false},
		{"eur", false},
		{"Eur", false},
		{"EU", false},
		{"EURO", false},
		{"E1R", false},
		{" EUR", false},
		{"EUR ", false},
		{"EUR\n", false},
		{"ÉUR", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.code), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, commerce.ValidCurrency(tt.code))
		})
	}
}

func TestValidateSKU(t *testing.T) {
	t.Parallel()
	const shapeMsg = "must be 1-64 letters, digits"
	tests := []struct {
		name    string
		sku     string
		wantMsg string // "" means valid
	}{
		{name: "empty", sku: "", wantMsg: "is required"},
		{name: "one letter", sku: "a"},
		{name: "one digit", sku: "7"},
		{name: "typical", sku: "WIDGET-42"},
		{name: "all punctuation allowed after first", sku: "a.b_c-D9"},
		{name: "64 chars", sku: "A" + strings.Repeat("b", 63)},
		{name: "65 chars", sku: "A" + strings.Repeat("b", 64), wantMsg: shapeMsg},
		{name: "leading dash", sku: "-abc", wantMsg: shapeMsg},
		{name: "leading dot", sku: ".abc", wantMsg: shapeMsg},
		{name: "leading underscore", sku: "_abc", wantMsg: shapeMsg},
		{name: "space", sku: "ab c", wantMsg: shapeMsg},
		{name: "slash", sku: "ab/c", wantMsg: shapeMsg},
		{name: "non-ascii letter", sku: "café", wantMsg: shapeMsg},
		{name: "trailing newline", sku: "abc\n", wantMsg: shapeMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateSKU("lines[3].sku", tt.sku)
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, "lines[3].sku", tt.wantMsg)
		})
	}
}

func TestValidateQuantity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q       int64
		wantMsg string // "" means valid
	}{
		{q: math.MinInt64, wantMsg: "must be at least 1"},
		{q: -1, wantMsg: "must be at least 1"},
		{q: 0, wantMsg: "must be at least 1"},
		{q: 1},
		{q: 2},
		{q: commerce.MaxLineQuantity - 1},
		{q: commerce.MaxLineQuantity},
		{q: commerce.MaxLineQuantity + 1, wantMsg: fmt.Sprintf("must be at most %d", commerce.MaxLineQuantity)},
		{q: math.MaxInt64, wantMsg: fmt.Sprintf("must be at most %d", commerce.MaxLineQuantity)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.q), func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateQuantity("quantity", tt.q)
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, "quantity", tt.wantMsg)
		})
	}
}

func TestValidateCartCurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		requested, company string
		wantMsg            string // "" means valid
	}{
		{name: "company currency", requested: "EUR", company: "EUR"},
		{name: "other valid currency", requested: "USD", company: "EUR", wantMsg: "must be EUR, the currency of your company's account"},
		{name: "lower case", requested: "eur", company: "EUR", wantMsg: "three-letter ISO 4217"},
		{name: "lower case equal to company", requested: "eur", company: "eur", wantMsg: "three-letter ISO 4217"},
		{name: "empty", requested: "", company: "EUR", wantMsg: "three-letter ISO 4217"},
		{name: "too long", requested: "EURO", company: "EUR", wantMsg: "three-letter ISO 4217"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateCartCurrency("currency", tt.requested, tt.company)
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, "currency", tt.wantMsg)
		})
	}
}

func TestFieldErrorIsNotRejection(t *testing.T) {
	t.Parallel()
	_, ok := commerce.AsRejection(commerce.ValidateQuantity("quantity", 0))
	require.False(t, ok)
}

var testCatalog = map[string]commerce.CatalogEntry{
	"APPLE":  {SKU: "APPLE", Name: "Apple", UnitPrice: 120, Priced: true, Available: 50},
	"BANANA": {SKU: "BANANA", Name: "Banana", UnitPrice: 35, Priced: true, Available: 10},
	"CHERRY": {SKU: "CHERRY", Name: "Cherry", UnitPrice: 999, Priced: true, Available: 0},
	"DURIAN": {SKU: "DURIAN", Name: "Durian", UnitPrice: 0, Priced: false, Available: 5},
	"FREE":   {SKU: "FREE", Name: "Sample", UnitPrice: 0, Priced: true, Available: 5},
}

func TestPriceCart(t *testing.T) {
	t.Parallel()
	lines := []commerce.CartLine{
		{SKU: "CHERRY", Quantity: 2},
		{SKU: "APPLE", Quantity: 3},
		{SKU: "FREE", Quantity: 1},
		{SKU: "BANANA", Quantity: 10},
	}
	before := append([]commerce.CartLine(nil), lines...)

	got, err := commerce.PriceCart("EUR", lines, testCatalog, commerce.PricingContext{})
	require.NoError(t, err)

	require.Equal(t, before, lines, "PriceCart must not reorder or change its input")
	want := commerce.PricedCart{
		Currency: "EUR",
		Lines: []commerce.PricedLine{
			{LineNo: 1, SKU: "APPLE", Name: "Apple", Quantity: 3, BaseUnitPrice: eur(120), UnitPrice: eur(120), LineTotal: eur(360)},
			{LineNo: 2, SKU: "BANANA", Name: "Banana", Quantity: 10, BaseUnitPrice: eur(35), UnitPrice: eur(35), LineTotal: eur(350)},
			{LineNo: 3, SKU: "CHERRY", Name: "Cherry", Quantity: 2, BaseUnitPrice: eur(999), UnitPrice: eur(999), LineTotal: eur(1998)},
			{LineNo: 4, SKU: "FREE", Name: "Sample", Quantity: 1, BaseUnitPrice: eur(0), UnitPrice: eur(0), LineTotal: eur(0)},
		},
		Totals: commerce.Totals{Subtotal: eur(2708), Discount: eur(0), Shipping: eur(0), Tax: eur(0), Total: eur(2708)},
	}
	require.Equal(t, want, got)
}

func TestPriceCartIsIndependentOfLineOrder(t *testing.T) {
	t.Parallel()
	a, err := commerce.PriceCart("EUR", []commerce.CartLine{{SKU: "BANANA", Quantity: 1}, {SKU: "APPLE", Quantity: 2}}, testCatalog, commerce.PricingContext{})
	require.NoError(t, err)
	b, err := commerce.PriceCart("EUR", []commerce.CartLine{{SKU: "APPLE", Quantity: 2}, {SKU: "BANANA", Quantity: 1}}, testCatalog, commerce.PricingContext{})
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestPriceCartUsesRequestedCurrency(t *testing.T) {
	t.Parallel()
	got, err := commerce.PriceCart("USD", []commerce.CartLine{{SKU: "APPLE", Quantity: 2}}, testCatalog, commerce.PricingContext{})
	require.NoError(t, err)
	usd := commerce.Money{Amount: 240, Currency: "USD"}
	require.Equal(t, "USD", got.Currency)
	require.Equal(t, commerce.Money{Amount: 120, Currency: "USD"}, got.Lines[0].UnitPrice)
	require.Equal(t, usd, got.Lines[0].LineTotal)
	zero := commerce.Money{Currency: "USD"}
	require.Equal(t, commerce.Totals{Subtotal: usd, Discount: zero, Shipping: zero, Tax: zero, Total: usd}, got.Totals)
}

func TestPriceCartRejections(t *testing.T) {
	t.Parallel()
	huge := map[string]commerce.CatalogEntry{
		"MAX":   {SKU: "MAX", Name: "Max", UnitPrice: math.MaxInt64, Priced: true},
		"HALF1": {SKU: "HALF1", Name: "Half", UnitPrice: math.MaxInt64/2 + 1, Priced: true},
		"HALF2": {SKU: "HALF2", Name: "Half", UnitPrice: math.MaxInt64/2 + 1, Priced: true},
		"HALF3": {SKU: "HALF3", Name: "Half", UnitPrice: math.MaxInt64 / 2, Priced: true},
	}
	tests := []struct {
		name       string
		lines      []commerce.CartLine
		catalog    map[string]commerce.CatalogEntry
		wantCode   commerce.RejectionCode
		wantSKU    string
		wantSubstr string
	}{
		{name: "nil cart", lines: nil, catalog: testCatalog, wantCode: commerce.CodeEmptyCart},
		{name: "empty cart", lines: []commerce.CartLine{}, catalog: testCatalog, wantCode: commerce.CodeEmptyCart},
		{
			name: "unknown SKU", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "APPLE", Quantity: 1}, {SKU: "GHOST", Quantity: 1}},
			wantCode: commerce.CodeUnknownSKU, wantSKU: "GHOST", wantSubstr: "product GHOST does not exist",
		},
		{
			name: "first unknown SKU in SKU order", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "ZED", Quantity: 1}, {SKU: "ALPHA", Quantity: 1}},
			wantCode: commerce.CodeUnknownSKU, wantSKU: "ALPHA",
		},
		{
			name: "not priced", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "DURIAN", Quantity: 1}},
			wantCode: commerce.CodeNotPriced, wantSKU: "DURIAN", wantSubstr: "product DURIAN has no price in EUR",
		},
		{
			name: "zero quantity", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "APPLE", Quantity: 0}},
			wantCode: commerce.CodeInvalidCart, wantSKU: "APPLE", wantSubstr: "line APPLE: quantity: must be at least 1",
		},
		{
			name: "quantity above max", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "APPLE", Quantity: commerce.MaxLineQuantity + 1}},
			wantCode: commerce.CodeInvalidCart, wantSKU: "APPLE", wantSubstr: "must be at most",
		},
		{
			name: "quantity checked before catalogue", catalog: testCatalog,
			lines:    []commerce.CartLine{{SKU: "GHOST", Quantity: -1}},
			wantCode: commerce.CodeInvalidCart, wantSKU: "GHOST",
		},
		{
			name: "line total overflows", catalog: huge,
			lines:    []commerce.CartLine{{SKU: "MAX", Quantity: 2}},
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "line MAX",
		},
		{
			name: "subtotal overflows", catalog: huge,
			lines:    []commerce.CartLine{{SKU: "HALF1", Quantity: 1}, {SKU: "HALF2", Quantity: 1}},
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "overflows",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := commerce.PriceCart("EUR", tt.lines, tt.catalog, commerce.PricingContext{})
			r := requireRejection(t, err, tt.wantCode)
			require.Equal(t, tt.wantSKU, r.SKU)
			require.Contains(t, r.Message, tt.wantSubstr)
			require.Equal(t, commerce.PricedCart{}, got)
		})
	}

	t.Run("largest subtotal that fits", func(t *testing.T) {
		t.Parallel()
		got, err := commerce.PriceCart("EUR", []commerce.CartLine{{SKU: "HALF1", Quantity: 1}, {SKU: "HALF3", Quantity: 1}}, huge, commerce.PricingContext{})
		require.NoError(t, err)
		require.Equal(t, eur(math.MaxInt64), got.Totals.Total)
	})
}

func pricedCart(t *testing.T, lines ...commerce.CartLine) commerce.PricedCart {
	t.Helper()
	c, err := commerce.PriceCart("EUR", lines, testCatalog, commerce.PricingContext{})
	require.NoError(t, err)
	return c
}

func TestCheckStock(t *testing.T) {
	t.Parallel()
	catalog := map[string]commerce.CatalogEntry{
		"A":   {SKU: "A", Available: 5},
		"B":   {SKU: "B", Available: 10},
		"NEG": {SKU: "NEG", Available: -3},
	}
	line := func(sku string, q int64) commerce.PricedLine {
		return commerce.PricedLine{SKU: sku, Quantity: q}
	}
	tests := []struct {
		name       string
		lines      []commerce.PricedLine
		wantSKU    string // "" means in stock
		wantSubstr string
	}{
		{name: "exactly available", lines: []commerce.PricedLine{line("A", 5), line("B", 10)}},
		{name: "less than available", lines: []commerce.PricedLine{line("A", 1)}},
		{name: "no lines", lines: nil},
		{name: "one more than available", lines: []commerce.PricedLine{line("A", 6)}, wantSKU: "A", wantSubstr: "only 5 of A available, 6 requested"},
		{name: "second line short", lines: []commerce.PricedLine{line("A", 5), line("B", 11)}, wantSKU: "B", wantSubstr: "only 10 of B available, 11 requested"},
		{name: "first short line reported", lines: []commerce.PricedLine{line("A", 6), line("B", 11)}, wantSKU: "A"},
		{name: "negative availability shows zero", lines: []commerce.PricedLine{line("NEG", 1)}, wantSKU: "NEG", wantSubstr: "only 0 of NEG available, 1 requested"},
		{name: "missing from catalogue", lines: []commerce.PricedLine{line("GONE", 1)}, wantSKU: "GONE", wantSubstr: "only 0 of GONE available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckStock(commerce.PricedCart{Currency: "EUR", Lines: tt.lines}, catalog)
			if tt.wantSKU == "" {
				require.NoError(t, err)
				return
			}
			r := requireRejection(t, err, commerce.CodeInsufficientStock)
			require.Equal(t, tt.wantSKU, r.SKU)
			require.Contains(t, r.Message, tt.wantSubstr)
		})
	}

	t.Run("priced cart against the catalogue", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, commerce.CheckStock(pricedCart(t, commerce.CartLine{SKU: "BANANA", Quantity: 10}), testCatalog))
		r := requireRejection(t, commerce.CheckStock(pricedCart(t,
			commerce.CartLine{SKU: "CHERRY", Quantity: 1},
			commerce.CartLine{SKU: "BANANA", Quantity: 11},
		), testCatalog), commerce.CodeInsufficientStock)
		require.Equal(t, "BANANA", r.SKU, "lines are checked in SKU order")
	})
}

func TestCheckCredit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		limit, used int64
		order       int64
		wantSubstr  string // "" means authorized
	}{
		{name: "well within", limit: 1000, used: 0, order: 1},
		{name: "exactly at limit", limit: 1000, used: 200, order: 800},
		{name: "exactly at limit with nothing used", limit: 1000, used: 0, order: 1000},
		{name: "zero order when fully used", limit: 1000, used: 1000, order: 0},
		{name: "one over", limit: 1000, used: 200, order: 801, wantSubstr: "order total EUR 8.01 exceeds available credit EUR 8.00"},
		{name: "fully used", limit: 1000, used: 1000, order: 1, wantSubstr: "exceeds available credit EUR 0.00"},
		{name: "used above limit shows zero available", limit: 100, used: 150, order: 1, wantSubstr: "order total EUR 0.01 exceeds available credit EUR 0.00"},
		{name: "no credit line", limit: 0, used: 0, order: 1, wantSubstr: "available credit EUR 0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckCredit(tt.limit, tt.used, eur(tt.order))
			if tt.wantSubstr == "" {
				require.NoError(t, err)
				return
			}
			r := requireRejection(t, err, commerce.CodeCreditLimitExceeded)
			require.Empty(t, r.SKU)
			// The buyer's message names no figure of the company's account;
			// the details (for approvers and admins) name them all.
			require.NotContains(t, r.Message, "available credit EUR")
			require.NotContains(t, r.Message, fmt.Sprintf("%d.%02d", tt.limit/100, tt.limit%100), "the credit limit")
			require.NotNil(t, r.Details)
			require.Contains(t, r.Details.Message, tt.wantSubstr)
			require.Equal(t, tt.limit, *r.Details.CreditLimit)
			require.Equal(t, tt.used, *r.Details.CreditUsed)
			require.Equal(t, max(tt.limit-tt.used, 0), *r.Details.CreditAvailable)
			require.Equal(t, tt.order, r.Details.OrderTotal)
			require.Equal(t, "EUR", r.Details.Currency)
			require.Nil(t, r.ForRole(commerce.RoleBuyer).Details, "a buyer is never shown them")
			require.NotNil(t, r.ForRole(commerce.RoleApprover).Details)
			require.NotNil(t, r.ForRole(commerce.RoleCompanyAdmin).Details)
			require.NotNil(t, r.ForRole(commerce.RoleOps).Details)
			require.Nil(t, r.ForRole(commerce.RoleSalesRep).Details, "the seller's sales staff are not the company")
		})
	}
}

var allCartStatuses = []commerce.CartStatus{
	commerce.CartOpen, commerce.CartCheckingOut, commerce.CartCompleted, "archived", "",
}

func TestCanTransitionCart(t *testing.T) {
	t.Parallel()
	allowed := map[[2]commerce.CartStatus]bool{
		{commerce.CartOpen, commerce.CartCheckingOut}:      true,
		{commerce.CartCheckingOut, commerce.CartCompleted}: true,
		{commerce.CartCheckingOut, commerce.CartOpen}:      true,
	}
	for _, from := range allCartStatuses {
		for _, to := range allCartStatuses {
			t.Run(fmt.Sprintf("%q to %q", from, to), func(t *testing.T) {
				t.Parallel()
				require.Equal(t, allowed[[2]commerce.CartStatus{from, to}], commerce.CanTransitionCart(from, to))
			})
		}
	}
}

func TestCheckCartEditable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     commerce.CartStatus
		wantSubstr string // "" means editable
	}{
		{status: commerce.CartOpen},
		{status: commerce.CartCheckingOut, wantSubstr: "being checked out"},
		{status: commerce.CartCompleted, wantSubstr: "already become an order"},
		{status: "archived", wantSubstr: "the cart is archived"},
		{status: "", wantSubstr: "the cart is "},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			t.Parallel()
			err := commerce.CheckCartEditable(tt.status)
			if tt.wantSubstr == "" {
				require.NoError(t, err)
				return
			}
			r := requireRejection(t, err, commerce.CodeCartNotOpen)
			require.Contains(t, r.Message, tt.wantSubstr)
		})
	}
}

func TestCheckCanCheckout(t *testing.T) {
	t.Parallel()
	for _, status := range allCartStatuses {
		for _, lines := range []int{0, 1, commerce.MaxCartLines} {
			t.Run(fmt.Sprintf("%q with %d lines", status, lines), func(t *testing.T) {
				t.Parallel()
				err := commerce.CheckCanCheckout(status, lines)
				switch {
				case status == commerce.CartOpen && lines > 0:
					require.NoError(t, err)
				case status == commerce.CartOpen:
					requireRejection(t, err, commerce.CodeEmptyCart)
				case status == commerce.CartCompleted:
					r := requireRejection(t, err, commerce.CodeCartNotOpen)
					require.Contains(t, r.Message, "already been checked out")
				default:
					// The status is checked before the lines: a frozen empty
					// cart is "not open", not "empty".
					r := requireRejection(t, err, commerce.CodeCartNotOpen)
					require.Contains(t, r.Message, fmt.Sprintf("the cart is %s, not open", status))
				}
			})
		}
	}
}

func TestRejectionError(t *testing.T) {
	t.Parallel()
	require.Equal(t, "empty_cart: the cart has no lines", commerce.Reject(commerce.CodeEmptyCart, "the cart has no lines").Error())
	r := commerce.RejectSKU(commerce.CodeUnknownSKU, "X-1", "gone")
	require.Equal(t, commerce.Rejection{Code: commerce.CodeUnknownSKU, Message: "gone", SKU: "X-1"}, *r)
}

func TestAsRejection(t *testing.T) {
	t.Parallel()
	rej := commerce.RejectSKU(commerce.CodeInsufficientStock, "A", "only 1 of A available, 2 requested")
	tests := []struct {
		name string
		err  error
		want *commerce.Rejection
	}{
		{name: "nil", err: nil},
		{name: "plain error", err: errors.New("connection refused")},
		{name: "field error", err: &commerce.FieldError{Field: "sku", Message: "is required"}},
		{name: "overflow", err: commerce.ErrOverflow},
		{name: "rejection itself", err: rej, want: rej},
		{name: "wrapped once", err: fmt.Errorf("reserve: %w", rej), want: rej},
		{name: "wrapped twice", err: fmt.Errorf("checkout: %w", fmt.Errorf("reserve: %w", rej)), want: rej},
		{name: "joined", err: errors.Join(errors.New("other"), rej), want: rej},
		{name: "formatted with %v is not unwrapped", err: fmt.Errorf("reserve: %v", rej)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := commerce.AsRejection(tt.err)
			require.Equal(t, tt.want != nil, ok)
			require.Same(t, tt.want, got)
		})
	}
}

func TestParseMinorPerCurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"9.20", "EUR", 920, true}, {"9.2", "EUR", 920, true}, {"9", "EUR", 900, true},
		{"0.05", "EUR", 5, true}, {"9.205", "EUR", 0, false}, {"1234", "JPY", 1234, true},
		{"12.5", "JPY", 0, false}, {"1.234", "BHD", 1234, true}, {"1.2345", "BHD", 0, false},
		{"-1", "EUR", 0, false}, {"+1", "EUR", 0, false}, {"1,5", "EUR", 0, false}, {"", "EUR", 0, false},
		{"1.", "EUR", 0, false}, {".5", "EUR", 0, false}, {"99999999999999999999", "EUR", 0, false},
	}
	for _, tt := range tests {
		got, ok := commerce.ParseMinor(tt.in, tt.currency)
		require.Equal(t, tt.ok, ok, "%q %s", tt.in, tt.currency)
		require.Equal(t, tt.want, got, "%q %s", tt.in, tt.currency)
		if ok {
			back, _ := commerce.ParseMinor(commerce.FormatMinor(got, tt.currency), tt.currency)
			require.Equal(t, got, back, "format and parse agree")
		}
	}
	require.True(t, commerce.KnownCurrency("EUR"))
	require.True(t, commerce.KnownCurrency("JPY"))
	require.False(t, commerce.KnownCurrency("EUX"), "the shape of a code is not a code")
	require.Equal(t, 0, commerce.MinorDigits("JPY"))
	require.Equal(t, 3, commerce.MinorDigits("BHD"))
}
