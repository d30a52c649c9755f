package e2e_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

func TestOrdersPageNewestFirst(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	c := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
	colleague := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))

	var placed []uuid.UUID // oldest first
	for i := range 5 {
		placed = append(placed, c.placeOrder(c.createCart(sku, i+1)).ID)
	}
	colleague.placeOrder(colleague.createCart(sku, 1)) // not the caller's own

	var seen []uuid.UUID
	cursor, pages := "", 0
	for {
		path := "/v1/orders?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		page := c.listOrders(path)
		pages++
		require.LessOrEqual(t, len(page.Orders), 2)
		for _, o := range page.Orders {
			require.Empty(t, o.Lines, "pages hold orders without lines")
			seen = append(seen, o.ID)
		}
		if page.NextCursor == "" {
			break
		}
		require.Less(t, pages, 5, "paging does not end")
		cursor = page.NextCursor
	}
	slices.Reverse(placed)
	require.Equal(t, placed, seen, "every order once, newest first")
	require.Equal(t, 3, pages)

	all := c.listOrders("/v1/orders")
	require.Len(t, all.Orders, 5, "default page holds them all")
	require.Empty(t, all.NextCursor)

	for _, query := range []string{"limit=0", "limit=101", "limit=-1", "limit=two"} {
		c.do("GET", "/v1/orders?"+query, nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "limit")
	}
	for _, cursor := range []string{"garbage", "!!!", "bm90LWEtY3Vyc29y"} {
		c.do("GET", "/v1/orders?cursor="+url.QueryEscape(cursor), nil).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cursor")
	}
}

func TestProductsPagePricedInCompanyCurrency(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	type product struct{ eur, onHand int64 }
	catalogue := map[string]product{}
	for i := range 5 {
		sku := testenv.NewProduct(t, s.Pool, "EUR", int64(100+i), int64(10+i))
		catalogue[sku] = product{eur: int64(100 + i), onHand: int64(10 + i)}
		if i%2 == 0 { // some are sold in USD too, at another price
			testenv.SetPrice(t, s.Pool, sku, "USD", int64(200+i))
		}
	}
	usdOnly := testenv.NewProduct(t, s.Pool, "USD", 999, 1)
	skus := slices.Sorted(maps.Keys(catalogue))

	// Someone orders 4 of the first: available is on hand and not reserved.
	other := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)))
	other.placeOrder(other.createCart(skus[0], 4))

	eurBuyer := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "EUR", 0)))
	products := eurBuyer.allProducts(2)
	var listed []string
	for _, p := range products {
		listed = append(listed, p.SKU)
		want := catalogue[p.SKU]
		require.Equal(t, eur(want.eur), p.UnitPrice, p.SKU)
		require.Equal(t, "Product "+p.SKU, p.Name)
		if p.SKU == skus[0] {
			want.onHand -= 4
		}
		require.Equal(t, want.onHand, p.Available, p.SKU)
	}
	require.Equal(t, skus, listed, "every EUR-priced product once, by SKU; none sold only in USD")

	usdBuyer := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, testenv.NewCompany(t, s.Pool, "USD", 0)))
	usd := usdBuyer.allProducts(1)
	require.Len(t, usd, 4, "three sold in USD and the USD-only one")
	for _, p := range usd {
		require.Equal(t, "USD", p.UnitPrice.Currency, p.SKU)
		if p.SKU == usdOnly {
			require.Equal(t, int64(999), p.UnitPrice.Amount)
		} else {
			require.Equal(t, catalogue[p.SKU].eur+100, p.UnitPrice.Amount, p.SKU)
		}
	}

	eurBuyer.do("GET", "/v1/products?limit=0", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "limit")
	eurBuyer.do("GET", "/v1/products?limit=101", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "limit")
	eurBuyer.do("GET", "/v1/products?cursor=!!!", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cursor")
}

// listOrders reads one page of the caller's orders.
func (c buyerClient) listOrders(path string) api.OrderPage {
	c.t.Helper()
	res := c.do("GET", path, nil)
	require.Equal(c.t, http.StatusOK, res.Status, string(res.Body))
	var page api.OrderPage
	res.decode(c.t, &page)
	return page
}

// allProducts walks the catalogue with pages of the given size.
func (c buyerClient) allProducts(limit int) []api.Product {
	c.t.Helper()
	var all []api.Product
	cursor := ""
	for range 100 {
		path := "/v1/products?limit=" + strconv.Itoa(limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := c.do("GET", path, nil)
		require.Equal(c.t, http.StatusOK, res.Status, string(res.Body))
		var page api.ProductPage
		res.decode(c.t, &page)
		require.LessOrEqual(c.t, len(page.Products), limit)
		all = append(all, page.Products...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
	c.t.Fatalf("the catalogue does not end")
	return nil
}
