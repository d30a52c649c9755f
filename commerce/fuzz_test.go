package commerce_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/commerce"
)

// Money parsing and totals, fuzzed (go test -fuzz; make fuzz). Plain go test
// runs the seeds below and any crasher saved under testdata/fuzz/.

// fuzzCurrencies cover every minor unit: 0 (JPY), 2 (EUR), 3 (BHD), and a
// code ISO 4217 does not know (shown with 2).
var fuzzCurrencies = []string{"JPY", "EUR", "BHD", "XXX"}

// ParseMinor reads what FormatMinor writes, exactly, for every amount and
// currency; and what ParseMinor accepts, FormatMinor writes back to the
// same value (its text may differ: "9.2" is written "9.20").
func FuzzParseMinor(f *testing.F) {
	for _, s := range []string{"9.20", "9.2", "9", "0", "0.001", "1372.50", "-1", "1e3", " 12.5 ", ".5", "5.", "",
		"9223372036854775807", "92233720368547758.07", "92233720368547758.08", "00012.30", "１２", "1.2.3"} {
		f.Add(s, uint8(1), int64(137250))
	}
	f.Add("", uint8(0), int64(math.MaxInt64))
	f.Add("", uint8(2), int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, s string, cur uint8, amount int64) {
		currency := fuzzCurrencies[int(cur)%len(fuzzCurrencies)]
		digits := commerce.MinorDigits(currency)

		text := commerce.FormatMinor(amount, currency)
		if amount >= 0 {
			back, ok := commerce.ParseMinor(text, currency)
			if !ok || back != amount {
				t.Fatalf("FormatMinor(%d, %s) = %q, read back as %d, %v", amount, currency, text, back, ok)
			}
		} else if _, ok := commerce.ParseMinor(text, currency); ok {
			t.Fatalf("ParseMinor took the negative %q", text)
		}
		if whole, frac, _ := strings.Cut(strings.TrimPrefix(text, "-"), "."); whole == "" || len(frac) != digits {
			t.Fatalf("FormatMinor(%d, %s) = %q: want %d decimals", amount, currency, text, digits)
		}

		v, ok := commerce.ParseMinor(s, currency)
		if !ok {
			return
		}
		if v < 0 {
			t.Fatalf("ParseMinor(%q) = %d: negative", s, v)
		}
		again, ok := commerce.ParseMinor(commerce.FormatMinor(v, currency), currency)
		if !ok || again != v {
			t.Fatalf("ParseMinor(%q) = %d, formatted %q, read back as %d, %v", s, v, commerce.FormatMinor(v, currency), again, ok)
		}
	})
}

// ComputeTotals is checked against the same sums in unbounded integers: when
// every figure fits in int64 it returns exactly them, and when one does not
// it refuses with amount_too_large, never a wrapped (negative or small)
// amount. Other refusals are for input it must refuse.
func FuzzComputeTotals(f *testing.F) {
	f.Add(int64(3), int64(120), int64(100), int64(250), int64(2), int64(999), int64(999), int64(0), int64(495), int64(100), int64(10000), int64(2000), false, true)
	f.Add(int64(1), int64(math.MaxInt64), int64(math.MaxInt64), int64(0), int64(1), int64(1), int64(1), int64(0), int64(0), int64(0), int64(-1), int64(0), false, false)
	f.Add(int64(math.MaxInt64/2+1), int64(2), int64(1), int64(1), int64(1), int64(0), int64(0), int64(0), int64(0), int64(0), int64(-1), int64(2000), false, false)
	f.Add(int64(1), int64(0), int64(0), int64(math.MaxInt64), int64(2), int64(0), int64(0), int64(1), int64(1), int64(math.MaxInt64), int64(-1), int64(10000), false, true)
	f.Add(int64(1), int64(math.MaxInt64-5), int64(0), int64(0), int64(1), int64(10), int64(0), int64(0), int64(5), int64(0), int64(-1), int64(10000), false, true)
	f.Add(int64(0), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), int64(1), true, true)
	f.Fuzz(func(t *testing.T, q1, base1, price1, grams1, q2, base2, price2, grams2, shipBase, shipPerKg, freeAbove, rate int64, exempt, withShipping bool) {
		lines := []commerce.TotalsLine{
			{Quantity: q1, BaseUnitPrice: base1, UnitPrice: price1, WeightGrams: grams1},
			{Quantity: q2, BaseUnitPrice: base2, UnitPrice: price2, WeightGrams: grams2},
		}
		var ship *commerce.ShippingMethod
		if withShipping {
			ship = &commerce.ShippingMethod{Code: "std", Currency: "EUR", BaseAmount: shipBase, PerKgAmount: shipPerKg}
			if freeAbove >= 0 {
				ship.FreeAbove = &freeAbove
			}
		}
		tax := commerce.TaxPolicy{Country: "DE", RateBasisPoints: rate, Exempt: exempt}
		got, err := commerce.ComputeTotals("EUR", lines, ship, tax)

		valid := commerce.ValidateTaxPolicy(tax) == nil && (ship == nil || commerce.ValidateShippingMethod(*ship) == nil)
		for _, l := range lines {
			valid = valid && l.Quantity >= 1 && l.UnitPrice >= 0 && l.BaseUnitPrice >= 0 && l.WeightGrams >= 0
		}
		if !valid {
			if err == nil {
				t.Fatalf("accepted invalid input: %+v %+v %+v", lines, ship, tax)
			}
			return
		}
		want, fits := bigTotals(lines, ship, tax)
		if !fits {
			if r, ok := commerce.AsRejection(err); !ok || r.Code != commerce.CodeAmountTooLarge {
				t.Fatalf("beyond int64: want amount_too_large, got %+v, %v", got, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("every figure fits, yet: %v", err)
		}
		for name, pair := range map[string][2]int64{
			"subtotal": {got.Subtotal.Amount, want[0]}, "discount": {got.Discount.Amount, want[1]},
			"shipping": {got.Shipping.Amount, want[2]}, "tax": {got.Tax.Amount, want[3]}, "total": {got.Total.Amount, want[4]},
		} {
			if pair[0] != pair[1] {
				t.Fatalf("%s = %d, want %d (%+v %+v %+v)", name, pair[0], pair[1], lines, ship, tax)
			}
		}
		if got.Subtotal.Amount-got.Discount.Amount+got.Shipping.Amount+got.Tax.Amount != got.Total.Amount {
			t.Fatalf("total %d is not subtotal − discount + shipping + tax: %+v", got.Total.Amount, got)
		}
	})
}

// bigTotals computes ComputeTotals' documented figures (subtotal, discount,
// shipping, tax, total) in unbounded integers, and whether every
// intermediate ComputeTotals keeps fits in int64.
func bigTotals(lines []commerce.TotalsLine, ship *commerce.ShippingMethod, tax commerce.TaxPolicy) ([5]int64, bool) {
	fits := true
	check := func(x *big.Int) *big.Int {
		if !x.IsInt64() {
			fits = false
		}
		return x
	}
	n := func(v int64) *big.Int { return big.NewInt(v) }
	net, discount, grams := n(0), n(0), n(0)
	for _, l := range lines {
		net = check(new(big.Int).Add(net, check(new(big.Int).Mul(n(l.UnitPrice), n(l.Quantity)))))
		if l.BaseUnitPrice > l.UnitPrice {
			d := check(new(big.Int).Mul(n(l.BaseUnitPrice-l.UnitPrice), n(l.Quantity)))
			discount = check(new(big.Int).Add(discount, d))
		}
		grams = check(new(big.Int).Add(grams, check(new(big.Int).Mul(n(l.WeightGrams), n(l.Quantity)))))
	}
	subtotal := check(new(big.Int).Add(net, discount))
	shipping := n(0)
	if fits && ship != nil && (ship.FreeAbove == nil || net.Int64() < *ship.FreeAbove) {
		kg := new(big.Int).Add(grams, n(999))
		kg.Quo(kg, n(1000))
		shipping = check(new(big.Int).Add(n(ship.BaseAmount), check(new(big.Int).Mul(n(ship.PerKgAmount), kg))))
	}
	taxable := check(new(big.Int).Add(net, shipping))
	rate := tax.RateBasisPoints
	if tax.Exempt {
		rate = 0
	}
	// Half up: ⌊(taxable × rate + 5000) / 10000⌋.
	taxAmount := new(big.Int).Mul(taxable, n(rate))
	taxAmount.Add(taxAmount, n(5000)).Quo(taxAmount, n(10_000))
	total := check(new(big.Int).Add(taxable, check(taxAmount)))
	if !fits {
		return [5]int64{}, false
	}
	return [5]int64{subtotal.Int64(), discount.Int64(), shipping.Int64(), taxAmount.Int64(), total.Int64()}, true
}

// An order's invoices, shipped in two parts, and the cancellation of what
// was not shipped, sum exactly to the order's total, component by component,
// never a negative share; whatever the prices, quantities, shipping and tax.
func FuzzInvoicesSumToTotal(f *testing.F) {
	f.Add(int64(35), int64(10), int64(999), int64(3), int64(495), int64(100), int64(2000), int64(4), int64(1), int64(5), int64(1))
	f.Add(int64(0), int64(1), int64(0), int64(1), int64(1), int64(0), int64(10000), int64(1), int64(0), int64(0), int64(0))
	f.Add(int64(math.MaxInt64/4), int64(2), int64(1), int64(1), int64(0), int64(0), int64(1), int64(1), int64(1), int64(0), int64(1))
	f.Add(int64(7), int64(10_000), int64(3), int64(9_999), int64(1), int64(1), int64(1999), int64(3_333), int64(1), int64(1), int64(0))
	f.Fuzz(func(t *testing.T, price1, q1, price2, q2, shipBase, shipPerKg, rate, first1, first2, cancel1, cancel2 int64) {
		lines := []commerce.TotalsLine{{Quantity: q1, BaseUnitPrice: price1, UnitPrice: price1, WeightGrams: 500},
			{Quantity: q2, BaseUnitPrice: price2, UnitPrice: price2, WeightGrams: 1500}}
		if q1 > commerce.MaxLineQuantity || q2 > commerce.MaxLineQuantity {
			return // no cart line holds more, so no order line does
		}
		ship := &commerce.ShippingMethod{Code: "std", Currency: "EUR", BaseAmount: shipBase, PerKgAmount: shipPerKg}
		totals, err := commerce.ComputeTotals("EUR", lines, ship, commerce.TaxPolicy{RateBasisPoints: rate})
		if err != nil {
			return
		}
		order := []commerce.OrderLine{{SKU: "A", UnitPrice: price1, Ordered: q1}, {SKU: "B", UnitPrice: price2, Ordered: q2}}
		within := func(v, n int64) int64 { // v folded into 0..n
			if n <= 0 {
				return 0
			}
			if v %= n + 1; v < 0 {
				v += n + 1
			}
			return v
		}
		var sum commerce.AmountShare
		step := func(what string, change []commerce.ShipLine, amount func([]commerce.OrderLine, commerce.OrderTotals, []commerce.ShipLine) (commerce.AmountShare, error), apply func(*commerce.OrderLine, int64)) {
			var nonEmpty []commerce.ShipLine
			for _, c := range change {
				if c.Quantity > 0 {
					nonEmpty = append(nonEmpty, c)
				}
			}
			if len(nonEmpty) == 0 {
				return
			}
			a, err := amount(order, totals, nonEmpty)
			if err != nil {
				t.Fatalf("%s %+v of %+v: %v", what, nonEmpty, order, err)
			}
			if a.Net < 0 || a.Shipping < 0 || a.Tax < 0 || a.Total != a.Net+a.Shipping+a.Tax {
				t.Fatalf("%s %+v: share %+v", what, nonEmpty, a)
			}
			sum.Net, sum.Shipping, sum.Tax, sum.Total = sum.Net+a.Net, sum.Shipping+a.Shipping, sum.Tax+a.Tax, sum.Total+a.Total
			for _, c := range nonEmpty {
				for i := range order {
					if order[i].SKU == c.SKU {
						apply(&order[i], c.Quantity)
					}
				}
			}
		}
		shipped := func(l *commerce.OrderLine, q int64) { l.Shipped += q }
		cancelled := func(l *commerce.OrderLine, q int64) { l.Cancelled += q }
		c1, c2 := within(cancel1, q1), within(cancel2, q2)
		step("cancel", []commerce.ShipLine{{SKU: "A", Quantity: c1}, {SKU: "B", Quantity: c2}}, commerce.CancellationAmount, cancelled)
		step("ship", []commerce.ShipLine{{SKU: "A", Quantity: within(first1, q1-c1)}, {SKU: "B", Quantity: within(first2, q2-c2)}}, commerce.ShipmentAmount, shipped)
		step("ship the rest", []commerce.ShipLine{{SKU: "A", Quantity: order[0].Open()}, {SKU: "B", Quantity: order[1].Open()}}, commerce.ShipmentAmount, shipped)
		if sum.Total != totals.Total.Amount || sum.Shipping != totals.Shipping.Amount || sum.Tax != totals.Tax.Amount {
			t.Fatalf("shares sum to %+v, the order's totals are %+v", sum, totals)
		}
	})
}
