package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/db"
)

// staffID makes a staff member with role, straight in the database.
func (e *adminEnv) staffID(role string) uuid.UUID {
	e.t.Helper()
	id := uuid.New()
	_, err := db.New(e.pool).StaffCreate(context.Background(), db.StaffCreateParams{ID: id, Email: id.String() + "@seller.test", Name: "Staff " + role, Role: role})
	require.NoError(e.t, err)
	return id
}

// TestAdminCompanySalesRep: a company's account sales rep is set to a sales
// rep, kept when a PATCH leaves it out, and cleared with null.
func TestAdminCompanySalesRep(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	require.Nil(t, company.SalesRepID)
	rep := e.staffID("sales_rep")
	path := "/v1/admin/companies/" + company.ID.String()

	var got admin.Company
	e.do("PATCH", path, map[string]any{"sales_rep_id": rep}).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, &rep, got.SalesRepID)
	e.do("PATCH", path, map[string]any{"name": "Renamed"}).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, &rep, got.SalesRepID, "left out, the rep stays")
	e.do("GET", path, nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, &rep, got.SalesRepID)

	for name, v := range map[string]any{
		"not a UUID":    "rep-1",
		"not a string":  42,
		"nobody":        uuid.New(),
		"an ops member": e.staffID("ops"),
		"a manager":     e.staffID("sales_manager"),
	} {
		t.Run(name, func(t *testing.T) {
			e.do("PATCH", path, map[string]any{"sales_rep_id": v, "name": "Half-written"}).
				requireError(t, http.StatusUnprocessableEntity, "invalid_field", "sales_rep_id")
		})
	}
	e.do("GET", path, nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, "Renamed", got.Name, "a refused PATCH changes nothing")

	e.do("PATCH", path, map[string]any{"sales_rep_id": nil}).requireStatus(t, http.StatusOK, &got)
	require.Nil(t, got.SalesRepID)
}

// TestAdminProductCostPrices: cost prices are set per priced currency, kept
// when a PUT leaves them out, and forgotten with null.
func TestAdminProductCostPrices(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	path := "/v1/admin/products/COST-1"
	var p admin.CatalogProduct
	e.do("PUT", path, map[string]any{"name": "Widget", "weight_grams": 1, "prices": map[string]int64{"EUR": 1000, "USD": 1100},
		"cost_prices": map[string]int64{"EUR": 700}}).requireStatus(t, http.StatusOK, &p)
	require.Equal(t, map[string]int64{"EUR": 700}, p.CostPrices)

	e.do("PUT", path, map[string]any{"name": "Widget", "weight_grams": 1, "prices": map[string]int64{"EUR": 1050, "USD": 1100}}).
		requireStatus(t, http.StatusOK, &p)
	require.Equal(t, map[string]int64{"EUR": 700}, p.CostPrices, "a new price keeps the cost")

	e.do("PUT", path, map[string]any{"name": "Widget", "weight_grams": 1, "prices": map[string]int64{"EUR": 1050},
		"cost_prices": map[string]int64{"USD": 800}}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cost_prices.USD")
	e.do("PUT", path, map[string]any{"name": "Widget", "weight_grams": 1, "prices": map[string]int64{"EUR": 1050},
		"cost_prices": map[string]int64{"EUR": -1}}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cost_prices.EUR")

	e.do("PUT", path, map[string]any{"name": "Widget", "weight_grams": 1, "prices": map[string]int64{"EUR": 1050, "USD": 1100},
		"cost_prices": map[string]any{"EUR": nil, "USD": 800}}).requireStatus(t, http.StatusOK, &p)
	require.Equal(t, map[string]int64{"USD": 800}, p.CostPrices)
}

// TestAdminQuoteAuthorities: ops read and set how far each sales role may
// discount; anything out of range names its field.
func TestAdminQuoteAuthorities(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	var list admin.QuoteAuthorityList
	e.do("GET", "/v1/admin/quote-authorities", nil).requireStatus(t, http.StatusOK, &list)
	require.Len(t, list.Authorities, 2)
	require.Equal(t, "sales_manager", list.Authorities[0].Role)
	require.EqualValues(t, 2500, list.Authorities[0].MaxDiscountBP)
	require.Equal(t, "sales_rep", list.Authorities[1].Role)
	require.EqualValues(t, 1000, list.Authorities[1].MaxDiscountBP)
	require.EqualValues(t, 1500, list.Authorities[1].MinMarginBP)

	var a admin.QuoteAuthority
	e.do("PUT", "/v1/admin/quote-authorities/sales_rep", map[string]any{"max_discount_bp": 1200, "min_margin_bp": 1000}).
		requireStatus(t, http.StatusOK, &a)
	require.Equal(t, "sales_rep", a.Role)
	require.EqualValues(t, 1200, a.MaxDiscountBP)
	require.EqualValues(t, 1000, a.MinMarginBP)

	for _, tc := range []struct {
		name, role, field string
		body              map[string]any
	}{
		{"ops has no authority", "ops", "role", map[string]any{"max_discount_bp": 1, "min_margin_bp": 1}},
		{"over 100 %", "sales_rep", "max_discount_bp", map[string]any{"max_discount_bp": 10_001, "min_margin_bp": 1}},
		{"negative margin", "sales_manager", "min_margin_bp", map[string]any{"max_discount_bp": 1, "min_margin_bp": -1}},
		{"missing margin", "sales_rep", "min_margin_bp", map[string]any{"max_discount_bp": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", "/v1/admin/quote-authorities/"+tc.role, tc.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", tc.field)
		})
	}
	e.do("GET", "/v1/admin/quote-authorities", nil).requireStatus(t, http.StatusOK, &list)
	require.EqualValues(t, 1200, list.Authorities[1].MaxDiscountBP, "refused PUTs change nothing")
}
