package commerce_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func i64(v int64) *int64 { return &v }

// quoteCatalogue is what the catalogue lists for the revision tests.
var quoteCatalogue = map[string]commerce.ListedProduct{
	"BOLT-M8-50": {Name: "Bolt M8x50", ListUnitPrice: 1000, CostPrice: i64(600)},
	"NUT-M8":     {Name: "Nut M8", ListUnitPrice: 999},
	"WASHER":     {Name: "Washer", ListUnitPrice: 250, CostPrice: i64(100)},
	"SAMPLE":     {Name: "Sample", ListUnitPrice: 0},
	"HUGE":       {Name: "Huge", ListUnitPrice: math.MaxInt64},
	"HUGE-2":     {Name: "Huge 2", ListUnitPrice: math.MaxInt64},
	"PENNY":      {Name: "Penny", ListUnitPrice: 1},
	"LOSS":       {Name: "Loss", ListUnitPrice: 1, CostPrice: i64(math.MaxInt64)},
	"BAD-LIST":   {Name: "Bad list", ListUnitPrice: -1},
	"BAD-COST":   {Name: "Bad cost", ListUnitPrice: 10, CostPrice: i64(-1)},
}

// priced builds a single-line draft of sku.
func priced(sku string, qty int64, unit, discount *int64) []commerce.RevisionLineInput {
	return []commerce.RevisionLineInput{{SKU: sku, Quantity: qty, UnitPrice: unit, DiscountBP: discount}}
}

func TestBuildRevisionPricing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []commerce.RevisionLineInput
		want commerce.QuotedLine // LineNo, SKU, Name, Quantity, ListUnitPrice and CostPrice are filled in
	}{
		{name: "neither: the list price", in: priced("BOLT-M8-50", 3, nil, nil),
			want: commerce.QuotedLine{UnitPrice: 1000, LineTotal: 3000, DiscountBP: 0, MarginBP: i64(4000)}},
		{name: "unit price", in: priced("BOLT-M8-50", 2, i64(900), nil),
			want: commerce.QuotedLine{UnitPrice: 900, LineTotal: 1800, DiscountBP: 1000, MarginBP: i64(3333)}}, // 3333.3 rounded down
		{name: "discount of 0", in: priced("BOLT-M8-50", 1, nil, i64(0)),
			want: commerce.QuotedLine{UnitPrice: 1000, LineTotal: 1000, DiscountBP: 0, MarginBP: i64(4000)}},
		{name: "discount: exact", in: priced("BOLT-M8-50", 1, nil, i64(1250)),
			want: commerce.QuotedLine{UnitPrice: 875, LineTotal: 875, DiscountBP: 1250, MarginBP: i64(3142)}}, // 3142.857 rounded down
		// 999 × 10 % = 99.9 off: the discount is rounded down to 99, so the price
		// is 900 and the line's own discount (990.99 bp) stays below 1000.
		{name: "discount: the amount off rounds down", in: priced("NUT-M8", 4, nil, i64(1000)),
			want: commerce.QuotedLine{UnitPrice: 900, LineTotal: 3600, DiscountBP: 990}},
		{name: "discount of 100 %", in: priced("BOLT-M8-50", 5, nil, i64(10_000)),
			want: commerce.QuotedLine{UnitPrice: 0, LineTotal: 0, DiscountBP: 10_000}}, // no margin at a price of 0
		{name: "unit price 0", in: priced("WASHER", 5, i64(0), nil),
			want: commerce.QuotedLine{UnitPrice: 0, LineTotal: 0, DiscountBP: 10_000}},
		{name: "above the list: negative discount", in: priced("BOLT-M8-50", 1, i64(1100), nil),
			want: commerce.QuotedLine{UnitPrice: 1100, LineTotal: 1100, DiscountBP: -1000, MarginBP: i64(4545)}},
		// -1/999 = -10.01 bp: toward zero is -10 (rounding down would give -11).
		{name: "negative discount rounds toward zero", in: priced("NUT-M8", 1, i64(1000), nil),
			want: commerce.QuotedLine{UnitPrice: 1000, LineTotal: 1000, DiscountBP: -10}},
		// -1/599 = -16.69 bp: down is -17 (toward zero would give -16).
		{name: "negative margin rounds down", in: priced("BOLT-M8-50", 1, i64(599), nil),
			want: commerce.QuotedLine{UnitPrice: 599, LineTotal: 599, DiscountBP: 4010, MarginBP: i64(-17)}},
		{name: "margin at cost is 0", in: priced("BOLT-M8-50", 1, i64(600), nil),
			want: commerce.QuotedLine{UnitPrice: 600, LineTotal: 600, DiscountBP: 4000, MarginBP: i64(0)}},
		{name: "list price 0: discount 0", in: priced("SAMPLE", 2, nil, nil),
			want: commerce.QuotedLine{UnitPrice: 0, LineTotal: 0, DiscountBP: 0}},
		{name: "list price 0, priced above it: discount still 0", in: priced("SAMPLE", 2, i64(5), nil),
			want: commerce.QuotedLine{UnitPrice: 5, LineTotal: 10, DiscountBP: 0}},
		{name: "list price 0, discounted", in: priced("SAMPLE", 2, nil, i64(5000)),
			want: commerce.QuotedLine{UnitPrice: 0, LineTotal: 0, DiscountBP: 0}},
		// MaxInt64 × 1 / 10000 needs more than 64 bits on the way: 922337203685477 off.
		{name: "discount of the largest price, exact", in: priced("HUGE", 1, nil, i64(1)),
			want: commerce.QuotedLine{UnitPrice: math.MaxInt64 - 922_337_203_685_477, LineTotal: math.MaxInt64 - 922_337_203_685_477, DiscountBP: 0}},
		{name: "largest price, largest discount", in: priced("HUGE", 1, nil, i64(9_999)),
			want: commerce.QuotedLine{UnitPrice: 922_337_203_685_478, LineTotal: 922_337_203_685_478, DiscountBP: 9_998}},
		{name: "largest price at the list", in: priced("HUGE", 1, nil, nil),
			want: commerce.QuotedLine{UnitPrice: math.MaxInt64, LineTotal: math.MaxInt64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rev, err := commerce.BuildRevision("EUR", tt.in, quoteCatalogue, 0, 30, "")
			require.NoError(t, err)
			p := quoteCatalogue[tt.in[0].SKU]
			want := tt.want
			want.LineNo, want.SKU, want.Name, want.Quantity = 1, tt.in[0].SKU, p.Name, tt.in[0].Quantity
			want.ListUnitPrice, want.CostPrice = p.ListUnitPrice, p.CostPrice
			require.Equal(t, []commerce.QuotedLine{want}, rev.Lines)
			require.Equal(t, want.LineTotal, rev.Subtotal)
			require.Equal(t, want.LineTotal, rev.Total)
		})
	}
}

func TestBuildRevisionWhole(t *testing.T) {
	t.Parallel()
	in := []commerce.RevisionLineInput{
		{SKU: "WASHER", Quantity: 100, DiscountBP: i64(500)},
		{SKU: "BOLT-M8-50", Quantity: 10, UnitPrice: i64(950)},
		{SKU: "NUT-M8", Quantity: 10},
	}
	before := slices.Clone(in)
	rev, err := commerce.BuildRevision("EUR", in, quoteCatalogue, 1_500, 14, "Prices for the spring order.")
	require.NoError(t, err)
	require.Equal(t, before, in, "the input is not reordered")
	require.Equal(t, commerce.Revision{
		Currency: "EUR",
		Lines: []commerce.QuotedLine{
			{LineNo: 1, SKU: "BOLT-M8-50", Name: "Bolt M8x50", Quantity: 10, ListUnitPrice: 1000, UnitPrice: 950, CostPrice: i64(600), LineTotal: 9_500, DiscountBP: 500, MarginBP: i64(3684)},
			{LineNo: 2, SKU: "NUT-M8", Name: "Nut M8", Quantity: 10, ListUnitPrice: 999, UnitPrice: 999, LineTotal: 9_990},
			{LineNo: 3, SKU: "WASHER", Name: "Washer", Quantity: 100, ListUnitPrice: 250, UnitPrice: 238, CostPrice: i64(100), LineTotal: 23_800, DiscountBP: 480, MarginBP: i64(5798)},
		},
		Shipping: 1_500, Subtotal: 43_290, Total: 44_790, ValidDays: 14, Note: "Prices for the spring order.",
	}, rev)

	// Deterministic: the same draft in any order prices the same way.
	reversed := slices.Clone(in)
	slices.Reverse(reversed)
	again, err := commerce.BuildRevision("EUR", reversed, quoteCatalogue, 1_500, 14, "Prices for the spring order.")
	require.NoError(t, err)
	require.Equal(t, rev, again)

	// JSON names are the contract.
	b, err := json.Marshal(rev.Lines[1])
	require.NoError(t, err)
	require.JSONEq(t, `{"line_no":2,"sku":"NUT-M8","name":"Nut M8","quantity":10,"list_unit_price":999,"unit_price":999,"line_total":9990,"discount_bp":0}`, string(b))
	b, err = json.Marshal(commerce.RevisionLineInput{SKU: "A", Quantity: 1, DiscountBP: i64(5)})
	require.NoError(t, err)
	require.JSONEq(t, `{"sku":"A","quantity":1,"discount_bp":5}`, string(b))
}

func TestBuildRevisionValidation(t *testing.T) {
	t.Parallel()
	ok := []commerce.RevisionLineInput{{SKU: "BOLT-M8-50", Quantity: 1}}
	tooMany := make([]commerce.RevisionLineInput, commerce.MaxCartLines+1)
	for i := range tooMany {
		tooMany[i] = commerce.RevisionLineInput{SKU: fmt.Sprintf("SKU-%03d", i), Quantity: 1}
	}
	tests := []struct {
		name      string
		currency  string
		in        []commerce.RevisionLineInput
		shipping  int64
		validDays int
		note      string
		field     string
		msg       string
	}{
		{name: "currency", currency: "eur", in: ok, field: "currency", msg: "ISO 4217"},
		{name: "no lines", in: []commerce.RevisionLineInput{}, field: "lines", msg: "at least one line"},
		{name: "nil lines", field: "lines", msg: "at least one line"},
		{name: "too many lines", in: tooMany, field: "lines", msg: "at most 200 lines"},
		{name: "empty SKU", in: []commerce.RevisionLineInput{{SKU: "BOLT-M8-50", Quantity: 1}, {Quantity: 1}}, field: "lines[1].sku", msg: "is required"},
		{name: "SKU shape", in: []commerce.RevisionLineInput{{SKU: "bolt m8", Quantity: 1}}, field: "lines[0].sku", msg: "letters, digits"},
		{name: "duplicate SKU", in: []commerce.RevisionLineInput{{SKU: "BOLT-M8-50", Quantity: 1}, {SKU: "NUT-M8", Quantity: 1}, {SKU: "BOLT-M8-50", Quantity: 2}},
			field: "lines[2].sku", msg: "BOLT-M8-50 appears twice"},
		{name: "quantity 0", in: []commerce.RevisionLineInput{{SKU: "BOLT-M8-50", Quantity: 1}, {SKU: "NUT-M8"}}, field: "lines[1].quantity", msg: "at least 1"},
		{name: "negative quantity", in: priced("BOLT-M8-50", -1, nil, nil), field: "lines[0].quantity", msg: "at least 1"},
		{name: "quantity above the maximum", in: priced("BOLT-M8-50", commerce.MaxLineQuantity+1, nil, nil), field: "lines[0].quantity", msg: "at most 10000"},
		{name: "negative unit price", in: priced("BOLT-M8-50", 1, i64(-1), nil), field: "lines[0].unit_price", msg: "must not be negative"},
		{name: "negative discount", in: priced("BOLT-M8-50", 1, nil, i64(-1)), field: "lines[0].discount_bp", msg: "between 0 and 10000"},
		{name: "discount above 100 %", in: priced("BOLT-M8-50", 1, nil, i64(10_001)), field: "lines[0].discount_bp", msg: "between 0 and 10000"},
		{name: "unit price and discount", in: priced("BOLT-M8-50", 1, i64(900), i64(1000)), field: "lines[0].discount_bp", msg: "together with unit_price"},
		{name: "negative shipping", in: ok, shipping: -1, field: "shipping", msg: "must not be negative"},
		{name: "valid days 0", in: ok, validDays: 0, field: "valid_days", msg: "between 1 and 365"},
		{name: "valid days negative", in: ok, validDays: -1, field: "valid_days", msg: "between 1 and 365"},
		{name: "valid days above a year", in: ok, validDays: 366, field: "valid_days", msg: "between 1 and 365"},
		{name: "note too long", in: ok, note: strings.Repeat("a", 2001), field: "note", msg: "at most 2000 bytes"},
		{name: "note with NUL", in: ok, note: "a\x00b", field: "note", msg: "NUL"},
		{name: "note not UTF-8", in: ok, note: "caf\xe9", field: "note", msg: "UTF-8"},
		// The first line in input order that is wrong is named.
		{name: "first wrong line", in: []commerce.RevisionLineInput{{SKU: "NUT-M8", Quantity: 1}, {SKU: "WASHER", Quantity: 0}, {SKU: "BOLT-M8-50", Quantity: 0}},
			field: "lines[1].quantity", msg: "at least 1"},
		// Field errors come before the catalogue is asked.
		{name: "field error before an unknown SKU", in: []commerce.RevisionLineInput{{SKU: "GHOST", Quantity: 1}, {SKU: "NUT-M8", Quantity: 0}},
			field: "lines[1].quantity", msg: "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			currency := tt.currency
			if currency == "" {
				currency = "EUR"
			}
			validDays := tt.validDays
			if validDays == 0 && tt.field != "valid_days" {
				validDays = 30
			}
			_, err := commerce.BuildRevision(currency, tt.in, quoteCatalogue, tt.shipping, validDays, tt.note)
			requireFieldError(t, err, tt.field, tt.msg)
		})
	}
}

func TestBuildRevisionBoundsAccepted(t *testing.T) {
	t.Parallel()
	full := make([]commerce.RevisionLineInput, commerce.MaxCartLines)
	listed := map[string]commerce.ListedProduct{}
	for i := range full {
		sku := fmt.Sprintf("SKU-%03d", i)
		full[i] = commerce.RevisionLineInput{SKU: sku, Quantity: commerce.MaxLineQuantity}
		listed[sku] = commerce.ListedProduct{Name: sku, ListUnitPrice: 1}
	}
	rev, err := commerce.BuildRevision("EUR", full, listed, 0, 1, strings.Repeat("é", 1000))
	require.NoError(t, err)
	require.Len(t, rev.Lines, commerce.MaxCartLines)
	require.Equal(t, int64(commerce.MaxCartLines*commerce.MaxLineQuantity), rev.Total)
	require.Equal(t, commerce.MaxCartLines, rev.Lines[len(rev.Lines)-1].LineNo)

	_, err = commerce.BuildRevision("EUR", priced("BOLT-M8-50", 1, nil, nil), quoteCatalogue, 0, 365, "")
	require.NoError(t, err)
}

func TestBuildRevisionRejections(t *testing.T) {
	t.Parallel()
	half := int64(math.MaxInt64/2 + 1)
	tests := []struct {
		name     string
		in       []commerce.RevisionLineInput
		shipping int64
		code     commerce.RejectionCode
		sku      string
	}{
		{name: "unknown SKU", in: []commerce.RevisionLineInput{{SKU: "NUT-M8", Quantity: 1}, {SKU: "GHOST", Quantity: 1}},
			code: commerce.CodeUnknownSKU, sku: "GHOST"},
		{name: "negative list price", in: priced("BAD-LIST", 1, i64(5), nil), code: commerce.CodeNotPriced, sku: "BAD-LIST"},
		{name: "negative cost price", in: priced("BAD-COST", 1, nil, nil), code: commerce.CodeNotPriced, sku: "BAD-COST"},
		{name: "line total overflows", in: priced("HUGE", 2, nil, nil), code: commerce.CodeAmountTooLarge, sku: "HUGE"},
		{name: "subtotal overflows", in: []commerce.RevisionLineInput{{SKU: "HUGE", Quantity: 1, UnitPrice: &half}, {SKU: "HUGE-2", Quantity: 1, UnitPrice: &half}},
			code: commerce.CodeAmountTooLarge},
		{name: "total overflows with shipping", in: priced("HUGE", 1, nil, nil), shipping: 1, code: commerce.CodeAmountTooLarge},
		// MaxInt64 against a list price of 1 is a discount of about -9.2e22 bp.
		{name: "discount overflows", in: priced("PENNY", 1, i64(math.MaxInt64), nil), code: commerce.CodeAmountTooLarge, sku: "PENNY"},
		// A price of 1 against a cost of MaxInt64 is a margin of about -9.2e22 bp.
		{name: "margin overflows", in: priced("LOSS", 1, nil, nil), code: commerce.CodeAmountTooLarge, sku: "LOSS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := commerce.BuildRevision("EUR", tt.in, quoteCatalogue, tt.shipping, 30, "")
			r := requireRejection(t, err, tt.code)
			require.Equal(t, tt.sku, r.SKU)
		})
	}
}

// quoted is a revision line with the prices EvaluateAuthority judges.
func quoted(sku string, list, unit int64, cost *int64) commerce.QuotedLine {
	return commerce.QuotedLine{SKU: sku, Quantity: 1, ListUnitPrice: list, UnitPrice: unit, CostPrice: cost, LineTotal: unit}
}

func TestEvaluateAuthority(t *testing.T) {
	t.Parallel()
	rep, manager := commerce.RoleSalesRep, commerce.RoleSalesManager
	tests := []struct {
		name        string
		lines       []commerce.QuotedLine
		author      commerce.Role
		authorities map[commerce.Role]commerce.QuoteAuthority
		want        commerce.AuthorityDecision
		beyond      string // the SKU named when beyond a manager's authority
		beyondMsg   string
	}{
		{name: "rep: at the list", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 1000, i64(600))}},
		{name: "rep: discount exactly at the limit", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 900, i64(600))}},
		{name: "rep: margin exactly at the limit", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 1000, i64(850))}},
		{name: "rep: above the list", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 5000, i64(600))}},
		{name: "rep: over the discount", author: rep, lines: []commerce.QuotedLine{quoted("BOLT-M8-50", 1000, 820, nil)},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"BOLT-M8-50: 18.00 % off the list price, above the sales rep's 10.00 %"}}},
		// 2001/20000 = 1000.5 bp: a fraction over the limit still needs a manager,
		// and reads rounded up, so it does not look like the limit itself.
		{name: "rep: a fraction of a bp over the discount", author: rep, lines: []commerce.QuotedLine{quoted("A", 20_000, 17_999, nil)},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: 10.01 % off the list price, above the sales rep's 10.00 %"}}},
		{name: "rep: under the margin", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 1000, i64(900))},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: margin of 10.00 % over cost, below the sales rep's minimum of 15.00 %"}}},
		// 14999/100000 = 1499.9 bp.
		{name: "rep: a fraction of a bp under the margin", author: rep, lines: []commerce.QuotedLine{quoted("A", 100_000, 100_000, i64(85_001))},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: margin of 14.99 % over cost, below the sales rep's minimum of 15.00 %"}}},
		{name: "rep: both limits on one line, several lines in order", author: rep, lines: []commerce.QuotedLine{
			quoted("A", 1000, 800, i64(700)), quoted("B", 1000, 1000, nil), quoted("C", 1000, 890, nil)},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{
				"A: 20.00 % off the list price, above the sales rep's 10.00 %",
				"A: margin of 12.50 % over cost, below the sales rep's minimum of 15.00 %",
				"C: 11.00 % off the list price, above the sales rep's 10.00 %",
			}}},
		{name: "rep: at the manager's discount", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 750, nil)},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: 25.00 % off the list price, above the sales rep's 10.00 %"}}},
		{name: "rep: at cost needs a manager", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 1000, i64(1000))},
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: margin of 0.00 % over cost, below the sales rep's minimum of 15.00 %"}}},
		{name: "rep: beyond the manager's discount", author: rep, lines: []commerce.QuotedLine{quoted("OK", 1000, 1000, nil), quoted("BIG", 1000, 749, nil)},
			beyond: "BIG", beyondMsg: "BIG: 25.10 % off the list price, beyond even a sales manager's 25.00 %; the revision cannot be sent"},
		{name: "rep: below cost", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 999, i64(1000))},
			beyond: "A", beyondMsg: "A: margin of -0.11 % over cost, beyond even a sales manager's minimum of 0.00 %; the revision cannot be sent"},
		{name: "manager: over the rep's, within own", author: manager, lines: []commerce.QuotedLine{quoted("A", 1000, 750, i64(700))}},
		{name: "manager: beyond own discount", author: manager, lines: []commerce.QuotedLine{quoted("A", 1000, 700, nil)},
			beyond: "A", beyondMsg: "A: 30.00 % off the list price, beyond even a sales manager's 25.00 %; the revision cannot be sent"},
		{name: "manager: below cost", author: manager, lines: []commerce.QuotedLine{quoted("A", 1000, 900, i64(901))}, beyond: "A"},
		{name: "no cost: judged on discount only, within", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 950, nil)}},
		{name: "no cost: judged on discount only, beyond", author: rep, lines: []commerce.QuotedLine{quoted("A", 1000, 50, nil)}, beyond: "A"},
		{name: "price 0 under a cost", author: rep, lines: []commerce.QuotedLine{quoted("FREE", 0, 0, i64(5))},
			beyond: "FREE", beyondMsg: "FREE: given away below its cost price, beyond even a sales manager's minimum margin of 0.00 %; the revision cannot be sent"},
		{name: "price 0 at a cost of 0", author: rep, lines: []commerce.QuotedLine{quoted("FREE", 0, 0, i64(0))}},
		{name: "price far below cost", author: manager, lines: []commerce.QuotedLine{quoted("LOSS", 0, 1, i64(math.MaxInt64))},
			beyond: "LOSS", beyondMsg: "LOSS: priced far below its cost price, beyond even a sales manager's minimum margin of 0.00 %; the revision cannot be sent"},
		{name: "price far above the list", author: rep, lines: []commerce.QuotedLine{quoted("PENNY", 1, math.MaxInt64, nil)}},
		{name: "no lines", author: rep},
		{name: "configured: stricter rep", author: rep,
			authorities: map[commerce.Role]commerce.QuoteAuthority{rep: {MaxDiscountBP: 500, MinMarginBP: 2000}, manager: {MaxDiscountBP: 1000, MinMarginBP: 1000}},
			lines:       []commerce.QuotedLine{quoted("A", 1000, 940, i64(700))},
			// The margin, 25.53 %, is above the rep's minimum of 20 %.
			want: commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: 6.00 % off the list price, above the sales rep's 5.00 %"}}},
		{name: "configured: stricter manager", author: manager,
			authorities: map[commerce.Role]commerce.QuoteAuthority{rep: {MaxDiscountBP: 500, MinMarginBP: 2000}, manager: {MaxDiscountBP: 1000, MinMarginBP: 1000}},
			lines:       []commerce.QuotedLine{quoted("A", 1000, 1000, i64(950))}, beyond: "A",
			beyondMsg: "A: margin of 5.00 % over cost, beyond even a sales manager's minimum of 10.00 %; the revision cannot be sent"},
		{name: "configured rep only: the manager's by default", author: rep,
			authorities: map[commerce.Role]commerce.QuoteAuthority{rep: {MaxDiscountBP: 0, MinMarginBP: 0}},
			lines:       []commerce.QuotedLine{quoted("A", 1000, 760, nil)},
			want:        commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"A: 24.00 % off the list price, above the sales rep's 0.00 %"}}},
		{name: "configured: a generous rep is still held to the manager's", author: rep,
			authorities: map[commerce.Role]commerce.QuoteAuthority{rep: {MaxDiscountBP: 5000}},
			lines:       []commerce.QuotedLine{quoted("A", 1000, 700, nil)}, beyond: "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rev := commerce.Revision{Currency: "EUR", Lines: tt.lines}
			got, err := commerce.EvaluateAuthority(rev, tt.author, tt.authorities)
			if tt.beyond != "" {
				r := requireRejection(t, err, commerce.CodeBeyondAuthority)
				require.Equal(t, tt.beyond, r.SKU)
				if tt.beyondMsg != "" {
					require.Equal(t, tt.beyondMsg, r.Message)
				}
				require.Equal(t, commerce.AuthorityDecision{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEvaluateAuthorityOnBuiltRevision(t *testing.T) {
	t.Parallel()
	// A rep typing 10 % on a list price of 999 stays within a 10 % authority:
	// the amount off rounds down.
	rev, err := commerce.BuildRevision("EUR", priced("NUT-M8", 1, nil, i64(1000)), quoteCatalogue, 0, 30, "")
	require.NoError(t, err)
	d, err := commerce.EvaluateAuthority(rev, commerce.RoleSalesRep, commerce.DefaultQuoteAuthorities())
	require.NoError(t, err)
	require.False(t, d.NeedsManager)

	b, err := json.Marshal(commerce.AuthorityDecision{NeedsManager: true, Reasons: []string{"r"}})
	require.NoError(t, err)
	require.JSONEq(t, `{"needs_manager":true,"reasons":["r"]}`, string(b))
}

func TestEvaluateAuthorityAuthorRole(t *testing.T) {
	t.Parallel()
	for _, role := range []commerce.Role{commerce.RoleBuyer, commerce.RoleApprover, commerce.RoleCompanyAdmin, commerce.RoleOps, ""} {
		_, err := commerce.EvaluateAuthority(commerce.Revision{}, role, nil)
		requireRejection(t, err, commerce.CodeNotAllowed)
	}
}

func TestDefaultQuoteAuthorities(t *testing.T) {
	t.Parallel()
	a := commerce.DefaultQuoteAuthorities()
	require.Equal(t, map[commerce.Role]commerce.QuoteAuthority{
		commerce.RoleSalesRep:     {MaxDiscountBP: 1000, MinMarginBP: 1500},
		commerce.RoleSalesManager: {MaxDiscountBP: 2500, MinMarginBP: 0},
	}, a)
	for role, auth := range a {
		require.NoError(t, commerce.ValidateQuoteAuthority(role, auth))
	}
	a[commerce.RoleSalesRep] = commerce.QuoteAuthority{}
	require.Equal(t, int64(1000), commerce.DefaultQuoteAuthorities()[commerce.RoleSalesRep].MaxDiscountBP, "each call is a fresh map")

	b, err := json.Marshal(commerce.QuoteAuthority{MaxDiscountBP: 1, MinMarginBP: 2})
	require.NoError(t, err)
	require.JSONEq(t, `{"max_discount_bp":1,"min_margin_bp":2}`, string(b))
}

func TestValidateQuoteAuthority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		role  commerce.Role
		a     commerce.QuoteAuthority
		field string
	}{
		{name: "rep, zero", role: commerce.RoleSalesRep},
		{name: "manager, full", role: commerce.RoleSalesManager, a: commerce.QuoteAuthority{MaxDiscountBP: 10_000, MinMarginBP: 10_000}},
		{name: "buyer", role: commerce.RoleBuyer, field: "role"},
		{name: "ops", role: commerce.RoleOps, field: "role"},
		{name: "no role", field: "role"},
		{name: "negative discount", role: commerce.RoleSalesRep, a: commerce.QuoteAuthority{MaxDiscountBP: -1}, field: "max_discount_bp"},
		{name: "discount above 100 %", role: commerce.RoleSalesRep, a: commerce.QuoteAuthority{MaxDiscountBP: 10_001}, field: "max_discount_bp"},
		{name: "negative margin", role: commerce.RoleSalesManager, a: commerce.QuoteAuthority{MinMarginBP: -1}, field: "min_margin_bp"},
		{name: "margin above 100 %", role: commerce.RoleSalesManager, a: commerce.QuoteAuthority{MinMarginBP: 10_001}, field: "min_margin_bp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateQuoteAuthority(tt.role, tt.a)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.field, "must be")
		})
	}
}

// offered is a revision line for the diff tests.
func offered(sku string, qty, unit int64) commerce.QuotedLine {
	return commerce.QuotedLine{SKU: sku, Name: sku, Quantity: qty, ListUnitPrice: unit, UnitPrice: unit, LineTotal: qty * unit}
}

func TestDiffRevisions(t *testing.T) {
	t.Parallel()
	prev := commerce.Revision{Currency: "EUR", Shipping: 500, Total: 1_000, ValidDays: 14, Lines: []commerce.QuotedLine{
		offered("A", 1, 100), offered("B", 2, 200), offered("C", 1, 50), offered("E", 3, 10),
	}}
	renamed := offered("E", 3, 10)
	renamed.Name, renamed.ListUnitPrice, renamed.DiscountBP = "E, renamed", 20, 5000
	tests := []struct {
		name string
		prev *commerce.Revision
		next commerce.Revision
		want commerce.RevisionDiff
	}{
		{name: "nil prev: everything added", next: prev, want: commerce.RevisionDiff{
			Added: prev.Lines, Removed: []commerce.QuotedLine{}, Changed: []commerce.LineChange{},
			ShippingFrom: 0, ShippingTo: 500, ShippingChanged: true, TotalFrom: 0, TotalTo: 1_000, ValidDaysChanged: true,
		}},
		{name: "nil prev, no shipping", next: commerce.Revision{Lines: []commerce.QuotedLine{offered("A", 1, 0)}, ValidDays: 1}, want: commerce.RevisionDiff{
			Added: []commerce.QuotedLine{offered("A", 1, 0)}, Removed: []commerce.QuotedLine{}, Changed: []commerce.LineChange{}, ValidDaysChanged: true,
		}},
		{name: "identical", prev: &prev, next: prev, want: commerce.RevisionDiff{
			Added: []commerce.QuotedLine{}, Removed: []commerce.QuotedLine{}, Changed: []commerce.LineChange{},
			ShippingFrom: 500, ShippingTo: 500, TotalFrom: 1_000, TotalTo: 1_000,
		}},
		{name: "added, removed, changed", prev: &prev,
			next: commerce.Revision{Currency: "EUR", Shipping: 0, Total: 900, ValidDays: 14, Lines: []commerce.QuotedLine{
				offered("B", 3, 200), offered("C", 1, 40), offered("D", 5, 7), renamed,
			}},
			want: commerce.RevisionDiff{
				Added:   []commerce.QuotedLine{offered("D", 5, 7)},
				Removed: []commerce.QuotedLine{offered("A", 1, 100)},
				Changed: []commerce.LineChange{
					{SKU: "B", FromQuantity: 2, ToQuantity: 3, FromUnitPrice: 200, ToUnitPrice: 200},
					{SKU: "C", FromQuantity: 1, ToQuantity: 1, FromUnitPrice: 50, ToUnitPrice: 40},
				},
				ShippingFrom: 500, ShippingTo: 0, ShippingChanged: true, TotalFrom: 1_000, TotalTo: 900,
			}},
		{name: "quantity and price both changed; validity changed", prev: &prev,
			next: commerce.Revision{Shipping: 500, Total: 1_000, ValidDays: 30, Lines: []commerce.QuotedLine{
				offered("A", 4, 90), offered("B", 2, 200), offered("C", 1, 50), offered("E", 3, 10),
			}},
			want: commerce.RevisionDiff{
				Added: []commerce.QuotedLine{}, Removed: []commerce.QuotedLine{},
				Changed:      []commerce.LineChange{{SKU: "A", FromQuantity: 1, ToQuantity: 4, FromUnitPrice: 100, ToUnitPrice: 90}},
				ShippingFrom: 500, ShippingTo: 500, TotalFrom: 1_000, TotalTo: 1_000, ValidDaysChanged: true,
			}},
		{name: "everything removed", prev: &prev, next: commerce.Revision{Shipping: 500, ValidDays: 14},
			want: commerce.RevisionDiff{
				Added: []commerce.QuotedLine{}, Removed: prev.Lines, Changed: []commerce.LineChange{},
				ShippingFrom: 500, ShippingTo: 500, TotalFrom: 1_000,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, commerce.DiffRevisions(tt.prev, tt.next))
		})
	}

	b, err := json.Marshal(commerce.DiffRevisions(&prev, prev))
	require.NoError(t, err)
	require.JSONEq(t, `{"added":[],"removed":[],"changed":[],"shipping_from":500,"shipping_to":500,"shipping_changed":false,
		"total_from":1000,"total_to":1000,"valid_days_changed":false}`, string(b))
}

func TestQuoteReminderTimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	until := now.Add(10 * 24 * time.Hour)
	h := time.Hour
	tests := []struct {
		name   string
		until  time.Time
		before []time.Duration
		want   []time.Time
	}{
		{name: "defaults", until: until, before: commerce.DefaultQuoteReminders, want: []time.Time{until.Add(-72 * h), until.Add(-24 * h)}},
		{name: "earliest first whatever the input order", until: until, before: []time.Duration{24 * h, 72 * h, 48 * h},
			want: []time.Time{until.Add(-72 * h), until.Add(-48 * h), until.Add(-24 * h)}},
		{name: "duplicates once", until: until, before: []time.Duration{24 * h, 72 * h, 24 * h, 1440 * time.Minute},
			want: []time.Time{until.Add(-72 * h), until.Add(-24 * h)}},
		{name: "past points dropped", until: now.Add(48 * h), before: commerce.DefaultQuoteReminders, want: []time.Time{now.Add(24 * h)}},
		{name: "a point exactly now is dropped", until: now.Add(72 * h), before: commerce.DefaultQuoteReminders, want: []time.Time{now.Add(48 * h)}},
		{name: "a point just after now is kept", until: now.Add(72*h + time.Nanosecond), before: commerce.DefaultQuoteReminders,
			want: []time.Time{now.Add(time.Nanosecond), now.Add(48*h + time.Nanosecond)}},
		{name: "all past", until: now.Add(h), before: commerce.DefaultQuoteReminders, want: []time.Time{}},
		{name: "already expired", until: now.Add(-h), before: commerce.DefaultQuoteReminders, want: []time.Time{}},
		{name: "points at or after expiry dropped", until: until, before: []time.Duration{0, -h, h}, want: []time.Time{until.Add(-h)}},
		{name: "none asked", until: until, want: []time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := commerce.QuoteReminderTimes(now, tt.until, tt.before)
			require.Equal(t, tt.want, got)
		})
	}

	berlin := time.FixedZone("CET", 3600)
	got := commerce.QuoteReminderTimes(now.In(berlin), until.In(berlin), commerce.DefaultQuoteReminders)
	require.Equal(t, []time.Time{until.Add(-72 * h), until.Add(-24 * h)}, got, "in UTC")
	require.Equal(t, []time.Duration{72 * h, 24 * h}, commerce.DefaultQuoteReminders)
}

func TestQuoteValidUntil(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 28, 23, 0, 0, 0, time.FixedZone("CET", 3600))
	require.Equal(t, time.Date(2026, 4, 11, 22, 0, 0, 0, time.UTC), commerce.QuoteValidUntil(now, 14))
	require.Equal(t, time.UTC, commerce.QuoteValidUntil(now, 1).Location())
	require.Equal(t, now.Add(365*24*time.Hour).UTC(), commerce.QuoteValidUntil(now, 365))
}

func TestValidateQuoteRequest(t *testing.T) {
	t.Parallel()
	one := []commerce.CartLine{{SKU: "BOLT-M8-50", Quantity: 500}}
	full := make([]commerce.CartLine, commerce.MaxCartLines)
	for i := range full {
		full[i] = commerce.CartLine{SKU: fmt.Sprintf("SKU-%03d", i), Quantity: commerce.MaxLineQuantity}
	}
	tooMany := append(slices.Clone(full), commerce.CartLine{SKU: "ONE-MORE", Quantity: 1})
	tests := []struct {
		name    string
		lines   []commerce.CartLine
		message string
		target  *int64
		field   string
		msg     string
	}{
		{name: "minimal", lines: one},
		{name: "full, with message and target", lines: full, message: strings.Repeat("ü", 1000), target: i64(0)},
		{name: "target", lines: one, target: i64(123_456)},
		{name: "no lines", lines: []commerce.CartLine{}, field: "lines", msg: "at least one line"},
		{name: "nil lines", field: "lines", msg: "at least one line"},
		{name: "too many lines", lines: tooMany, field: "lines", msg: "at most 200 lines"},
		{name: "empty SKU", lines: []commerce.CartLine{{SKU: "A", Quantity: 1}, {Quantity: 1}}, field: "lines[1].sku", msg: "is required"},
		{name: "bad SKU", lines: []commerce.CartLine{{SKU: "-A", Quantity: 1}}, field: "lines[0].sku", msg: "letters, digits"},
		{name: "duplicate SKU", lines: []commerce.CartLine{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}, {SKU: "A", Quantity: 1}},
			field: "lines[2].sku", msg: "A appears twice"},
		{name: "quantity 0", lines: []commerce.CartLine{{SKU: "A", Quantity: 1}, {SKU: "B"}}, field: "lines[1].quantity", msg: "at least 1"},
		{name: "quantity too large", lines: []commerce.CartLine{{SKU: "A", Quantity: commerce.MaxLineQuantity + 1}}, field: "lines[0].quantity", msg: "at most"},
		{name: "message too long", lines: one, message: strings.Repeat("ü", 1001), field: "message", msg: "at most 2000 bytes"},
		{name: "message with NUL", lines: one, message: "hi\x00", field: "message", msg: "NUL"},
		{name: "message not UTF-8", lines: one, message: "\xff", field: "message", msg: "UTF-8"},
		{name: "negative target", lines: one, target: i64(-1), field: "target_total", msg: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateQuoteRequest(tt.lines, tt.message, tt.target)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.field, tt.msg)
		})
	}
}

func TestValidateQuoteText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		s        string
		max      int
		required bool
		msg      string // "" for valid
	}{
		{name: "optional, empty", s: "", max: 10},
		{name: "required, given", s: "why", max: 10, required: true},
		{name: "required, empty", s: "", max: 10, required: true, msg: "is required"},
		{name: "required, blank", s: " \t\n", max: 10, required: true, msg: "is required"},
		{name: "optional, blank", s: "  ", max: 10},
		{name: "exactly max bytes", s: "0123456789", max: 10},
		{name: "one byte over", s: "0123456789a", max: 10, msg: "at most 10 bytes"},
		{name: "bytes, not characters", s: "ééééé" + "é", max: 10, msg: "at most 10 bytes"}, // 6 characters, 12 bytes
		{name: "multi-byte within", s: "ééééé", max: 10},
		{name: "NUL", s: "a\x00b", max: 10, msg: "must not contain NUL characters"},
		{name: "NUL alone", s: "\x00", max: 10, required: true, msg: "must not contain NUL characters"},
		{name: "invalid UTF-8", s: "caf\xe9", max: 10, msg: "must be valid UTF-8"},
		{name: "truncated UTF-8", s: "\xc3", max: 10, msg: "must be valid UTF-8"},
		{name: "surrogate half", s: "\xed\xa0\x80", max: 10, msg: "must be valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateQuoteText("reason", tt.s, tt.max, tt.required)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, "reason", tt.msg)
		})
	}
}
