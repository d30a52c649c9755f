package commerce_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func int64Ptr(v int64) *int64 { return &v }

// totalsLine is a TotalsLine at the catalogue price, weightless.
func totalsLine(qty, unit int64) commerce.TotalsLine {
	return commerce.TotalsLine{Quantity: qty, BaseUnitPrice: unit, UnitPrice: unit}
}

func orderTotals(subtotal, discount, shipping, tax, total, rate int64) commerce.OrderTotals {
	return commerce.OrderTotals{
		Subtotal: eur(subtotal), Discount: eur(discount), Shipping: eur(shipping),
		Tax: eur(tax), Total: eur(total), TaxRateBasisPoints: rate,
	}
}

func TestComputeTotalsTaxRounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		net, rate, wantTax int64
	}{
		{net: 1, rate: 1950, wantTax: 0},         // 0.195
		{net: 1, rate: 4999, wantTax: 0},         // 0.4999
		{net: 1, rate: 5000, wantTax: 1},         // 0.5
		{net: 1, rate: 5001, wantTax: 1},         // 0.5001
		{net: 4999, rate: 1, wantTax: 0},         // 0.4999
		{net: 5000, rate: 1, wantTax: 1},         // 0.5
		{net: 5001, rate: 1, wantTax: 1},         // 0.5001
		{net: 14999, rate: 1, wantTax: 1},        // 1.4999
		{net: 15000, rate: 1, wantTax: 2},        // 1.5
		{net: 99, rate: 1950, wantTax: 19},       // 19.305
		{net: 100, rate: 1950, wantTax: 20},      // 19.5
		{net: 10_003, rate: 5000, wantTax: 5002}, // 5001.5: whole and fraction parts both count
		{net: 10_002, rate: 5000, wantTax: 5001}, // 5001.0
		{net: 12_345, rate: 2000, wantTax: 2469}, // 2469.0
		{net: 0, rate: 2000, wantTax: 0},
		{net: 1234, rate: 0, wantTax: 0},
		{net: 1234, rate: 10_000, wantTax: 1234},
		{net: math.MaxInt64 / 2, rate: 10_000, wantTax: math.MaxInt64 / 2}, // exact where net × rate overflows int64
		{net: math.MaxInt64 / 2, rate: 1, wantTax: 461168601842739},        // 461168601842738.7903
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d at %d bp", tt.net, tt.rate), func(t *testing.T) {
			t.Parallel()
			got, err := commerce.ComputeTotals("EUR", []commerce.TotalsLine{totalsLine(1, tt.net)}, nil, commerce.TaxPolicy{Country: "FR", RateBasisPoints: tt.rate})
			require.NoError(t, err)
			require.Equal(t, orderTotals(tt.net, 0, 0, tt.wantTax, tt.net+tt.wantTax, tt.rate), got)
		})
	}
}

func TestComputeTotals(t *testing.T) {
	t.Parallel()
	vat20 := commerce.TaxPolicy{Country: "FR", RateBasisPoints: 2000}
	noTax := commerce.TaxPolicy{Country: "FR"}
	// 5.00 + 1.00 per started kg, free from 100.00 of goods.
	std := &commerce.ShippingMethod{Code: "std", Name: "Standard", Currency: "EUR", BaseAmount: 500, PerKgAmount: 100, FreeAbove: int64Ptr(10_000)}
	// The same, never free.
	paid := &commerce.ShippingMethod{Code: "paid", Name: "Paid", Currency: "EUR", BaseAmount: 500, PerKgAmount: 100}
	weighing := func(grams int64) []commerce.TotalsLine {
		return []commerce.TotalsLine{{Quantity: 1, BaseUnitPrice: 1000, UnitPrice: 1000, WeightGrams: grams}}
	}
	tests := []struct {
		name     string
		lines    []commerce.TotalsLine
		shipping *commerce.ShippingMethod
		tax      commerce.TaxPolicy
		want     commerce.OrderTotals
	}{
		{name: "one line, no shipping, no tax", lines: []commerce.TotalsLine{totalsLine(3, 250)}, tax: noTax,
			want: orderTotals(750, 0, 0, 0, 750, 0)},
		{name: "tax on goods and shipping", lines: []commerce.TotalsLine{totalsLine(1, 1000)}, shipping: paid, tax: vat20,
			want: orderTotals(1000, 0, 500, 300, 1800, 2000)},
		{name: "exempt: no tax and rate 0", lines: []commerce.TotalsLine{totalsLine(1, 1000)}, shipping: paid,
			tax:  commerce.TaxPolicy{Country: "FR", RateBasisPoints: 2000, Exempt: true},
			want: orderTotals(1000, 0, 500, 0, 1500, 0)},
		{name: "tax rounded once on the order, not per line (down)",
			lines: []commerce.TotalsLine{totalsLine(1, 3), totalsLine(1, 3)}, // per line 0.585 -> 1 each; order 1.17 -> 1
			tax:   commerce.TaxPolicy{Country: "FR", RateBasisPoints: 1950},
			want:  orderTotals(6, 0, 0, 1, 7, 1950)},
		{name: "tax rounded once on the order, not per line (up)",
			lines: []commerce.TotalsLine{totalsLine(1, 1), totalsLine(1, 1)}, // per line 0.25 -> 0 each; order 0.5 -> 1
			tax:   commerce.TaxPolicy{Country: "FR", RateBasisPoints: 2500},
			want:  orderTotals(2, 0, 0, 1, 3, 2500)},

		// Discount is what the price lists saved against the catalogue.
		{name: "discount when the list price is below base",
			lines: []commerce.TotalsLine{{Quantity: 3, BaseUnitPrice: 1200, UnitPrice: 1000}},
			tax:   noTax, want: orderTotals(3600, 600, 0, 0, 3000, 0)},
		{name: "no negative discount when the list price is above base",
			lines: []commerce.TotalsLine{{Quantity: 2, BaseUnitPrice: 900, UnitPrice: 1000}},
			tax:   noTax, want: orderTotals(2000, 0, 0, 0, 2000, 0)},
		{name: "discount per line, summed",
			lines: []commerce.TotalsLine{
				{Quantity: 3, BaseUnitPrice: 1200, UnitPrice: 1000},
				{Quantity: 2, BaseUnitPrice: 900, UnitPrice: 1000},
				{Quantity: 1, BaseUnitPrice: 501, UnitPrice: 500},
			},
			tax: noTax, want: orderTotals(6101, 601, 0, 0, 5500, 0)},
		{name: "tax is on net, not on subtotal",
			lines: []commerce.TotalsLine{{Quantity: 1, BaseUnitPrice: 2000, UnitPrice: 1000}},
			tax:   vat20, want: orderTotals(2000, 1000, 0, 200, 1200, 2000)},

		// Free shipping from FreeAbove of net goods.
		{name: "free exactly at the threshold", lines: []commerce.TotalsLine{totalsLine(1, 10_000)}, shipping: std, tax: noTax,
			want: orderTotals(10_000, 0, 0, 0, 10_000, 0)},
		{name: "charged one below the threshold", lines: []commerce.TotalsLine{totalsLine(1, 9_999)}, shipping: std, tax: noTax,
			want: orderTotals(9_999, 0, 500, 0, 10_499, 0)},
		{name: "threshold is on net, not on subtotal",
			lines:    []commerce.TotalsLine{{Quantity: 1, BaseUnitPrice: 10_100, UnitPrice: 9_999}},
			shipping: std, tax: noTax, want: orderTotals(10_100, 101, 500, 0, 10_499, 0)},
		{name: "free from zero", lines: []commerce.TotalsLine{totalsLine(1, 0)},
			shipping: &commerce.ShippingMethod{Code: "free", Currency: "EUR", BaseAmount: 500, FreeAbove: int64Ptr(0)},
			tax:      noTax, want: orderTotals(0, 0, 0, 0, 0, 0)},
		{name: "never free without FreeAbove", lines: []commerce.TotalsLine{totalsLine(1, 1_000_000)}, shipping: paid, tax: noTax,
			want: orderTotals(1_000_000, 0, 500, 0, 1_000_500, 0)},

		// Every started kilogram is charged.
		{name: "0 g", lines: weighing(0), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 500, 0, 1500, 0)},
		{name: "1 g", lines: weighing(1), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 600, 0, 1600, 0)},
		{name: "999 g", lines: weighing(999), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 600, 0, 1600, 0)},
		{name: "1000 g", lines: weighing(1000), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 600, 0, 1600, 0)},
		{name: "1001 g", lines: weighing(1001), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 700, 0, 1700, 0)},
		{name: "2000 g", lines: weighing(2000), shipping: paid, tax: noTax, want: orderTotals(1000, 0, 700, 0, 1700, 0)},
		{name: "weight is per unit and summed over lines",
			lines: []commerce.TotalsLine{
				{Quantity: 3, BaseUnitPrice: 100, UnitPrice: 100, WeightGrams: 300}, // 900 g
				{Quantity: 2, BaseUnitPrice: 100, UnitPrice: 100, WeightGrams: 51},  // 102 g
			},
			shipping: paid, tax: noTax, want: orderTotals(500, 0, 700, 0, 1200, 0)},
		{name: "no shipping method: weight costs nothing", lines: weighing(50_000), tax: noTax,
			want: orderTotals(1000, 0, 0, 0, 1000, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := commerce.ComputeTotals("EUR", tt.lines, tt.shipping, tt.tax)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			// The identities the doc promises.
			require.Equal(t, got.Subtotal.Amount-got.Discount.Amount+got.Shipping.Amount+got.Tax.Amount, got.Total.Amount)
		})
	}
}

func TestComputeTotalsRejections(t *testing.T) {
	t.Parallel()
	const maxI = math.MaxInt64
	vat := commerce.TaxPolicy{Country: "FR", RateBasisPoints: 2000}
	full := commerce.TaxPolicy{Country: "FR", RateBasisPoints: 10_000}
	eurShip := func(base, perKg int64) *commerce.ShippingMethod {
		return &commerce.ShippingMethod{Code: "std", Currency: "EUR", BaseAmount: base, PerKgAmount: perKg}
	}
	tests := []struct {
		name       string
		lines      []commerce.TotalsLine
		shipping   *commerce.ShippingMethod
		tax        commerce.TaxPolicy
		wantCode   commerce.RejectionCode
		wantSubstr string
	}{
		{name: "no lines", lines: nil, tax: vat, wantCode: commerce.CodeEmptyCart},
		{name: "shipping in another currency", lines: []commerce.TotalsLine{totalsLine(1, 100)}, tax: vat,
			shipping: &commerce.ShippingMethod{Code: "ups", Currency: "USD", BaseAmount: 500},
			wantCode: commerce.CodeCurrencyMismatch, wantSubstr: "shipping method ups is priced in USD, the order in EUR"},
		{name: "free shipping in another currency is still a mismatch", lines: []commerce.TotalsLine{totalsLine(1, 100)}, tax: vat,
			shipping: &commerce.ShippingMethod{Code: "ups", Currency: "USD", FreeAbove: int64Ptr(0)},
			wantCode: commerce.CodeCurrencyMismatch},
		{name: "zero quantity", lines: []commerce.TotalsLine{totalsLine(1, 1), totalsLine(0, 100)}, tax: vat,
			wantCode: commerce.CodeInvalidCart, wantSubstr: "line 2: quantity must be at least 1"},
		{name: "negative unit price", lines: []commerce.TotalsLine{{Quantity: 1, BaseUnitPrice: 1, UnitPrice: -1}}, tax: vat,
			wantCode: commerce.CodeInvalidCart, wantSubstr: "line 1: prices must not be negative"},
		{name: "negative base price", lines: []commerce.TotalsLine{{Quantity: 1, BaseUnitPrice: -1, UnitPrice: 1}}, tax: vat,
			wantCode: commerce.CodeInvalidCart, wantSubstr: "prices must not be negative"},
		{name: "negative weight", lines: []commerce.TotalsLine{{Quantity: 1, WeightGrams: -1}}, tax: vat,
			wantCode: commerce.CodeInvalidCart, wantSubstr: "weight must not be negative"},

		{name: "line overflows", lines: []commerce.TotalsLine{totalsLine(2, maxI/2+1)}, tax: vat,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "line 1"},
		{name: "net overflows", lines: []commerce.TotalsLine{totalsLine(1, maxI), totalsLine(1, 1)}, tax: vat,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "line 2"},
		{name: "discount overflows", lines: []commerce.TotalsLine{{Quantity: 2, BaseUnitPrice: maxI, UnitPrice: 0}}, tax: vat,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "line 1 discount"},
		{name: "subtotal overflows", lines: []commerce.TotalsLine{totalsLine(1, maxI), {Quantity: 1, BaseUnitPrice: 1, UnitPrice: 0}}, tax: vat,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "subtotal"},
		{name: "weight overflows", lines: []commerce.TotalsLine{{Quantity: 2, WeightGrams: maxI/2 + 1}}, tax: vat,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "line 1 weight"},
		{name: "shipping per kg overflows", lines: []commerce.TotalsLine{{Quantity: 1, WeightGrams: 1001}}, tax: vat,
			shipping: eurShip(0, maxI/2+1), wantCode: commerce.CodeAmountTooLarge, wantSubstr: "shipping"},
		{name: "shipping base plus per kg overflows", lines: []commerce.TotalsLine{{Quantity: 1, WeightGrams: 1}}, tax: vat,
			shipping: eurShip(1, maxI), wantCode: commerce.CodeAmountTooLarge, wantSubstr: "shipping"},
		{name: "goods plus shipping overflows", lines: []commerce.TotalsLine{totalsLine(1, maxI)}, tax: vat,
			shipping: eurShip(1, 0), wantCode: commerce.CodeAmountTooLarge, wantSubstr: "taxable amount"},
		{name: "total overflows", lines: []commerce.TotalsLine{totalsLine(1, maxI/2+1)}, tax: full,
			wantCode: commerce.CodeAmountTooLarge, wantSubstr: "total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := commerce.ComputeTotals("EUR", tt.lines, tt.shipping, tt.tax)
			r := requireRejection(t, err, tt.wantCode)
			require.Contains(t, r.Message, tt.wantSubstr)
			require.Equal(t, commerce.OrderTotals{}, got)
		})
	}

	t.Run("largest total that fits", func(t *testing.T) {
		t.Parallel()
		got, err := commerce.ComputeTotals("EUR", []commerce.TotalsLine{totalsLine(1, maxI/2)}, nil, full)
		require.NoError(t, err)
		require.Equal(t, eur(maxI-1), got.Total)
	})
}

func TestComputeTotalsBadConfiguration(t *testing.T) {
	t.Parallel()
	lines := []commerce.TotalsLine{totalsLine(1, 100)}
	vat := commerce.TaxPolicy{Country: "FR", RateBasisPoints: 2000}
	tests := []struct {
		name      string
		shipping  *commerce.ShippingMethod
		tax       commerce.TaxPolicy
		wantField string
		wantMsg   string
	}{
		{name: "negative shipping base", tax: vat,
			shipping:  &commerce.ShippingMethod{Code: "std", Currency: "EUR", BaseAmount: -1},
			wantField: "shipping.base_amount", wantMsg: "must not be negative"},
		{name: "negative rate", tax: commerce.TaxPolicy{RateBasisPoints: -1},
			wantField: "tax.rate_basis_points", wantMsg: "between 0 and 10000"},
		{name: "rate above 100 %", tax: commerce.TaxPolicy{RateBasisPoints: 10_001},
			wantField: "tax.rate_basis_points", wantMsg: "between 0 and 10000"},
		{name: "exempt does not excuse a bad rate", tax: commerce.TaxPolicy{RateBasisPoints: 10_001, Exempt: true},
			wantField: "tax.rate_basis_points", wantMsg: "between 0 and 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := commerce.ComputeTotals("EUR", lines, tt.shipping, tt.tax)
			requireFieldError(t, err, tt.wantField, tt.wantMsg)
			_, isRejection := commerce.AsRejection(err)
			require.False(t, isRejection)
		})
	}
}

func TestValidateShippingMethod(t *testing.T) {
	t.Parallel()
	valid := func() commerce.ShippingMethod {
		return commerce.ShippingMethod{Code: "express_2-day", Name: "Express", Currency: "EUR", BaseAmount: 0, PerKgAmount: 0, FreeAbove: int64Ptr(0)}
	}
	tests := []struct {
		name      string
		edit      func(*commerce.ShippingMethod)
		wantField string // "" means valid
		wantMsg   string
	}{
		{name: "valid", edit: func(*commerce.ShippingMethod) {}},
		{name: "never free", edit: func(m *commerce.ShippingMethod) { m.FreeAbove = nil }},
		{name: "32-char code", edit: func(m *commerce.ShippingMethod) { m.Code = "abcdefghijklmnopqrstuvwxyz012345" }},
		{name: "33-char code", edit: func(m *commerce.ShippingMethod) { m.Code = "abcdefghijklmnopqrstuvwxyz0123456" }, wantField: "code", wantMsg: "1-32 lower-case"},
		{name: "empty code", edit: func(m *commerce.ShippingMethod) { m.Code = "" }, wantField: "code", wantMsg: "1-32 lower-case"},
		{name: "upper-case code", edit: func(m *commerce.ShippingMethod) { m.Code = "STD" }, wantField: "code", wantMsg: "1-32 lower-case"},
		{name: "bad currency", edit: func(m *commerce.ShippingMethod) { m.Currency = "" }, wantField: "currency", wantMsg: "ISO 4217"},
		{name: "negative base", edit: func(m *commerce.ShippingMethod) { m.BaseAmount = -1 }, wantField: "base_amount", wantMsg: "must not be negative"},
		{name: "negative per kg", edit: func(m *commerce.ShippingMethod) { m.PerKgAmount = -1 }, wantField: "per_kg_amount", wantMsg: "must not be negative"},
		{name: "negative free above", edit: func(m *commerce.ShippingMethod) { m.FreeAbove = int64Ptr(-1) }, wantField: "free_above", wantMsg: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := valid()
			tt.edit(&m)
			err := commerce.ValidateShippingMethod(m)
			if tt.wantField == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

func TestValidateTaxPolicy(t *testing.T) {
	t.Parallel()
	for _, rate := range []int64{0, 1, 2000, commerce.MaxTaxRateBasisPoints} {
		require.NoError(t, commerce.ValidateTaxPolicy(commerce.TaxPolicy{RateBasisPoints: rate}), rate)
	}
	for _, rate := range []int64{math.MinInt64, -1, commerce.MaxTaxRateBasisPoints + 1, math.MaxInt64} {
		requireFieldError(t, commerce.ValidateTaxPolicy(commerce.TaxPolicy{RateBasisPoints: rate}), "rate_basis_points", "between 0 and 10000")
	}
}
