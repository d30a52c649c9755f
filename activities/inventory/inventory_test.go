package inventory_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

func TestReserveInventoryHoldsEveryLineOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 3, skus[1]: 4})
	in := inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[1], Quantity: 4}, {SKU: skus[0], Quantity: 3},
	}}

	require.NoError(t, f.Reserve(t, in))
	require.EqualValues(t, 3, f.Stock(t, skus[0]).Reserved)
	require.EqualValues(t, 4, f.Stock(t, skus[1]).Reserved)
	require.Len(t, f.Reservations(t, cartID), 2)

	// The same attempt again (a retry after a lost answer) holds nothing more.
	require.NoError(t, f.Reserve(t, in))
	require.EqualValues(t, 3, f.Stock(t, skus[0]).Reserved)
	require.EqualValues(t, 4, f.Stock(t, skus[1]).Reserved)
	require.Len(t, f.Reservations(t, cartID), 2)
	require.Equal(t, []string{"stock_reserved"}, f.TimelineKinds(t, cartID))
}

func TestReserveInventoryIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 100, 10)
	testenv.SetStock(t, f.Pool, skus[1], 1)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 2, skus[1]: 2})

	err := f.Reserve(t, inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[0], Quantity: 2}, {SKU: skus[1], Quantity: 2},
	}})
	r := activitytest.RequireRejection(t, err, commerce.CodeInsufficientStock)
	require.Equal(t, skus[1], r.SKU)
	require.Contains(t, r.Message, "only 1 of "+skus[1])

	require.EqualValues(t, 0, f.Stock(t, skus[0]).Reserved, "the first line's units must be given back")
	require.EqualValues(t, 0, f.Stock(t, skus[1]).Reserved)
	require.Empty(t, f.Reservations(t, cartID))
	require.Empty(t, f.Timeline(t, cartID))
}

func TestReleaseInventoryGivesEverythingBackOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 3, skus[1]: 4})
	require.NoError(t, f.Reserve(t, inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[0], Quantity: 3}, {SKU: skus[1], Quantity: 4},
	}}))

	release := inventory.ReleaseInventoryInput{CartID: cartID, Attempt: 1}
	for range 2 {
		require.NoError(t, f.Release(t, release))
		require.EqualValues(t, 0, f.Stock(t, skus[0]).Reserved)
		require.EqualValues(t, 0, f.Stock(t, skus[1]).Reserved)
		require.Empty(t, f.Reservations(t, cartID))
	}
	// Releasing an attempt that never reserved anything does nothing either.
	require.NoError(t, f.Release(t, inventory.ReleaseInventoryInput{CartID: cartID, Attempt: 2}))
	require.Equal(t, []string{"stock_reserved", "stock_released"}, f.TimelineKinds(t, cartID))
}

func TestReserveInventoryConcurrentCheckoutsNeverOversell(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	const carts, onHand = 20, 10
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, onHand)
	ids := make([]uuid.UUID, carts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	}

	// The test activity environment is not safe for concurrent use; the method
	// is called directly, which is what a worker does.
	errs := make([]error, carts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			errs[i] = f.Acts.Inventory.ReserveInventory(context.Background(), inventory.ReserveInventoryInput{
				CartID: id, Attempt: 1, Lines: []commerce.CartLine{{SKU: sku, Quantity: 1}},
			})
		})
	}
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		activitytest.RequireRejection(t, err, commerce.CodeInsufficientStock)
	}
	require.Equal(t, onHand, succeeded)
	s := f.Stock(t, sku)
	require.EqualValues(t, onHand, s.Reserved)
	require.LessOrEqual(t, s.Reserved, s.OnHand)
	require.Equal(t, onHand, f.Count(t, "SELECT count(*) FROM stock_reservations WHERE sku = $1", sku))
}
