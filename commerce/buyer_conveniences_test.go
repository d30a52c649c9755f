package commerce_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func TestValidateAddress(t *testing.T) {
	t.Parallel()
	good := commerce.Address{Name: "Acme Receiving", Line1: "Dock 4", City: "Berlin", PostalCode: "10115", Country: "DE"}
	with := func(change func(*commerce.Address)) commerce.Address {
		a := good
		change(&a)
		return a
	}
	tests := []struct {
		name  string
		addr  commerce.Address
		field string // "" when valid
	}{
		{name: "valid", addr: good},
		{name: "no line2 or postal code is fine", addr: with(func(a *commerce.Address) { a.Line2, a.PostalCode = "", "" })},
		{name: "name missing", addr: with(func(a *commerce.Address) { a.Name = "  " }), field: "ship_to.name"},
		{name: "line1 missing", addr: with(func(a *commerce.Address) { a.Line1 = "" }), field: "ship_to.line1"},
		{name: "city missing", addr: with(func(a *commerce.Address) { a.City = "" }), field: "ship_to.city"},
		{name: "country lower case", addr: with(func(a *commerce.Address) { a.Country = "de" }), field: "ship_to.country"},
		{name: "country three letters", addr: with(func(a *commerce.Address) { a.Country = "DEU" }), field: "ship_to.country"},
		{name: "country missing", addr: with(func(a *commerce.Address) { a.Country = "" }), field: "ship_to.country"},
		{name: "line2 too long", addr: with(func(a *commerce.Address) { a.Line2 = strings.Repeat("x", 201) }), field: "ship_to.line2"},
		{name: "200 characters fit", addr: with(func(a *commerce.Address) { a.Name = strings.Repeat("é", 200) })},
		{name: "postal code too long", addr: with(func(a *commerce.Address) { a.PostalCode = strings.Repeat("1", 201) }), field: "ship_to.postal_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateAddress("ship_to", tt.addr)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *commerce.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.field, fe.Field)
		})
	}
}

func TestAddressBookAndRequisitionListRights(t *testing.T) {
	t.Parallel()
	tests := []struct {
		role                 commerce.Role
		creator, sameCompany bool
		manageBook, editList bool
	}{
		{role: commerce.RoleBuyer, creator: true, sameCompany: true, editList: true},
		{role: commerce.RoleBuyer, sameCompany: true},
		{role: commerce.RoleApprover, sameCompany: true},
		{role: commerce.RoleApprover, creator: true, sameCompany: true, editList: true},
		{role: commerce.RoleCompanyAdmin, sameCompany: true, manageBook: true, editList: true},
		{role: commerce.RoleCompanyAdmin, manageBook: true}, // another company's list: not theirs
		{role: commerce.RoleBuyer, creator: true},
		{role: commerce.RoleOps, sameCompany: true},
		{role: commerce.RoleSalesRep, sameCompany: true, creator: true},
		{role: "admin", sameCompany: true, creator: true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.manageBook, commerce.CanManageAddressBook(tt.role), "manage book: %+v", tt)
		require.Equal(t, tt.editList, commerce.CanEditRequisitionList(tt.role, tt.creator, tt.sameCompany), "edit list: %+v", tt)
	}
}

func TestPlanRebuy(t *testing.T) {
	t.Parallel()
	eur := func(a int64) commerce.Money { return commerce.Money{Amount: a, Currency: "EUR"} }
	catalog := map[string]commerce.CatalogEntry{
		"BOLT":  {SKU: "BOLT", Name: "Bolt", UnitPrice: 1_20, Priced: true, Available: 1_000},
		"NUT":   {SKU: "NUT", Name: "Nut", UnitPrice: 10, Priced: true, Available: 5},
		"GONE":  {SKU: "GONE", Name: "Withdrawn", Priced: false},
		"DRILL": {SKU: "DRILL", Name: "Drill", UnitPrice: 99_00, Priced: true, Available: 0},
	}
	tests := []struct {
		name string
		past []commerce.PastLine
		want []commerce.RepricedLine
	}{
		{
			name: "kept, with the old price",
			past: []commerce.PastLine{{SKU: "BOLT", Quantity: 10, UnitPrice: eur(1_00)}},
			want: []commerce.RepricedLine{{SKU: "BOLT", Name: "Bolt", Quantity: 10, OldUnitPrice: eur(1_00), Available: 1_000}},
		},
		{
			name: "unknown and unpriced SKUs are dropped with their reason, in order",
			past: []commerce.PastLine{{SKU: "OLD", Quantity: 1}, {SKU: "BOLT", Quantity: 2}, {SKU: "GONE", Quantity: 3}},
			want: []commerce.RepricedLine{
				{SKU: "OLD", Quantity: 1, Dropped: commerce.DropUnknownSKU, Message: "the catalogue no longer has OLD"},
				{SKU: "BOLT", Name: "Bolt", Quantity: 2, Available: 1_000},
				{SKU: "GONE", Name: "Withdrawn", Quantity: 3, Dropped: commerce.DropNotPriced, Message: "GONE is no longer sold in EUR"},
			},
		},
		{
			name: "short of stock is flagged, not cut",
			past: []commerce.PastLine{{SKU: "NUT", Quantity: 6}, {SKU: "DRILL", Quantity: 1}},
			want: []commerce.RepricedLine{
				{SKU: "NUT", Name: "Nut", Quantity: 6, Available: 5, ShortOfStock: true},
				{SKU: "DRILL", Name: "Drill", Quantity: 1, ShortOfStock: true},
			},
		},
		{
			name: "the same SKU twice is one line, capped to what a line holds",
			past: []commerce.PastLine{{SKU: "BOLT", Quantity: 9_000}, {SKU: "BOLT", Quantity: 2_000}, {SKU: "GONE", Quantity: 1}, {SKU: "GONE", Quantity: 1}},
			want: []commerce.RepricedLine{
				{SKU: "BOLT", Name: "Bolt", Quantity: commerce.MaxLineQuantity, Available: 1_000, ShortOfStock: true},
				{SKU: "GONE", Name: "Withdrawn", Quantity: 1, Dropped: commerce.DropNotPriced, Message: "GONE is no longer sold in EUR"},
			},
		},
		{
			name: "nothing to buy again",
			past: nil,
			want: []commerce.RepricedLine{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, commerce.PlanRebuy("EUR", tt.past, catalog))
		})
	}
}

func TestPlanRebuyKeepsAtMostACartOfLines(t *testing.T) {
	t.Parallel()
	catalog := map[string]commerce.CatalogEntry{}
	var past []commerce.PastLine
	for i := range commerce.MaxCartLines + 2 {
		sku := fmt.Sprintf("SKU-%03d", i)
		catalog[sku] = commerce.CatalogEntry{SKU: sku, Priced: true, Available: 10}
		past = append(past, commerce.PastLine{SKU: sku, Quantity: 1})
	}
	got := commerce.PlanRebuy("EUR", past, catalog)
	kept := 0
	for _, l := range got {
		if l.Dropped == "" {
			kept++
		}
	}
	require.Equal(t, commerce.MaxCartLines, kept)
	require.Equal(t, commerce.CodeInvalidCart, got[len(got)-1].Dropped)
}

func TestRepricedLineSetNewPrice(t *testing.T) {
	t.Parallel()
	eur := func(a int64) commerce.Money { return commerce.Money{Amount: a, Currency: "EUR"} }
	tests := []struct {
		name    string
		old     commerce.Money
		now     commerce.Money
		change  int64
		changed bool
	}{
		{name: "dearer", old: eur(1_00), now: eur(1_20), change: 20, changed: true},
		{name: "cheaper", old: eur(1_00), now: eur(90), change: -10, changed: true},
		{name: "same", old: eur(1_00), now: eur(1_00)},
		{name: "never priced (a list line)", old: commerce.Money{}, now: eur(1_00)},
		{name: "other currency is not compared", old: commerce.Money{Amount: 1_00, Currency: "USD"}, now: eur(1_20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := commerce.RepricedLine{OldUnitPrice: tt.old}
			l.SetNewPrice(tt.now)
			require.Equal(t, tt.now, l.NewUnitPrice)
			require.Equal(t, tt.change, l.PriceChange)
			require.Equal(t, tt.changed, l.PriceChanged)
		})
	}
}
