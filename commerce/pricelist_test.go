package commerce_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

const plSKU = "WIDGET"

// priceList builds a EUR list for plSKU with the given tiers (min quantity, unit
// price pairs), valid forever.
func priceList(id string, scope commerce.PriceListScope, priority int, tiers ...commerce.Tier) commerce.PriceList {
	return commerce.PriceList{
		ID: id, Name: "list " + id, Scope: scope, Currency: "EUR", Priority: priority,
		Tiers: map[string][]commerce.Tier{plSKU: tiers},
	}
}

func priceTier(minQty, price int64) commerce.Tier {
	return commerce.Tier{MinQuantity: minQty, UnitPrice: price}
}

func timePtr(t time.Time) *time.Time { return &t }

func withValidity(l commerce.PriceList, from, until *time.Time) commerce.PriceList {
	l.ValidFrom, l.ValidUntil = from, until
	return l
}

func withCurrency(l commerce.PriceList, currency string) commerce.PriceList {
	l.Currency = currency
	return l
}

func TestResolveUnitPrice(t *testing.T) {
	t.Parallel()
	mar1 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	jan1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	apr1 := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	jun1 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	// Two overlapping windows: the old list [Jan, Apr), the new one [Mar, Jun)
	// with a higher priority.
	overlapping := []commerce.PriceList{
		withValidity(priceList("old", commerce.ScopeCompany, 1, priceTier(1, 900)), &jan1, &apr1),
		withValidity(priceList("new", commerce.ScopeCompany, 2, priceTier(1, 950)), &mar1, &jun1),
	}
	volume := priceList("vol", commerce.ScopeCompany, 0, priceTier(100, 700), priceTier(1, 900), priceTier(10, 800))

	type want struct {
		unit   int64
		listID string // "" means the base price
		minQty int64
	}
	tests := []struct {
		name       string
		qty        int64
		at         time.Time
		lists      []commerce.PriceList
		base       int64
		basePriced bool
		want       want
		wantCode   commerce.RejectionCode
	}{
		{name: "no lists: base price", qty: 1, base: 1000, basePriced: true, want: want{unit: 1000}},
		{name: "group list", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("g", commerce.ScopeGroup, 0, priceTier(1, 900))},
			want:  want{unit: 900, listID: "g", minQty: 1}},
		{name: "list above base price still applies", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("g", commerce.ScopeGroup, 0, priceTier(1, 1100))},
			want:  want{unit: 1100, listID: "g", minQty: 1}},
		{name: "company beats group despite lower priority and higher price", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("g", commerce.ScopeGroup, 10, priceTier(1, 800)),
				priceList("c", commerce.ScopeCompany, 0, priceTier(1, 950)),
			},
			want: want{unit: 950, listID: "c", minQty: 1}},
		{name: "company beats group in either order", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("c", commerce.ScopeCompany, 0, priceTier(1, 950)),
				priceList("g", commerce.ScopeGroup, 10, priceTier(1, 800)),
			},
			want: want{unit: 950, listID: "c", minQty: 1}},
		{name: "higher priority beats lower price", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("p1", commerce.ScopeCompany, 1, priceTier(1, 500)),
				priceList("p2", commerce.ScopeCompany, 2, priceTier(1, 950)),
				priceList("p0", commerce.ScopeCompany, 0, priceTier(1, 400)),
			},
			want: want{unit: 950, listID: "p2", minQty: 1}},
		{name: "negative priority loses to zero", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("neg", commerce.ScopeGroup, -1, priceTier(1, 500)),
				priceList("zero", commerce.ScopeGroup, 0, priceTier(1, 900)),
			},
			want: want{unit: 900, listID: "zero", minQty: 1}},
		{name: "equal priority: lowest price wins", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("a", commerce.ScopeGroup, 3, priceTier(1, 900)),
				priceList("b", commerce.ScopeGroup, 3, priceTier(1, 850)),
				priceList("c", commerce.ScopeGroup, 3, priceTier(1, 880)),
			},
			want: want{unit: 850, listID: "b", minQty: 1}},
		{name: "equal priority and price: lowest ID wins", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("b", commerce.ScopeCompany, 3, priceTier(1, 900)),
				priceList("a", commerce.ScopeCompany, 3, priceTier(1, 900)),
				priceList("c", commerce.ScopeCompany, 3, priceTier(1, 900)),
			},
			want: want{unit: 900, listID: "a", minQty: 1}},
		{name: "price tie-break uses the tier for this quantity (9)", qty: 9, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("a", commerce.ScopeGroup, 0, priceTier(1, 900), priceTier(10, 700)),
				priceList("b", commerce.ScopeGroup, 0, priceTier(1, 800)),
			},
			want: want{unit: 800, listID: "b", minQty: 1}},
		{name: "price tie-break uses the tier for this quantity (10)", qty: 10, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("a", commerce.ScopeGroup, 0, priceTier(1, 900), priceTier(10, 700)),
				priceList("b", commerce.ScopeGroup, 0, priceTier(1, 800)),
			},
			want: want{unit: 700, listID: "a", minQty: 10}},

		// Validity windows are [from, until).
		{name: "at == ValidFrom applies", qty: 1, at: mar1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{withValidity(priceList("w", commerce.ScopeCompany, 0, priceTier(1, 900)), &mar1, nil)},
			want:  want{unit: 900, listID: "w", minQty: 1}},
		{name: "just before ValidFrom does not apply", qty: 1, at: mar1.Add(-time.Nanosecond), base: 1000, basePriced: true,
			lists: []commerce.PriceList{withValidity(priceList("w", commerce.ScopeCompany, 0, priceTier(1, 900)), &mar1, nil)},
			want:  want{unit: 1000}},
		{name: "at == ValidUntil does not apply", qty: 1, at: mar1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{withValidity(priceList("w", commerce.ScopeCompany, 0, priceTier(1, 900)), nil, &mar1)},
			want:  want{unit: 1000}},
		{name: "just before ValidUntil applies", qty: 1, at: mar1.Add(-time.Nanosecond), base: 1000, basePriced: true,
			lists: []commerce.PriceList{withValidity(priceList("w", commerce.ScopeCompany, 0, priceTier(1, 900)), nil, &mar1)},
			want:  want{unit: 900, listID: "w", minQty: 1}},
		{name: "ValidUntil compares instants, not wall clocks", qty: 1, base: 1000, basePriced: true,
			at:    mar1.In(time.FixedZone("CET", 3600)), // 01:00 local, the same instant
			lists: []commerce.PriceList{withValidity(priceList("w", commerce.ScopeCompany, 0, priceTier(1, 900)), nil, &mar1)},
			want:  want{unit: 1000}},
		{name: "overlap: only the old list in February", qty: 1, at: time.Date(2025, 2, 14, 0, 0, 0, 0, time.UTC),
			lists: overlapping, base: 1000, basePriced: true, want: want{unit: 900, listID: "old", minQty: 1}},
		{name: "overlap: both valid, priority picks the new", qty: 1, at: mar1,
			lists: overlapping, base: 1000, basePriced: true, want: want{unit: 950, listID: "new", minQty: 1}},
		{name: "overlap: old list ended", qty: 1, at: apr1,
			lists: overlapping, base: 1000, basePriced: true, want: want{unit: 950, listID: "new", minQty: 1}},
		{name: "overlap: both ended", qty: 1, at: jun1,
			lists: overlapping, base: 1000, basePriced: true, want: want{unit: 1000}},

		// Tiers: the largest MinQuantity <= quantity.
		{name: "tier 1 at qty 1", qty: 1, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 900, listID: "vol", minQty: 1}},
		{name: "tier 1 at qty 9", qty: 9, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 900, listID: "vol", minQty: 1}},
		{name: "tier 10 at qty 10", qty: 10, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 800, listID: "vol", minQty: 10}},
		{name: "tier 10 at qty 99", qty: 99, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 800, listID: "vol", minQty: 10}},
		{name: "tier 100 at qty 100", qty: 100, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 700, listID: "vol", minQty: 100}},
		{name: "tier 100 beyond the cart maximum", qty: 1_000_000, lists: []commerce.PriceList{volume}, base: 1000, basePriced: true, want: want{unit: 700, listID: "vol", minQty: 100}},
		{name: "list with no tier reached does not apply (qty = min - 1)", qty: 9, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("c", commerce.ScopeCompany, 0, priceTier(10, 800)),
				priceList("g", commerce.ScopeGroup, 0, priceTier(1, 900)),
			},
			want: want{unit: 900, listID: "g", minQty: 1}},
		{name: "list applies from its tier (qty = min)", qty: 10, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				priceList("c", commerce.ScopeCompany, 0, priceTier(10, 800)),
				priceList("g", commerce.ScopeGroup, 0, priceTier(1, 900)),
			},
			want: want{unit: 800, listID: "c", minQty: 10}},
		{name: "no tier reached and no base price", qty: 9,
			lists:    []commerce.PriceList{priceList("c", commerce.ScopeCompany, 0, priceTier(10, 800))},
			wantCode: commerce.CodeNotPriced},
		{name: "two tiers with the same min: the cheaper", qty: 5, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("d", commerce.ScopeCompany, 0, priceTier(1, 900), priceTier(1, 850), priceTier(1, 870))},
			want:  want{unit: 850, listID: "d", minQty: 1}},
		{name: "negative tier price is skipped", qty: 10, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("n", commerce.ScopeCompany, 0, priceTier(1, 900), priceTier(10, -1))},
			want:  want{unit: 900, listID: "n", minQty: 1}},
		{name: "free tier applies", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("f", commerce.ScopeCompany, 0, priceTier(1, 0))},
			want:  want{unit: 0, listID: "f", minQty: 1}},
		{name: "list for another SKU only", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{{ID: "o", Scope: commerce.ScopeCompany, Currency: "EUR",
				Tiers: map[string][]commerce.Tier{"OTHER": {priceTier(1, 1)}}}},
			want: want{unit: 1000}},
		{name: "unknown scope never applies", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{priceList("u", "region", 99, priceTier(1, 1))},
			want:  want{unit: 1000}},

		// Currency: no conversion.
		{name: "list in another currency does not apply", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{withCurrency(priceList("usd", commerce.ScopeCompany, 9, priceTier(1, 1)), "USD")},
			want:  want{unit: 1000}},
		{name: "other-currency company list does not shadow a group list", qty: 1, base: 1000, basePriced: true,
			lists: []commerce.PriceList{
				withCurrency(priceList("usd", commerce.ScopeCompany, 9, priceTier(1, 1)), "USD"),
				priceList("g", commerce.ScopeGroup, 0, priceTier(1, 900)),
			},
			want: want{unit: 900, listID: "g", minQty: 1}},
		{name: "only another currency and no base price", qty: 1,
			lists:    []commerce.PriceList{withCurrency(priceList("usd", commerce.ScopeCompany, 0, priceTier(1, 1)), "USD")},
			wantCode: commerce.CodeNotPriced},

		// Base price and quantity.
		{name: "no list, no base price", qty: 1, base: 1000, basePriced: false, wantCode: commerce.CodeNotPriced},
		{name: "negative base price is no price", qty: 1, base: -1, basePriced: true, wantCode: commerce.CodeNotPriced},
		{name: "free base price", qty: 1, base: 0, basePriced: true, want: want{unit: 0}},
		{name: "list price without base price", qty: 1, basePriced: false,
			lists: []commerce.PriceList{priceList("g", commerce.ScopeGroup, 0, priceTier(1, 900))},
			want:  want{unit: 900, listID: "g", minQty: 1}},
		{name: "zero quantity", qty: 0, base: 1000, basePriced: true,
			lists:    []commerce.PriceList{priceList("z", commerce.ScopeCompany, 0, priceTier(0, 1))},
			wantCode: commerce.CodeInvalidCart},
		{name: "negative quantity", qty: -1, base: 1000, basePriced: true, wantCode: commerce.CodeInvalidCart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := tt.at
			if at.IsZero() {
				at = mar1
			}
			unit, src, err := commerce.ResolveUnitPrice(plSKU, tt.qty, "EUR", at, tt.lists, tt.base, tt.basePriced)
			if tt.wantCode != "" {
				r := requireRejection(t, err, tt.wantCode)
				require.Equal(t, plSKU, r.SKU)
				require.Zero(t, unit)
				require.Zero(t, src)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want.unit, unit)
			wantSrc := commerce.PriceSource{}
			if tt.want.listID != "" {
				wantSrc = commerce.PriceSource{PriceListID: tt.want.listID, PriceListName: "list " + tt.want.listID, MinQuantity: tt.want.minQty}
			}
			require.Equal(t, wantSrc, src)
		})
	}
}

func TestResolveUnitPriceMessages(t *testing.T) {
	t.Parallel()
	_, _, err := commerce.ResolveUnitPrice("GIZMO", 1, "EUR", time.Now(), nil, 0, false)
	r := requireRejection(t, err, commerce.CodeNotPriced)
	require.Equal(t, "product GIZMO has no price in EUR", r.Message)

	_, _, err = commerce.ResolveUnitPrice("GIZMO", 0, "EUR", time.Now(), nil, 100, true)
	r = requireRejection(t, err, commerce.CodeInvalidCart)
	require.Contains(t, r.Message, "quantity must be at least 1")
}

func TestResolveUnitPriceDoesNotDependOnListOrder(t *testing.T) {
	t.Parallel()
	lists := []commerce.PriceList{
		priceList("b", commerce.ScopeGroup, 1, priceTier(1, 700)),
		priceList("a", commerce.ScopeGroup, 1, priceTier(1, 700)),
		priceList("c", commerce.ScopeGroup, 1, priceTier(1, 900), priceTier(5, 700)),
		priceList("d", commerce.ScopeGroup, 0, priceTier(1, 100)),
	}
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	wantUnit, wantSrc, err := commerce.ResolveUnitPrice(plSKU, 5, "EUR", at, lists, 1000, true)
	require.NoError(t, err)
	require.Equal(t, int64(700), wantUnit)
	require.Equal(t, "a", wantSrc.PriceListID)
	// Every rotation of the input gives the same answer.
	for i := range lists {
		rotated := append(append([]commerce.PriceList(nil), lists[i:]...), lists[:i]...)
		unit, src, err := commerce.ResolveUnitPrice(plSKU, 5, "EUR", at, rotated, 1000, true)
		require.NoError(t, err)
		require.Equal(t, wantUnit, unit)
		require.Equal(t, wantSrc, src)
	}
}

func TestValidatePriceList(t *testing.T) {
	t.Parallel()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := func() commerce.PriceList {
		l := priceList("pl-1", commerce.ScopeCompany, 0, priceTier(1, 900), priceTier(10, 0))
		return withValidity(l, &from, timePtr(from.Add(time.Nanosecond)))
	}
	tests := []struct {
		name      string
		edit      func(*commerce.PriceList)
		wantField string // "" means valid
		wantMsg   string
	}{
		{name: "valid", edit: func(*commerce.PriceList) {}},
		{name: "group scope", edit: func(l *commerce.PriceList) { l.Scope = commerce.ScopeGroup }},
		{name: "open validity", edit: func(l *commerce.PriceList) { l.ValidFrom, l.ValidUntil = nil, nil }},
		{name: "no tiers", edit: func(l *commerce.PriceList) { l.Tiers = nil }},
		{name: "code", edit: func(l *commerce.PriceList) { l.Code = "Trade-2026.EU_1" }},
		{name: "bad code", edit: func(l *commerce.PriceList) { l.Code = "trade 2026" }, wantField: "code", wantMsg: "letters, digits"},
		{name: "reserved code", edit: func(l *commerce.PriceList) { l.Code = commerce.BasePricesCode }, wantField: "code", wantMsg: "reserved"},
		{name: "no id", edit: func(l *commerce.PriceList) { l.ID = "" }, wantField: "id", wantMsg: "is required"},
		{name: "no name", edit: func(l *commerce.PriceList) { l.Name = "" }, wantField: "name", wantMsg: "is required"},
		{name: "unknown scope", edit: func(l *commerce.PriceList) { l.Scope = "region" }, wantField: "scope", wantMsg: `"company" or "customer_group"`},
		{name: "bad currency", edit: func(l *commerce.PriceList) { l.Currency = "eur" }, wantField: "currency", wantMsg: "ISO 4217"},
		{name: "empty window", edit: func(l *commerce.PriceList) { l.ValidUntil = timePtr(from) }, wantField: "valid_until", wantMsg: "after valid_from"},
		{name: "bad sku", edit: func(l *commerce.PriceList) { l.Tiers["bad sku"] = []commerce.Tier{priceTier(1, 1)} }, wantField: "tiers[bad sku]", wantMsg: "letters, digits"},
		{name: "min quantity zero", edit: func(l *commerce.PriceList) { l.Tiers[plSKU][1].MinQuantity = 0 }, wantField: "tiers[WIDGET][1].min_quantity", wantMsg: "at least 1"},
		{name: "duplicate min quantity", edit: func(l *commerce.PriceList) { l.Tiers[plSKU][1].MinQuantity = 1 }, wantField: "tiers[WIDGET][1].min_quantity", wantMsg: "1 appears twice"},
		{name: "negative price", edit: func(l *commerce.PriceList) { l.Tiers[plSKU][0].UnitPrice = -1 }, wantField: "tiers[WIDGET][0].unit_price", wantMsg: "must not be negative"},
		{name: "first bad sku in sorted order", edit: func(l *commerce.PriceList) {
			for _, sku := range []string{"Z", "Y", "X", "W", "V"} {
				l.Tiers[sku] = []commerce.Tier{priceTier(0, 1)}
			}
			l.Tiers["A"] = []commerce.Tier{priceTier(1, -1)}
		}, wantField: "tiers[A][0].unit_price", wantMsg: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := valid()
			tt.edit(&l)
			err := commerce.ValidatePriceList(l)
			if tt.wantField == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.wantField, tt.wantMsg)
		})
	}
}
