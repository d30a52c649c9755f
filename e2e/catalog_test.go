package e2e_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/testenv"
)

// catalogProductBody is the admin API's body of a product with one plain
// variant.
func catalogProductBody(handle, sku string) map[string]any {
	return map[string]any{"handle": handle, "name": "Matrix product " + handle, "variants": []map[string]any{{"sku": sku}}}
}

// catalogPage lists the catalog as c with the query and requires 200.
func catalogPage(t *testing.T, c buyerClient, query string) api.CatalogProductPage {
	t.Helper()
	res := c.do("GET", "/v1/catalog/products?"+query, nil)
	require.Equal(t, http.StatusOK, res.Status, "list %s: %s", query, res.Body)
	var page api.CatalogProductPage
	res.decode(t, &page)
	return page
}

func handlesOf(page api.CatalogProductPage) []string {
	out := []string{}
	for _, p := range page.Products {
		out = append(out, p.Handle)
	}
	return out
}

// TestCatalog creates structured products through the admin API and lists
// them as a buyer: filters by attribute (equality and numeric range), text
// and category, pages, and each variant's own price (the company's price list
// beats the base price) and availability.
func TestCatalog(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	tag := strings.ToLower(uuid.NewString()[:6])
	sku := func(s string) string { return strings.ToUpper(s + "-" + tag) }

	create := func(body map[string]any) admin.CatalogProductAdmin {
		t.Helper()
		res := ops.do("POST", "/v1/admin/catalog/products", body)
		require.Equal(t, http.StatusCreated, res.Status, "create: %s", res.Body)
		var p admin.CatalogProductAdmin
		res.decode(t, &p)
		require.Equal(t, "/v1/admin/catalog/products/"+p.ID.String(), res.Header.Get("Location"))
		return p
	}
	bolt := create(map[string]any{
		"handle": "bolt-" + tag, "name": "Hex bolt M8", "category": "fasteners",
		"description": "DIN 933 hex bolt, fully threaded",
		"options":     []map[string]any{{"name": "Length", "values": []string{"30mm", "50mm"}}},
		"attributes":  map[string]any{"material": "steel", "diameter_mm": 8, "zinc_plated": true},
		"variants": []map[string]any{
			{"sku": sku("BOLT-30"), "name": "Hex bolt M8×30, box of 100", "options": map[string]any{"Length": "30mm"},
				"unit": "box", "pack_size": 100, "weight_grams": 1500, "prices": map[string]any{"EUR": 15_90}, "on_hand": 40},
			{"sku": sku("BOLT-50"), "name": "Hex bolt M8×50, box of 100", "options": map[string]any{"Length": "50mm"},
				"unit": "box", "pack_size": 100, "prices": map[string]any{"EUR": 18_90}},
		},
	})
	require.Len(t, bolt.Variants, 2)
	require.Equal(t, "box", bolt.Variants[0].Unit)
	require.EqualValues(t, 100, bolt.Variants[0].PackSize)
	require.EqualValues(t, 40, bolt.Variants[0].OnHand)
	require.Equal(t, map[string]int64{"EUR": 15_90}, bolt.Variants[0].Prices)

	gloves := create(map[string]any{
		"handle": "gloves-" + tag, "name": "Nitrile work gloves", "category": "safety",
		"options":    []map[string]any{{"name": "Size", "values": []string{"M", "L"}}},
		"attributes": map[string]any{"material": "nitrile", "cut_level": 3, "en388": true},
		"variants": []map[string]any{
			{"sku": sku("GLOVE-M"), "options": map[string]any{"Size": "M"}, "unit": "pair", "prices": map[string]any{"EUR": 2_90}, "on_hand": 7},
			{"sku": sku("GLOVE-L"), "options": map[string]any{"Size": "L"}, "unit": "pair", "prices": map[string]any{"EUR": 2_90}, "on_hand": 9},
		},
	})
	plate := create(map[string]any{
		"handle": "plate-" + tag, "name": "Mounting plate", "category": "fasteners",
		"attributes": map[string]any{"material": "steel", "cut_level": 1.5},
		"variants":   []map[string]any{{"sku": sku("PLATE"), "prices": map[string]any{"USD": 3_00}}},
	})
	// A SKU made the old way is a product of its own, its SKU the handle.
	plain := testenv.NewProduct(t, s.Pool, "EUR", 5_00, 3)

	testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: uniqueName("Contract "), CompanyID: company.ID, Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: sku("BOLT-30"), MinQuantity: 1, UnitPrice: 14_00}, {SKU: sku("BOLT-30"), MinQuantity: 10, UnitPrice: 12_00}}})

	t.Run("refusals name the field", func(t *testing.T) {
		for name, tc := range map[string]struct {
			body   map[string]any
			status int
			code   string
			field  string
		}{
			"same options twice": {map[string]any{"handle": "x-" + tag, "name": "X",
				"options":  []map[string]any{{"name": "Size", "values": []string{"M"}}},
				"variants": []map[string]any{{"sku": sku("X1"), "options": map[string]any{"Size": "M"}}, {"sku": sku("X2"), "options": map[string]any{"Size": "M"}}}},
				422, "invalid_field", "variants[1].options"},
			"an attribute of another kind": {map[string]any{"handle": "x-" + tag, "name": "X", "attributes": map[string]any{"material": 5},
				"variants": []map[string]any{{"sku": sku("X1")}}}, 422, "invalid_field", "attributes.material"},
			"a SKU of another product": {map[string]any{"handle": "x-" + tag, "name": "X",
				"variants": []map[string]any{{"sku": sku("GLOVE-M")}}}, 409, "already_exists", "variants[0].sku"},
			"a handle taken": {map[string]any{"handle": "bolt-" + tag, "name": "X",
				"variants": []map[string]any{{"sku": sku("X1")}}}, 409, "already_exists", "handle"},
			"a pack of none": {map[string]any{"handle": "x-" + tag, "name": "X",
				"variants": []map[string]any{{"sku": sku("X1"), "unit": "box", "pack_size": 0}}}, 422, "invalid_field", "variants[0].pack_size"},
		} {
			t.Run(name, func(t *testing.T) {
				ops.do("POST", "/v1/admin/catalog/products", tc.body).requireError(t, tc.status, tc.code, tc.field)
			})
		}
		// A new SKU made the old way gets a product with the SKU as its handle:
		// one a catalog product has is refused.
		ops.do("PUT", "/v1/admin/products/"+bolt.Handle, map[string]any{"name": "X", "weight_grams": 0, "prices": map[string]any{}}).
			requireError(t, http.StatusConflict, "already_exists", "sku")
		// Nothing of the refused products was written.
		ops.do("GET", "/v1/catalog/products/x-"+tag, nil).requireError(t, http.StatusForbidden, "forbidden", "")
		buyer.do("GET", "/v1/catalog/products/x-"+tag, nil).requireError(t, http.StatusNotFound, "not_found", "")
	})

	t.Run("own prices and availability", func(t *testing.T) {
		page := catalogPage(t, buyer, "limit=100")
		byHandle := map[string]api.CatalogProduct{}
		for _, p := range page.Products {
			byHandle[p.Handle] = p
		}
		got := byHandle[bolt.Handle]
		require.Equal(t, "fasteners", got.Category)
		require.JSONEq(t, `{"material": "steel", "diameter_mm": 8, "zinc_plated": true}`, string(got.Attributes))
		require.JSONEq(t, `[{"name": "Length", "values": ["30mm", "50mm"]}]`, string(got.Options))
		require.Len(t, got.Variants, 2)
		require.JSONEq(t, `{"Length": "30mm"}`, string(got.Variants[0].Options))
		require.JSONEq(t, `{"Length": "50mm"}`, string(got.Variants[1].Options))
		require.Equal(t, api.CatalogVariant{SKU: sku("BOLT-30"), Name: "Hex bolt M8×30, box of 100", Options: got.Variants[0].Options,
			Unit: "box", PackSize: 100, WeightGrams: 1500, UnitPrice: &api.Money{Amount: 14_00, Currency: "EUR"}, Available: 40}, got.Variants[0],
			"the company's contract price of one box, and the boxes in stock")
		require.Equal(t, &api.Money{Amount: 18_90, Currency: "EUR"}, got.Variants[1].UnitPrice, "no contract price: the base price")
		require.Zero(t, got.Variants[1].Available)
		require.Equal(t, "Nitrile work gloves", byHandle[gloves.Handle].Variants[0].Name, "a variant's name defaults to the product's")
		require.Nil(t, byHandle[plate.Handle].Variants[0].UnitPrice, "not sold in EUR")
		own := byHandle[plain]
		require.Len(t, own.Variants, 1)
		require.JSONEq(t, `{}`, string(own.Variants[0].Options))
		require.Equal(t, []api.CatalogVariant{{SKU: plain, Name: "Product " + plain, Options: own.Variants[0].Options, Unit: "each", PackSize: 1,
			UnitPrice: &api.Money{Amount: 5_00, Currency: "EUR"}, Available: 3}}, own.Variants)

		detail := buyer.do("GET", "/v1/catalog/products/"+bolt.Handle, nil)
		require.Equal(t, http.StatusOK, detail.Status, string(detail.Body))
		var one api.CatalogProduct
		detail.decode(t, &one)
		require.Equal(t, got, one)
		byID := buyer.do("GET", "/v1/catalog/products/"+bolt.ID.String(), nil)
		require.Equal(t, http.StatusOK, byID.Status, string(byID.Body))
		require.JSONEq(t, string(detail.Body), string(byID.Body))

		// Units reserved by a checkout are no longer available.
		cart := buyer.createCart(sku("GLOVE-M"), 5)
		buyer.placeOrderEventually(cart)
		require.EqualValues(t, 2, catalogPageOne(t, buyer, gloves.Handle).Variants[0].Available)
	})

	t.Run("filters", func(t *testing.T) {
		for query, want := range map[string][]string{
			"attr.material=steel":                          {bolt.Handle, plate.Handle},
			"attr.material=steel&category=fasteners":       {bolt.Handle, plate.Handle},
			"attr.material=steel&attr.zinc_plated=true":    {bolt.Handle},
			"attr.en388=true":                              {gloves.Handle},
			"attr.cut_level=1..3":                          {gloves.Handle, plate.Handle},
			"attr.cut_level=2..":                           {gloves.Handle},
			"attr.cut_level=..2":                           {plate.Handle},
			"attr.cut_level=3":                             {gloves.Handle},
			"attr.cut_level=4..":                           {},
			"attr.diameter_mm=8&attr.cut_level=1..3":       {},
			"category=safety":                              {gloves.Handle},
			"q=" + url.QueryEscape("NITRILE"):              {gloves.Handle},
			"q=" + url.QueryEscape(sku("BOLT-50")):         {bolt.Handle},
			"q=din+933":                                    {bolt.Handle},
			"q=" + url.QueryEscape("100%"):                 {},
			"q=" + tag + "&category=fasteners":             {bolt.Handle, plate.Handle},
			"attr.colour=red":                              {},
			"q=" + url.QueryEscape(strings.ToLower(plain)): {plain},
		} {
			got := handlesOf(catalogPage(t, buyer, query+"&limit=100"))
			require.ElementsMatch(t, want, got, query)
		}
		buyer.do("GET", "/v1/catalog/products?attr.en388=maybe", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "attr.en388")
		buyer.do("GET", "/v1/catalog/products?attr.cut_level=a..b", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "attr.cut_level")
		buyer.do("GET", "/v1/catalog/products?attr.cut_level=1..&attr.diameter_mm=1..", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "attr.diameter_mm")
		buyer.do("GET", "/v1/catalog/products?category=Safety", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "category")
		buyer.do("GET", "/v1/catalog/products?q=+", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "q")
	})

	t.Run("pages by handle", func(t *testing.T) {
		all := handlesOf(catalogPage(t, buyer, "limit=100"))
		require.ElementsMatch(t, []string{bolt.Handle, gloves.Handle, plate.Handle, plain}, all)
		var walked []string
		cursor := ""
		for range 10 {
			page := catalogPage(t, buyer, "limit=1&cursor="+url.QueryEscape(cursor))
			walked = append(walked, handlesOf(page)...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		require.Equal(t, all, walked, "the pages in order, each product once")
		buyer.do("GET", "/v1/catalog/products?cursor=***", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cursor")
	})

	t.Run("replace", func(t *testing.T) {
		body := map[string]any{
			"handle": gloves.Handle, "name": "Nitrile gloves, blue", "category": "safety",
			"options":    []map[string]any{{"name": "Size", "values": []string{"M", "L", "XL"}}},
			"attributes": map[string]any{"material": "nitrile", "cut_level": 3, "en388": true},
			"variants": []map[string]any{
				{"sku": sku("GLOVE-M"), "options": map[string]any{"Size": "M"}, "unit": "pair"},
				{"sku": sku("GLOVE-XL"), "options": map[string]any{"Size": "XL"}, "unit": "pair", "prices": map[string]any{"EUR": 3_10}, "on_hand": 4},
			},
		}
		path := "/v1/admin/catalog/products/" + gloves.ID.String()
		ops.do("PUT", path, body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "variants")
		body["variants"] = append(body["variants"].([]map[string]any), map[string]any{"sku": sku("GLOVE-L"), "options": map[string]any{"Size": "L"}, "unit": "pair"})
		res := ops.do("PUT", path, body)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var stored admin.CatalogProductAdmin
		res.decode(t, &stored)
		require.Len(t, stored.Variants, 3)
		require.Equal(t, map[string]int64{"EUR": 2_90}, stored.Variants[0].Prices, "prices not given are kept")
		require.Equal(t, []string{gloves.Handle}, handlesOf(catalogPage(t, buyer, "q=blue")), "the new name is searched")
		require.Equal(t, []string{gloves.Handle}, handlesOf(catalogPage(t, buyer, "q="+url.QueryEscape(sku("GLOVE-XL")))))
		p := catalogPageOne(t, buyer, gloves.Handle)
		require.Equal(t, sku("GLOVE-XL"), p.Variants[1].SKU, "variants in the order given")
		ops.do("PUT", "/v1/admin/catalog/products/"+uuid.NewString(), body).requireError(t, http.StatusNotFound, "not_found", "")
	})

	t.Run("the flat SKU list stays", func(t *testing.T) {
		res := buyer.do("GET", "/v1/products?limit=100", nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var page api.ProductPage
		res.decode(t, &page)
		skus := map[string]api.Product{}
		for _, p := range page.Products {
			skus[p.SKU] = p
		}
		require.Contains(t, skus, sku("BOLT-30"))
		require.Equal(t, api.Money{Amount: 15_90, Currency: "EUR"}, skus[sku("BOLT-30")].UnitPrice, "the base price, as before")
		require.NotContains(t, skus, sku("PLATE"), "not sold in EUR")
	})
}

// catalogPageOne reads one catalog product as c.
func catalogPageOne(t *testing.T, c buyerClient, handle string) api.CatalogProduct {
	t.Helper()
	res := c.do("GET", "/v1/catalog/products/"+handle, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var p api.CatalogProduct
	res.decode(t, &p)
	return p
}

// TestAccessMatrixAssortments limits a company to an assortment and proves a
// product outside it is, to that company's people, exactly a product that
// does not exist, on every route that names a product: the catalog (list and
// detail), the flat SKU list, adding and changing cart lines, quick order,
// requisition lists, quote requests, the sales rep's revisions of the
// company's quotes, and checkout. A company without an assortment still sees everything; ops
// manage assortments and assign them.
func TestAccessMatrixAssortments(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 2 * time.Second})
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	rep := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "sales_rep").Token}
	limited := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	open := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, limited, "buyer"))
	other := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, open, "buyer"))
	inside := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 1_000)
	outside := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 1_000)
	ghost := "NO-SUCH-" + strings.ToUpper(uuid.NewString()[:6])

	// Before the limit: a cart with a line of the product that will be outside.
	staleCart := buyer.createCart(outside, 1, inside, 1)

	// Ops make the assortment and limit the company to it.
	res := ops.do("POST", "/v1/admin/assortments", map[string]any{"name": uniqueName("Site range "), "products": []string{inside}})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var a admin.Assortment
	res.decode(t, &a)
	require.Equal(t, []string{inside}, a.Products)
	ops.do("POST", "/v1/admin/assortments", map[string]any{"name": uniqueName("x"), "products": []string{ghost}}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "products[0]")
	res = ops.do("PUT", "/v1/admin/companies/"+limited.ID.String()+"/assortment", map[string]any{"assortment_id": a.ID})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	ops.do("PUT", "/v1/admin/companies/"+limited.ID.String()+"/assortment", map[string]any{"assortment_id": uuid.New()}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "assortment_id")
	ops.do("DELETE", "/v1/admin/assortments/"+a.ID.String(), nil).requireError(t, http.StatusConflict, "assortment_in_use", "assortment_id")

	// sameAsUnknown requires the answer for the outside product to be the
	// answer for a SKU that exists nowhere, but for the SKU itself.
	sameAsUnknown := func(t *testing.T, method, path string, body func(sku string) any, status int, code, field string) {
		t.Helper()
		out := buyer.do(method, strings.ReplaceAll(path, "{sku}", outside), body(outside))
		unknown := buyer.do(method, strings.ReplaceAll(path, "{sku}", ghost), body(ghost))
		errOut := out.requireError(t, status, code, field)
		errUnknown := unknown.requireError(t, status, code, field)
		require.Equal(t, strings.ReplaceAll(errUnknown.Message, ghost, outside), errOut.Message)
		require.Equal(t, errUnknown.SKU == ghost, errOut.SKU == outside)
	}
	lineBody := func(sku string) any { return map[string]any{"sku": sku, "quantity": 1} }

	t.Run("catalog list and detail", func(t *testing.T) {
		require.Equal(t, []string{inside}, handlesOf(catalogPage(t, buyer, "limit=100")))
		require.ElementsMatch(t, []string{inside, outside}, handlesOf(catalogPage(t, other, "limit=100")), "a company without an assortment sees everything")
		require.Empty(t, handlesOf(catalogPage(t, buyer, "q="+url.QueryEscape(strings.ToLower(outside)))))
		sameAsUnknown(t, "GET", "/v1/catalog/products/{sku}", func(string) any { return nil }, http.StatusNotFound, "not_found", "")
		id := testenv.ProductIDOfSKU(t, s.Pool, outside)
		buyer.do("GET", "/v1/catalog/products/"+id.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
		catalogPageOne(t, other, outside)
	})

	t.Run("flat SKU list", func(t *testing.T) {
		res := buyer.do("GET", "/v1/products?limit=100", nil)
		var page api.ProductPage
		res.decode(t, &page)
		require.Len(t, page.Products, 1)
		require.Equal(t, inside, page.Products[0].SKU)
	})

	t.Run("cart lines", func(t *testing.T) {
		cart := buyer.createCart()
		sameAsUnknown(t, "POST", cartPath(cart, "lines"), lineBody, http.StatusNotFound, "unknown_sku", "sku")
		// A line added before the limit can no longer be changed, only removed.
		buyer.do("PUT", cartPath(staleCart, "lines", outside), map[string]any{"quantity": 2}).requireError(t, http.StatusNotFound, "unknown_sku", "sku")
		res := buyer.do("PUT", cartPath(staleCart, "lines", inside), map[string]any{"quantity": 2})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		otherCart := other.createCart()
		res = other.do("POST", cartPath(otherCart, "lines"), lineBody(outside))
		require.Equal(t, http.StatusOK, res.Status, "the open company buys it: %s", res.Body)
	})

	t.Run("quick order", func(t *testing.T) {
		cart := buyer.createCart()
		res := buyer.do("POST", cartPath(cart, "lines", "bulk"), map[string]any{"lines": []map[string]any{
			{"sku": inside, "quantity": 1}, {"sku": outside, "quantity": 1}, {"sku": ghost, "quantity": 1}}})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var result api.QuickOrderResult
		res.decode(t, &result)
		require.Equal(t, 1, result.Added)
		require.Equal(t, "added", result.Results[0].Status)
		require.Equal(t, "rejected", result.Results[1].Status)
		require.Equal(t, "unknown_sku", result.Results[1].Error.Code)
		require.Equal(t, result.Results[2].Error.Code, result.Results[1].Error.Code)
		require.Equal(t, strings.ReplaceAll(result.Results[2].Error.Message, ghost, outside), result.Results[1].Error.Message)
	})

	t.Run("quote request", func(t *testing.T) {
		sameAsUnknown(t, "POST", "/v1/quotes", func(sku string) any {
			return map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 1}}}
		}, http.StatusNotFound, "unknown_sku", "sku")
	})

	t.Run("requisition lists", func(t *testing.T) {
		sameAsUnknown(t, "POST", "/v1/requisition-lists", func(sku string) any {
			return map[string]any{"name": uniqueName("list "), "lines": []map[string]any{{"sku": sku, "quantity": 1}}}
		}, http.StatusNotFound, "unknown_sku", "lines[0].sku")
		res := buyer.do("POST", "/v1/requisition-lists", map[string]any{"name": uniqueName("list "),
			"lines": []map[string]any{{"sku": inside, "quantity": 1}}})
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		var list api.RequisitionList
		res.decode(t, &list)
		sameAsUnknown(t, "PUT", "/v1/requisition-lists/"+list.ID.String()+"/lines/{sku}", func(string) any {
			return map[string]any{"quantity": 1}
		}, http.StatusNotFound, "unknown_sku", "sku")
	})

	t.Run("sales rep's revisions of the company's quotes", func(t *testing.T) {
		res := buyer.do("POST", "/v1/quotes", map[string]any{"lines": []map[string]any{{"sku": inside, "quantity": 2}}})
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		var q api.Quote
		res.decode(t, &q)
		salesCall(t, rep, "POST", q.ID, "claim", nil)
		draft := func(sku string) any {
			return map[string]any{"lines": []map[string]any{{"sku": inside, "quantity": 2}, {"sku": sku, "quantity": 1}}, "valid_days": 30}
		}
		for _, action := range []struct{ method, path string }{{"PUT", "draft"}, {"POST", "draft/preview"}} {
			path := "/v1/sales/quotes/" + q.ID.String() + "/" + action.path
			out := rep.do(action.method, path, draft(outside))
			unknown := rep.do(action.method, path, draft(ghost))
			errOut := out.requireError(t, http.StatusNotFound, "unknown_sku", "sku")
			errUnknown := unknown.requireError(t, http.StatusNotFound, "unknown_sku", "sku")
			require.Equal(t, strings.ReplaceAll(errUnknown.Message, ghost, outside), errOut.Message, action.path)
		}
		salesCall(t, rep, "PUT", q.ID, "draft", map[string]any{"lines": []map[string]any{{"sku": inside, "quantity": 2}}, "valid_days": 30})
	})

	t.Run("checkout", func(t *testing.T) {
		if res := buyer.checkout(staleCart); res.Status == http.StatusAccepted {
			buyer.awaitCheckoutStatus(staleCart, "failed") // a machine too busy for the synchronous wait
		} else {
			res.requireError(t, http.StatusNotFound, "unknown_sku", "sku")
		}
		requireCartReopened(t, buyer, s.Pool, staleCart, outside, "unknown_sku")
		// Removing the line the company may not buy, it checks out.
		res := buyer.do("DELETE", cartPath(staleCart, "lines", outside), nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		buyer.placeOrderEventually(staleCart)
	})

	t.Run("lifting the limit", func(t *testing.T) {
		res := ops.do("PUT", "/v1/admin/companies/"+limited.ID.String()+"/assortment", map[string]any{"assortment_id": nil})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		catalogPageOne(t, buyer, outside)
		res = ops.do("DELETE", "/v1/admin/assortments/"+a.ID.String(), nil)
		require.Equal(t, http.StatusNoContent, res.Status, string(res.Body))
		ops.do("GET", "/v1/admin/assortments/"+a.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	})
}
