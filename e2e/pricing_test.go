package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// TestPricing checks, through the API, that the cart view and the placed order
// price lines from the right price list and tier, and add shipping and tax as
// docs/api.md says. Every expected figure is worked out by hand below.
func TestPricing(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	// Tax rates are global in the stack's database; the subtests share this one.
	testenv.SetTaxRate(t, s.Pool, "DE", 1900)

	t.Run("price lists, shipping and tax from the cart to the order", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		group := uniqueName("wholesale-")
		testenv.SetCustomerGroup(t, s.Pool, company, group)
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		skuA := testenv.NewProductWith(t, s.Pool, testenv.Product{Prices: map[string]int64{"EUR": 10_00}, OnHand: 100, WeightGrams: 1500})
		skuB := testenv.NewProductWith(t, s.Pool, testenv.Product{Prices: map[string]int64{"EUR": 20_00}, OnHand: 100, WeightGrams: 700})
		skuC := testenv.NewProductWith(t, s.Pool, testenv.Product{Prices: map[string]int64{"EUR": 5_00}, OnHand: 100, WeightGrams: 250})

		contractName, groupName := uniqueName("Contract "), uniqueName("Wholesale ")
		contract := testenv.NewPriceList(t, s.Pool, testenv.PriceList{
			Name: contractName, CompanyID: company.ID, Currency: "EUR",
			Tiers: []testenv.PriceTier{{SKU: skuA, MinQuantity: 1, UnitPrice: 9_00}, {SKU: skuA, MinQuantity: 10, UnitPrice: 8_00}},
		})
		wholesale := testenv.NewPriceList(t, s.Pool, testenv.PriceList{
			Name: groupName, CustomerGroup: group, Currency: "EUR", Priority: 10,
			Tiers: []testenv.PriceTier{
				{SKU: skuA, MinQuantity: 1, UnitPrice: 5_00}, // cheaper, but the company's own list wins
				{SKU: skuB, MinQuantity: 1, UnitPrice: 18_00},
				{SKU: skuB, MinQuantity: 5, UnitPrice: 17_00}, // 3 units do not reach this tier
			},
		})
		// Lists that must not apply: another currency, expired, another group.
		lastWeek, yesterday := time.Now().Add(-7*24*time.Hour), time.Now().Add(-24*time.Hour)
		for _, l := range []testenv.PriceList{
			{Name: "USD contract", CompanyID: company.ID, Currency: "USD", Priority: 99},
			{Name: "Expired contract", CompanyID: company.ID, Currency: "EUR", Priority: 99, ValidFrom: &lastWeek, ValidUntil: &yesterday},
			{Name: "Other group", CustomerGroup: uniqueName("retail-"), Currency: "EUR", Priority: 99},
		} {
			l.Tiers = []testenv.PriceTier{{SKU: skuC, MinQuantity: 1, UnitPrice: 1}}
			testenv.NewPriceList(t, s.Pool, l)
		}
		standard, free, dollars := uniqueName("std-"), uniqueName("free-"), uniqueName("usd-")
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{
			Code: standard, Currency: "EUR", BaseAmount: 5_90, PerKgAmount: 1_20, FreeAbove: int64p(500_00)})
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{
			Code: free, Currency: "EUR", BaseAmount: 9_90, FreeAbove: int64p(144_00)})
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: dollars, Currency: "USD", BaseAmount: 5_00})
		c := newBuyerClient(t, s, buyer)

		res := c.do("GET", "/v1/shipping-methods", nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var methods struct {
			ShippingMethods []api.ShippingMethod `json:"shipping_methods"`
		}
		res.decode(t, &methods)
		offered := map[string]api.ShippingMethod{}
		for _, m := range methods.ShippingMethods {
			offered[m.Code] = m
		}
		require.Contains(t, offered, standard)
		require.Contains(t, offered, free)
		require.NotContains(t, offered, dollars, "only methods in the company's currency are offered")
		require.Equal(t, eur(5_90), offered[standard].BaseAmount)
		require.Equal(t, eur(1_20), offered[standard].PerKgAmount)
		require.Equal(t, &api.Money{Amount: 500_00, Currency: "EUR"}, offered[standard].FreeAbove)

		cartID := c.createCart(skuA, 10, skuB, 3, skuC, 2)
		cart := c.getCart(cartID)
		lines := cartLinesBySKU(t, cart)
		// A: the company's list, tier 10: 8.00 instead of 10.00.
		require.Equal(t, eur(10_00), *lines[skuA].BaseUnitPrice)
		require.Equal(t, eur(8_00), *lines[skuA].UnitPrice)
		require.Equal(t, eur(80_00), *lines[skuA].LineTotal)
		require.Equal(t, &api.PriceSource{PriceListID: contract.String(), PriceListName: contractName, MinQuantity: 10}, lines[skuA].PriceSource)
		// B: the group's list, tier 1: 18.00 instead of 20.00.
		require.Equal(t, eur(20_00), *lines[skuB].BaseUnitPrice)
		require.Equal(t, eur(18_00), *lines[skuB].UnitPrice)
		require.Equal(t, eur(54_00), *lines[skuB].LineTotal)
		require.Equal(t, &api.PriceSource{PriceListID: wholesale.String(), PriceListName: groupName, MinQuantity: 1}, lines[skuB].PriceSource)
		// C: no list applies: the catalogue price.
		require.Equal(t, eur(5_00), *lines[skuC].BaseUnitPrice)
		require.Equal(t, eur(5_00), *lines[skuC].UnitPrice)
		require.Equal(t, eur(10_00), *lines[skuC].LineTotal)
		require.Nil(t, lines[skuC].PriceSource)
		// subtotal = 10×10.00 + 3×20.00 + 2×5.00 = 170.00; discount = 10×2.00 + 3×2.00 = 26.00;
		// net goods = 144.00; no ship-to and no method: no shipping, no tax.
		require.Equal(t, &api.Totals{Subtotal: eur(170_00), Discount: eur(26_00), Shipping: eur(0), Tax: eur(0), Total: eur(144_00)}, cart.Totals)

		shipTo := api.ShipTo{Name: "Acme GmbH", Line1: "Hafenstraße 1", Line2: "Tor 3", City: "Hamburg", PostalCode: "20457", Country: "DE"}
		res = c.setCartDetails(cartID, map[string]any{
			"ship_to": shipTo, "shipping_method": standard, "po_number": " PO-4711 ", "buyer_reference": "Jane, line 3",
		})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.decode(t, &cart)
		require.Equal(t, &shipTo, cart.ShipTo)
		require.Equal(t, standard, cart.ShippingMethod)
		require.Equal(t, "PO-4711", cart.PONumber, "trimmed")
		require.Equal(t, "Jane, line 3", cart.BuyerReference)
		// weight = 10×1500 + 3×700 + 2×250 = 17 600 g: 18 started kg;
		// shipping = 5.90 + 18×1.20 = 27.50 (net 144.00 is below free_above 500.00);
		// tax = (144.00 + 27.50) × 19 % = 32.585 → 32.59, rounded half up once on the order;
		// total = 144.00 + 27.50 + 32.59 = 204.09.
		want := &api.Totals{Subtotal: eur(170_00), Discount: eur(26_00), Shipping: eur(27_50), Tax: eur(32_59),
			Total: eur(204_09), TaxRateBasisPoints: 1900}
		require.Equal(t, want, cart.Totals)
		require.Equal(t, want, c.getCart(cartID).Totals)

		// free_above is reached at net goods = 144.00: free shipping, tax on the goods only
		// (144.00 × 19 % = 27.36). Fields left out keep their value.
		res = c.setCartDetails(cartID, map[string]any{"shipping_method": free})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.decode(t, &cart)
		require.Equal(t, &api.Totals{Subtotal: eur(170_00), Discount: eur(26_00), Shipping: eur(0), Tax: eur(27_36),
			Total: eur(171_36), TaxRateBasisPoints: 1900}, cart.Totals)
		require.Equal(t, &shipTo, cart.ShipTo)
		require.Equal(t, "PO-4711", cart.PONumber)
		res = c.setCartDetails(cartID, map[string]any{"shipping_method": standard})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))

		order := c.placeOrder(cartID)
		require.Equal(t, *want, order.Totals)
		require.Equal(t, &shipTo, order.ShipTo)
		require.Equal(t, standard, order.ShippingMethod)
		require.Equal(t, "PO-4711", order.PONumber)
		require.Equal(t, "Jane, line 3", order.BuyerReference)
		order = c.getOrder(order.ID)
		require.Equal(t, *want, order.Totals)
		require.Equal(t, &shipTo, order.ShipTo)
		require.Equal(t, "PO-4711", order.PONumber)
		require.Equal(t, "Jane, line 3", order.BuyerReference)
		require.Len(t, order.Lines, 3)
		for _, l := range order.Lines {
			inCart := lines[l.SKU]
			require.Equal(t, *inCart.BaseUnitPrice, l.BaseUnitPrice, l.SKU)
			require.Equal(t, *inCart.UnitPrice, l.UnitPrice, l.SKU)
			require.Equal(t, *inCart.LineTotal, l.LineTotal, l.SKU)
			require.Equal(t, inCart.PriceSource, l.PriceSource, l.SKU)
		}
		requirePlacedOnce(t, s.Pool, cartID, 15, 204_09)
		var taxBP int
		var shipCountry string
		require.NoError(t, s.Pool.QueryRow(t.Context(),
			`SELECT tax_rate_bp, ship_to->>'country' FROM orders WHERE cart_id = $1`, cartID).Scan(&taxBP, &shipCountry))
		require.Equal(t, 1900, taxBP)
		require.Equal(t, "DE", shipCountry)
	})

	t.Run("refused ship-to country and shipping method change nothing", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
		standard, dollars := uniqueName("std-"), uniqueName("usd-")
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: standard, Currency: "EUR", BaseAmount: 5_00})
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: dollars, Currency: "USD", BaseAmount: 5_00})
		c := newBuyerClient(t, s, buyer)
		cartID := c.createCart(sku, 2)
		shipTo := map[string]any{"name": "Acme", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}
		res := c.setCartDetails(cartID, map[string]any{"ship_to": shipTo, "shipping_method": standard, "po_number": "PO-1"})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		before := c.getCart(cartID)

		noTax := map[string]any{"name": "Acme KK", "line1": "1-1 Marunouchi", "city": "Tokyo", "country": "JP"}
		c.setCartDetails(cartID, map[string]any{"ship_to": noTax}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "ship_to.country")
		c.setCartDetails(cartID, map[string]any{"ship_to": noTax, "po_number": "PO-2"}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "ship_to.country")
		c.setCartDetails(cartID, map[string]any{"shipping_method": dollars}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "shipping_method")
		c.setCartDetails(cartID, map[string]any{"shipping_method": uniqueName("nope-")}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "shipping_method")

		after := c.getCart(cartID)
		require.Equal(t, before.CartDetails, after.CartDetails, "a refused change writes nothing")
		require.Equal(t, before.Totals, after.Totals)
		// 2 × 10.00 + 5.00 shipping = 25.00; 19 % tax = 4.75.
		require.Equal(t, &api.Totals{Subtotal: eur(20_00), Discount: eur(0), Shipping: eur(5_00), Tax: eur(4_75),
			Total: eur(29_75), TaxRateBasisPoints: 1900}, after.Totals)
	})

	t.Run("a tax-exempt company pays no tax", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.SetTaxExempt(t, s.Pool, company, true)
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
		surcharged := testenv.NewProduct(t, s.Pool, "EUR", 4_00, 100)
		testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: "Small lots", CompanyID: company.ID, Currency: "EUR",
			Tiers: []testenv.PriceTier{{SKU: surcharged, MinQuantity: 1, UnitPrice: 5_00}}})
		standard := uniqueName("std-")
		testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: standard, Currency: "EUR", BaseAmount: 5_00})
		c := newBuyerClient(t, s, buyer)
		cartID := c.createCart(sku, 3, surcharged, 2)
		res := c.setCartDetails(cartID, map[string]any{
			"ship_to":         map[string]any{"name": "Reseller", "line1": "Kai 2", "city": "Bremen", "country": "DE"},
			"shipping_method": standard,
		})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var cart api.Cart
		res.decode(t, &cart)
		// 3 × 10.00 + 2 × 5.00 (a list price above the base price counts at the list
		// price, and is no negative discount) = 40.00, + 5.00 shipping, no tax.
		want := api.Totals{Subtotal: eur(40_00), Discount: eur(0), Shipping: eur(5_00), Tax: eur(0), Total: eur(45_00)}
		require.Equal(t, &want, cart.Totals)
		require.Equal(t, eur(5_00), *cartLinesBySKU(t, cart)[surcharged].UnitPrice)

		order := c.placeOrder(cartID)
		require.Equal(t, want, order.Totals)
		require.Equal(t, want, c.getOrder(order.ID).Totals)
		requirePlacedOnce(t, s.Pool, cartID, 5, 45_00)
	})
}

// cartLinesBySKU indexes a cart's lines by SKU, requiring each to be priced.
func cartLinesBySKU(t testing.TB, cart api.Cart) map[string]api.CartLine {
	t.Helper()
	require.Nil(t, cart.Problem)
	out := map[string]api.CartLine{}
	for _, l := range cart.Lines {
		require.NotNil(t, l.UnitPrice, l.SKU)
		require.NotNil(t, l.BaseUnitPrice, l.SKU)
		require.NotNil(t, l.LineTotal, l.SKU)
		out[l.SKU] = l
	}
	return out
}
