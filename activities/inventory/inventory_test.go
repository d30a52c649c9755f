package inventory_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
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

// newLocation adds a stock location with units of the SKUs there.
func newLocation(t *testing.T, f *activitytest.Fixture, code string, stock map[string]int64) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	loc, err := f.Q.StockLocationCreate(ctx, db.StockLocationCreateParams{ID: uuid.New(), Code: code, Name: code, Priority: 100})
	require.NoError(t, err)
	for sku, n := range stock {
		_, err := f.Q.StockPutAt(ctx, db.StockPutAtParams{Sku: sku, LocationID: loc.ID, OnHand: n})
		require.NoError(t, err)
	}
	return loc.ID
}

// A line no location can fill alone is split across locations, and releasing
// the attempt gives each location back exactly its units.
func TestReserveInventorySplitsAndReleasesByLocation(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 2) // 2 at the default location
	suffix := strings.ToLower(uuid.NewString()[:8])
	a := newLocation(t, f, "a-"+suffix, map[string]int64{sku: 3})
	b := newLocation(t, f, "b-"+suffix, map[string]int64{sku: 4})
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 8})
	in := inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{{SKU: sku, Quantity: 8}}}

	require.NoError(t, f.Reserve(t, in))
	held := map[uuid.UUID]int64{}
	for _, r := range f.Reservations(t, cartID) {
		held[r.LocationID] = r.Quantity
	}
	// No ship-to: no location is nearer; by priority, then code: "a-…",
	// "b-…", "default". 8 takes a's 3, b's 4 and 1 of default's 2.
	require.Len(t, held, 3)
	require.EqualValues(t, 3, held[a])
	require.EqualValues(t, 4, held[b])
	require.EqualValues(t, 8, f.Stock(t, sku).Reserved)

	require.NoError(t, f.Release(t, inventory.ReleaseInventoryInput{CartID: cartID, Attempt: 1}))
	require.EqualValues(t, 0, f.Stock(t, sku).Reserved)
	require.Zero(t, f.Count(t, "SELECT count(*) FROM stock WHERE sku = $1 AND reserved <> 0", sku))

	// One unit more than all locations hold: nothing is held anywhere.
	cart2 := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 10})
	err := f.Reserve(t, inventory.ReserveInventoryInput{CartID: cart2, Attempt: 1, Lines: []commerce.CartLine{{SKU: sku, Quantity: 10}}})
	r := activitytest.RequireRejection(t, err, commerce.CodeInsufficientStock)
	require.Contains(t, r.Message, "only 9 of "+sku)
	require.Zero(t, f.Count(t, "SELECT count(*) FROM stock WHERE sku = $1 AND reserved <> 0", sku))
}

// Concurrent checkouts of two SKUs, each split across two locations and
// listed in either order, neither deadlock nor oversell: every failure is a
// clean refusal, and each (SKU, location) row's reserved is the sum of its
// reservations.
func TestReserveInventoryConcurrentAcrossLocationsNeverDeadlocks(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 100, 3)
	suffix := strings.ToLower(uuid.NewString()[:8])
	newLocation(t, f, "x-"+suffix, map[string]int64{skus[0]: 4, skus[1]: 4})
	const carts = 20
	ids := make([]uuid.UUID, carts)
	lines := make([][]commerce.CartLine, carts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 2, skus[1]: 2})
		lines[i] = []commerce.CartLine{{SKU: skus[0], Quantity: 2}, {SKU: skus[1], Quantity: 2}}
		if i%2 == 1 {
			lines[i][0], lines[i][1] = lines[i][1], lines[i][0]
		}
	}
	errs := make([]error, carts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			errs[i] = f.Acts.Inventory.ReserveInventory(context.Background(), inventory.ReserveInventoryInput{
				CartID: id, Attempt: 1, Lines: lines[i]})
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
	require.Equal(t, 3, succeeded, "7 units of each SKU hold three carts of 2")
	for _, sku := range skus {
		require.EqualValues(t, 6, f.Stock(t, sku).Reserved)
	}
	require.Zero(t, f.Count(t, `
		SELECT count(*) FROM stock s
		WHERE s.sku = ANY($1) AND s.reserved <> (SELECT COALESCE(sum(quantity), 0) FROM stock_reservations r
		                                         WHERE r.sku = s.sku AND r.location_id = s.location_id)`, skus))
}
