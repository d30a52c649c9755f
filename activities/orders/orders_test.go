package orders_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

func TestPlaceOrderWritesOrderOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 150, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 1, skus[1]: 2})
	begun := f.MustBegin(t, cartID)
	in := f.PlaceOrderInput(cartID, begun)

	for range 2 {
		require.NoError(t, f.PlaceOrder(t, in))
	}

	require.Equal(t, 1, f.Count(t, "SELECT count(*) FROM orders"))
	order, err := f.Q.OrderGetByCart(ctx, cartID)
	require.NoError(t, err)
	require.Equal(t, in.OrderID, order.ID)
	require.Equal(t, f.Company.ID, order.CompanyID)
	require.Equal(t, f.Buyer.ID, order.CustomerID)
	require.Equal(t, string(commerce.OrderPlaced), order.Status)
	require.Equal(t, "EUR", order.Currency)
	require.EqualValues(t, 450, order.Subtotal)
	require.EqualValues(t, 450, order.Total)
	require.True(t, in.PlacedAt.Equal(order.PlacedAt))

	lines, err := f.Q.OrderLineListByOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Equal(t, []db.OrderLine{
		{OrderID: order.ID, LineNo: 1, Sku: skus[0], Name: "Product " + skus[0], Quantity: 1, BaseUnitPrice: 150, UnitPrice: 150, LineTotal: 150},
		{OrderID: order.ID, LineNo: 2, Sku: skus[1], Name: "Product " + skus[1], Quantity: 2, BaseUnitPrice: 150, UnitPrice: 150, LineTotal: 300},
	}, lines)

	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartCompleted), cart.Status)
	require.Equal(t, uuid.NullUUID{UUID: order.ID, Valid: true}, cart.OrderID)

	events := f.Timeline(t, cartID)
	require.Len(t, events, 2)
	require.Equal(t, "order_placed", events[1].Kind)
	require.Equal(t, uuid.NullUUID{UUID: order.ID, Valid: true}, events[1].OrderID)
}

func TestPlaceOrderStaleAttemptWritesNothing(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	first := f.MustBegin(t, cartID)
	stale := f.PlaceOrderInput(cartID, first)
	require.NoError(t, f.FailCheckout(t, carts.FailCheckoutInput{
		CartID: cartID, Attempt: first.Attempt, Rejection: *commerce.Reject(commerce.CodeCheckoutAborted, "cancelled"),
	}))

	// The cart was reopened: attempt 1 may no longer place it.
	err := f.PlaceOrder(t, stale)
	require.Error(t, err)
	require.Contains(t, err.Error(), "no longer current")
	require.Equal(t, string(commerce.CartOpen), f.Cart(t, cartID).Status)

	// A later checkout froze it again: attempt 1 still may not.
	second := f.MustBegin(t, cartID)
	require.Equal(t, first.Attempt+1, second.Attempt)
	err = f.PlaceOrder(t, stale)
	require.Error(t, err)
	require.Contains(t, err.Error(), "no longer current")

	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.False(t, cart.OrderID.Valid)
	require.Zero(t, f.Count(t, "SELECT count(*) FROM orders"))
	require.Zero(t, f.Count(t, "SELECT count(*) FROM order_lines"))
	require.NotContains(t, f.TimelineKinds(t, cartID), "order_placed")
}

func TestPlaceOrderCommitsSpend(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 700, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 2})
	begun := f.MustBegin(t, cartID)
	in := f.SpendInput(cartID, begun.Cart.Totals.Total.Amount)
	in.Attempt = begun.Attempt
	_, err := f.ReserveSpend(t, in)
	require.NoError(t, err)

	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(cartID, begun)))
	s, ok := f.Spend(t, cartID, begun.Attempt)
	require.True(t, ok)
	require.Equal(t, "committed", s.Status)
	require.EqualValues(t, 1400, s.Amount)

	// A late compensation cannot give back the spend of a placed order.
	require.NoError(t, f.ReleaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: begun.Attempt}))
	s, _ = f.Spend(t, cartID, begun.Attempt)
	require.Equal(t, "committed", s.Status)
	require.EqualValues(t, 1400, f.HeldSpend(t, f.Buyer.ID))
	require.NotContains(t, f.TimelineKinds(t, cartID), "spend_released")
}

func TestPlaceOrderWritesPricingAndReferences(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	w := f.ShippingAndTaxWorld(t)
	listID := f.AddPriceList(t, "Acme contract 2025", "", nil, nil, w.Heavy,
		commerce.Tier{MinQuantity: 1, UnitPrice: 900}, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
	approver := f.Colleague(t, commerce.RoleApprover)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{w.Heavy: 10, w.Light: 1})
	testenv.SetCartDetails(t, f.Pool, db.CartUpdateDetailsParams{
		ID: cartID, ShipName: "Acme Receiving", ShipLine1: "Dock 4", ShipLine2: "Gate B", ShipCity: "Hamburg",
		ShipPostalCode: "20095", ShipCountry: "DE", ShippingMethod: "parcel", PoNumber: "PO-2025-0042",
		BuyerReference: "cost centre 7"})

	begun := f.MustBegin(t, cartID)
	in := f.PlaceOrderInput(cartID, begun)
	in.ApprovedBy = approver.ID
	require.NoError(t, f.PlaceOrder(t, in))

	// Goods: 10 × 8.00 (list, tier 10) + 0.08 = 80.08, saving 20.00 on the
	// catalogue; 12.5 kg = 13 started kg: 5.00 + 13.00 shipping; 20 % of 98.08
	// = 19.616 → 19.62 tax.
	order, err := f.Q.OrderGetByCart(ctx, cartID)
	require.NoError(t, err)
	require.EqualValues(t, 10008, order.Subtotal)
	require.EqualValues(t, 2000, order.Discount)
	require.EqualValues(t, 1800, order.Shipping)
	require.EqualValues(t, 1962, order.Tax)
	require.EqualValues(t, 2000, order.TaxRateBp)
	require.EqualValues(t, 11770, order.Total)
	require.Equal(t, "parcel", order.ShippingMethod)
	require.Equal(t, "PO-2025-0042", order.PoNumber)
	require.Equal(t, "cost centre 7", order.BuyerReference)
	require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, order.ApprovedBy)
	var shipTo map[string]string
	require.NoError(t, json.Unmarshal(order.ShipTo, &shipTo))
	require.Equal(t, map[string]string{
		"name": "Acme Receiving", "line1": "Dock 4", "line2": "Gate B", "city": "Hamburg",
		"postal_code": "20095", "country": "DE",
	}, shipTo)

	lines, err := f.Q.OrderLineListByOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	bySKU := map[string]db.OrderLine{}
	for _, l := range lines {
		bySKU[l.Sku] = l
	}
	heavy := bySKU[w.Heavy]
	require.EqualValues(t, 10, heavy.Quantity)
	require.EqualValues(t, 1000, heavy.BaseUnitPrice)
	require.EqualValues(t, 800, heavy.UnitPrice)
	require.EqualValues(t, 8000, heavy.LineTotal)
	require.Equal(t, uuid.NullUUID{UUID: listID, Valid: true}, heavy.PriceListID)
	require.Equal(t, "Acme contract 2025", heavy.PriceListName)
	require.EqualValues(t, 10, heavy.TierMinQuantity)
	light := bySKU[w.Light]
	require.EqualValues(t, 8, light.BaseUnitPrice)
	require.EqualValues(t, 8, light.UnitPrice)
	require.False(t, light.PriceListID.Valid, "a catalogue-priced line names no list")
	require.Empty(t, light.PriceListName)
	require.Zero(t, light.TierMinQuantity)
}
