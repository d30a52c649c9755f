package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// stopSelling takes every price off a product, as PUT /v1/admin/products with
// no price in the currency does: the catalogue still has it, nobody can buy it.
func stopSelling(t *testing.T, s *testenv.Stack, sku string) {
	t.Helper()
	require.NoError(t, db.New(s.Pool).ProductPriceDeleteOtherCurrencies(context.Background(),
		db.ProductPriceDeleteOtherCurrenciesParams{Sku: sku, KeepCurrencies: []string{}}))
}

// TestAddressBookDefaults: a company admin keeps the company's address book;
// a new cart starts with its default ship-to and bill-to, so its tax is right
// before the buyer types anything; the buyer may pick another address of the
// book by ID, or type one; the order keeps the bill-to.
func TestAddressBookDefaults(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	testenv.SetTaxRate(t, s.Pool, "DE", 1900)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	admin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "company_admin"))
	buyer := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	other := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	otherAdmin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, other, "company_admin"))
	sku := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)

	// Without a book a cart has no addresses and no tax.
	bare := buyer.getCart(buyer.createCart(sku, 2))
	require.Nil(t, bare.ShipTo)
	require.Nil(t, bare.BillTo)
	require.Equal(t, eur(0), bare.Totals.Tax)

	dock := map[string]any{"label": "Berlin dock", "name": "Acme Receiving", "line1": "Dock 4", "city": "Berlin",
		"postal_code": "10115", "country": "DE", "default_ship_to": true}
	buyer.do("POST", "/v1/company/addresses", dock).requireError(t, http.StatusForbidden, "forbidden", "")
	for field, bad := range map[string]map[string]any{
		"label":   {"name": "x", "line1": "x", "city": "x", "country": "DE"},
		"city":    {"label": "x", "name": "x", "line1": "x", "city": " ", "country": "DE"},
		"country": {"label": "x", "name": "x", "line1": "x", "city": "x", "country": "ZZ"}, // no tax rate
	} {
		admin.do("POST", "/v1/company/addresses", bad).requireError(t, http.StatusUnprocessableEntity, "invalid_field", field)
	}
	res := admin.do("POST", "/v1/company/addresses", dock)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var dockAddr api.CompanyAddress
	res.decode(t, &dockAddr)
	require.True(t, dockAddr.DefaultShipTo)
	admin.do("POST", "/v1/company/addresses", dock).requireError(t, http.StatusConflict, "already_exists", "label")

	res = admin.do("POST", "/v1/company/addresses", map[string]any{"label": "Head office", "name": "Acme Accounts",
		"line1": "Hauptstr. 1", "city": "Hamburg", "postal_code": "20095", "country": "DE", "default_bill_to": true})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var office api.CompanyAddress
	res.decode(t, &office)

	// Buyers read the book; another company does not find it.
	res = buyer.do("GET", "/v1/company/addresses?limit=1", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var page api.CompanyAddressPage
	res.decode(t, &page)
	require.Len(t, page.Addresses, 1)
	require.Equal(t, dockAddr.ID, page.Addresses[0].ID)
	require.NotEmpty(t, page.NextCursor)
	otherAdmin.do("GET", "/v1/company/addresses/"+dockAddr.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")

	// A new cart has the defaults, and is taxed for the ship-to: 2 × 10.00 + 19 %.
	cartID := buyer.createCart(sku, 2)
	cart := buyer.getCart(cartID)
	require.NotNil(t, cart.ShipTo)
	require.Equal(t, api.ShipTo{Name: "Acme Receiving", Line1: "Dock 4", City: "Berlin", PostalCode: "10115", Country: "DE"}, *cart.ShipTo)
	require.Equal(t, &dockAddr.ID, cart.ShipToAddressID)
	require.NotNil(t, cart.BillTo)
	require.Equal(t, "Acme Accounts", cart.BillTo.Name)
	require.Equal(t, &office.ID, cart.BillToAddressID)
	require.Equal(t, eur(3_80), cart.Totals.Tax)
	require.Equal(t, int64(1900), cart.Totals.TaxRateBasisPoints)
	require.Equal(t, eur(23_80), cart.Totals.Total)

	// The buyer picks another address of the book, by ID, and may not name
	// another company's or give both an ID and a typed address.
	otherAddr := testenv.NewCompanyAddress(t, s.Pool, other, testenv.Address{})
	buyer.setCartDetails(cartID, map[string]any{"ship_to_address_id": otherAddr}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "ship_to_address_id")
	buyer.setCartDetails(cartID, map[string]any{"ship_to_address_id": office.ID, "ship_to": dock}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "ship_to_address_id")
	res = buyer.setCartDetails(cartID, map[string]any{"ship_to_address_id": office.ID})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.decode(t, &cart)
	require.Equal(t, "Hamburg", cart.ShipTo.City)
	require.Equal(t, &office.ID, cart.ShipToAddressID)
	// A typed ship-to is no book entry.
	res = buyer.setCartDetails(cartID, map[string]any{"ship_to": map[string]any{"name": "Site 9", "line1": "Gate 2", "city": "Bonn", "country": "DE"}})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	cart = api.Cart{}
	res.decode(t, &cart)
	require.Nil(t, cart.ShipToAddressID)
	require.Equal(t, eur(3_80), cart.Totals.Tax)

	// The order keeps the bill-to.
	order := buyer.placeOrderEventually(cartID)
	require.NotNil(t, order.BillTo)
	require.Equal(t, "Acme Accounts", order.BillTo.Name)
	require.Equal(t, "Bonn", order.ShipTo.City)

	// A new default takes over from the old one; carts made before keep theirs.
	before := buyer.createCart()
	res = admin.do("PATCH", "/v1/company/addresses/"+office.ID.String(), map[string]any{"default_ship_to": true})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = admin.do("GET", "/v1/company/addresses/"+dockAddr.ID.String(), nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.decode(t, &dockAddr)
	require.False(t, dockAddr.DefaultShipTo)
	require.Equal(t, "Hamburg", buyer.getCart(buyer.createCart()).ShipTo.City)
	require.Equal(t, "Berlin", buyer.getCart(before).ShipTo.City)
	admin.do("PATCH", "/v1/company/addresses/"+office.ID.String(), map[string]any{"country": "de"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "country")

	// Deleting leaves copies alone.
	buyer.do("DELETE", "/v1/company/addresses/"+office.ID.String(), nil).requireError(t, http.StatusForbidden, "forbidden", "")
	res = admin.do("DELETE", "/v1/company/addresses/"+office.ID.String(), nil)
	require.Equal(t, http.StatusNoContent, res.Status, string(res.Body))
	admin.do("GET", "/v1/company/addresses/"+office.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	require.Equal(t, "Acme Accounts", buyer.getOrder(order.ID).BillTo.Name)
	fresh := buyer.getCart(buyer.createCart())
	require.Nil(t, fresh.ShipTo, "the default ship-to was deleted")
	require.Nil(t, fresh.BillTo)
}

// TestRequisitionLists: lists are shared within the company; their maker and
// the company's admins change them; any employee adds one to a cart, at
// today's prices, line by line, with SKUs no longer sold reported.
func TestRequisitionLists(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	maker := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	colleague := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	admin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "company_admin"))
	stranger := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00), "company_admin"))
	bolts := testenv.NewProduct(t, s.Pool, "EUR", 2_50, 100)
	nuts := testenv.NewProduct(t, s.Pool, "EUR", 4_00, 100)
	drills := testenv.NewProduct(t, s.Pool, "EUR", 99_00, 100)

	for field, body := range map[string]map[string]any{
		"name":              {"lines": []map[string]any{{"sku": bolts, "quantity": 1}}},
		"lines[1].sku":      {"name": "x", "lines": []map[string]any{{"sku": bolts, "quantity": 1}, {"sku": uniqueName("NOPE-"), "quantity": 1}}},
		"lines[0].quantity": {"name": "x", "lines": []map[string]any{{"sku": bolts, "quantity": 0}}},
	} {
		res := maker.do("POST", "/v1/requisition-lists", body)
		want := http.StatusUnprocessableEntity
		if field == "lines[1].sku" {
			want = http.StatusNotFound // unknown_sku, as everywhere
		}
		require.Equal(t, want, res.Status, "%s: %s", field, res.Body)
		var e errorBody
		res.decode(t, &e)
		require.Equal(t, field, e.Error.Field, string(res.Body))
	}
	maker.do("POST", "/v1/requisition-lists", map[string]any{"name": "x", "lines": []map[string]any{
		{"sku": bolts, "quantity": 1}, {"sku": bolts, "quantity": 2}}}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines[1].sku")

	res := maker.do("POST", "/v1/requisition-lists", map[string]any{"name": "Weekly restock", "description": "every Monday",
		"lines": []map[string]any{{"sku": bolts, "quantity": 2}, {"sku": nuts, "quantity": 3}, {"sku": drills, "quantity": 1}}})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var list api.RequisitionList
	res.decode(t, &list)
	require.Equal(t, 3, list.LineCount)
	listPath := "/v1/requisition-lists/" + list.ID.String()
	second := testenv.NewRequisitionList(t, s.Pool, testenv.Buyer{ID: list.CreatedBy, CompanyID: company.ID}, "Spare", nil)

	// Shared: colleagues read it and page through the company's lists.
	res = colleague.do("GET", listPath, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = colleague.do("GET", "/v1/requisition-lists?limit=1", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var page api.RequisitionListPage
	res.decode(t, &page)
	require.Len(t, page.RequisitionLists, 1)
	require.Equal(t, list.ID, page.RequisitionLists[0].ID)
	require.Equal(t, 3, page.RequisitionLists[0].LineCount)
	res = colleague.do("GET", "/v1/requisition-lists?limit=1&cursor="+page.NextCursor, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	page = api.RequisitionListPage{}
	res.decode(t, &page)
	require.Equal(t, second, page.RequisitionLists[0].ID)
	require.Empty(t, page.NextCursor)
	stranger.do("GET", listPath, nil).requireError(t, http.StatusNotFound, "not_found", "")
	stranger.do("POST", listPath+"/add-to-cart", nil).requireError(t, http.StatusNotFound, "not_found", "")

	// Only the maker and the company's admins change it.
	colleague.do("PATCH", listPath, map[string]any{"name": "Mine now"}).requireError(t, http.StatusForbidden, "not_allowed", "")
	colleague.do("PUT", listPath+"/lines/"+nuts, map[string]any{"quantity": 9}).requireError(t, http.StatusForbidden, "not_allowed", "")
	res = admin.do("PATCH", listPath, map[string]any{"name": "Weekly restock (Berlin)"})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = maker.do("PUT", listPath+"/lines/"+nuts, map[string]any{"quantity": 5})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.decode(t, &list)
	require.Equal(t, "Weekly restock (Berlin)", list.Name)
	maker.do("PUT", listPath+"/lines/"+uniqueName("NOPE-"), map[string]any{"quantity": 1}).requireError(t, http.StatusNotFound, "unknown_sku", "sku")
	maker.do("PUT", listPath+"/lines/"+nuts, map[string]any{"quantity": 10_001}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "quantity")
	maker.do("DELETE", listPath+"/lines/"+uniqueName("NOPE-"), nil).requireError(t, http.StatusNotFound, "line_not_found", "sku")

	// Drills are no longer sold: add-to-cart adds the rest, at today's
	// prices, and reports the drills.
	stopSelling(t, s, drills)
	testenv.SetPrice(t, s.Pool, bolts, "EUR", 3_00)
	res = colleague.do("POST", listPath+"/add-to-cart", nil)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var added api.RebuyResult
	res.decode(t, &added)
	require.Equal(t, 2, added.Added)
	require.Equal(t, 1, added.Dropped)
	require.Equal(t, map[string]int64{bolts: 2, nuts: 5}, lineQuantities(added.Cart))
	require.Equal(t, eur(2*3_00+5*4_00), added.Cart.Totals.Subtotal)
	byStatus := map[string]api.RebuyLine{}
	for _, l := range added.Lines {
		byStatus[l.SKU] = l
	}
	require.Equal(t, "dropped", byStatus[drills].Status)
	require.Equal(t, "not_priced", byStatus[drills].Error.Code)
	require.Equal(t, "added", byStatus[bolts].Status)
	require.Equal(t, eur(3_00), *byStatus[bolts].NewUnitPrice)
	require.Equal(t, "/v1/carts/"+added.Cart.ID.String(), res.Header.Get("Location"))

	// Into a cart of the caller's: a line the cart cannot hold is reported,
	// the others are added (one transaction).
	own := colleague.createCart(bolts, 9_999)
	res = colleague.do("POST", listPath+"/add-to-cart", map[string]any{"cart_id": own})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.decode(t, &added)
	require.Equal(t, 1, added.Added)
	require.Equal(t, 2, added.Dropped)
	require.Equal(t, map[string]int64{bolts: 9_999, nuts: 5}, lineQuantities(colleague.getCart(own)))
	// Not into a colleague's cart, nor one that does not exist.
	colleague.do("POST", listPath+"/add-to-cart", map[string]any{"cart_id": maker.createCart()}).requireError(t, http.StatusForbidden, "not_allowed", "")
	colleague.do("POST", listPath+"/add-to-cart", map[string]any{"cart_id": uuid.New()}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cart_id")

	// Deleted by its maker.
	colleague.do("DELETE", listPath, nil).requireError(t, http.StatusForbidden, "not_allowed", "")
	res = maker.do("DELETE", listPath, nil)
	require.Equal(t, http.StatusNoContent, res.Status, string(res.Body))
	colleague.do("GET", listPath, nil).requireError(t, http.StatusNotFound, "not_found", "")
}

// TestReorder: a past order goes to a new cart at today's prices, with what
// changed shown line by line; a retry with the same Idempotency-Key makes no
// second cart.
func TestReorder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyerRow := testenv.NewEmployee(t, s.Pool, company, "buyer")
	buyer := newBuyerClient(t, s, buyerRow)
	colleague := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	stranger := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00), "buyer"))
	bolts := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	nuts := testenv.NewProduct(t, s.Pool, "EUR", 5_00, 100)
	drills := testenv.NewProduct(t, s.Pool, "EUR", 3_00, 100)
	order := buyer.placeOrderEventually(testenv.NewCart(t, s.Pool, buyerRow, "EUR", map[string]int32{bolts: 2, nuts: 1, drills: 1}))

	testenv.SetPrice(t, s.Pool, bolts, "EUR", 12_00)
	stopSelling(t, s, drills)
	path := "/v1/orders/" + order.ID.String() + "/reorder"
	res := buyer.do("POST", path, nil, "Idempotency-Key", "reorder-1")
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var re api.ReorderResult
	res.decode(t, &re)
	require.Equal(t, order.ID, re.OrderID)
	require.Equal(t, 2, re.Added)
	require.Equal(t, 1, re.Dropped)
	require.Equal(t, 1, re.PriceChanged)
	lines := map[string]api.RebuyLine{}
	for _, l := range re.Lines {
		lines[l.SKU] = l
	}
	require.Equal(t, eur(10_00), *lines[bolts].OldUnitPrice)
	require.Equal(t, eur(12_00), *lines[bolts].NewUnitPrice)
	require.Equal(t, eur(2_00), *lines[bolts].PriceChange)
	require.True(t, lines[bolts].PriceChanged)
	require.False(t, lines[nuts].PriceChanged)
	require.Equal(t, eur(0), *lines[nuts].PriceChange)
	require.Equal(t, "dropped", lines[drills].Status)
	require.Equal(t, "not_priced", lines[drills].Error.Code)
	require.Equal(t, eur(3_00), *lines[drills].OldUnitPrice)
	require.Nil(t, lines[drills].NewUnitPrice)
	cart := buyer.getCart(re.Cart.ID)
	require.Equal(t, "open", cart.Status)
	require.Equal(t, map[string]int64{bolts: 2, nuts: 1}, lineQuantities(cart))
	require.Equal(t, eur(2*12_00+5_00), cart.Totals.Subtotal)

	// The retry answers the same cart, and makes none.
	carts := func() int {
		var n int
		require.NoError(t, s.Pool.QueryRow(t.Context(), `SELECT count(*) FROM carts WHERE customer_id = $1`, buyerRow.ID).Scan(&n))
		return n
	}
	before := carts()
	retried := buyer.do("POST", path, nil, "Idempotency-Key", "reorder-1")
	require.Equal(t, http.StatusCreated, retried.Status, string(retried.Body))
	require.Equal(t, "true", retried.Header.Get("Idempotent-Replayed"))
	var again api.ReorderResult
	retried.decode(t, &again)
	require.Equal(t, re.Cart.ID, again.Cart.ID)
	require.Equal(t, before, carts())

	// A colleague may buy the company's order again, in a cart of their own;
	// another company does not find it.
	res = colleague.do("POST", path, nil)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	stranger.do("POST", path, nil).requireError(t, http.StatusNotFound, "not_found", "")
	buyer.do("POST", "/v1/orders/"+uuid.NewString()+"/reorder", nil).requireError(t, http.StatusNotFound, "not_found", "")
	buyer.do("POST", "/v1/orders/nope/reorder", nil).requireError(t, http.StatusBadRequest, "invalid_field", "order_id")

	// The new cart checks out at today's prices.
	placed := buyer.placeOrderEventually(re.Cart.ID)
	require.Equal(t, eur(2*12_00+5_00), placed.Totals.Subtotal)
}
