package orders_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// A checkout a sales rep started in the buyer's name (the API names them on
// the cart) is recorded as theirs on the timeline, and the order keeps who
// placed it; the order is the buyer's all the same.
func TestCheckoutOnBehalfNamesWhoActed(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	rep := testenv.NewStaff(t, f.Pool, "sales_rep")
	sku := testenv.NewProduct(t, f.Pool, "EUR", 150, 10)
	cart, err := f.Q.CartCreate(ctx, db.CartCreateParams{ID: uuid.New(), CompanyID: f.Company.ID,
		CustomerID: f.Buyer.ID, Currency: "EUR", BuiltByStaffID: uuid.NullUUID{UUID: rep.ID, Valid: true}})
	require.NoError(t, err)
	_, err = f.Q.CartLineAdd(ctx, db.CartLineAddParams{CartID: cart.ID, Sku: sku, Quantity: 2})
	require.NoError(t, err)
	require.NoError(t, f.Q.CartUpdateCheckoutByStaff(ctx, db.CartUpdateCheckoutByStaffParams{ID: cart.ID,
		StaffID: uuid.NullUUID{UUID: rep.ID, Valid: true}}))

	begun := f.MustBegin(t, cart.ID)
	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(cart.ID, begun)))

	order, err := f.Q.OrderGetByCart(ctx, cart.ID)
	require.NoError(t, err)
	require.Equal(t, f.Buyer.ID, order.CustomerID)
	require.Equal(t, uuid.NullUUID{UUID: rep.ID, Valid: true}, order.PlacedByStaffID)
	events := f.Timeline(t, cart.ID)
	require.Len(t, events, 2)
	require.Equal(t, "checkout_started", events[0].Kind)
	require.Equal(t, "staff:"+rep.ID.String(), events[0].Actor)
	require.Equal(t, "checkout started: 1 lines, total EUR 3.00 (by Staff Sales Rep (sales rep) on behalf of Test Buyer)", events[0].Detail)
	require.Equal(t, "order_placed", events[1].Kind)
	require.Equal(t, "order placed by Staff Sales Rep (sales rep) on behalf of Test Buyer, total EUR 3.00", events[1].Detail)

	// The buyer's own checkout names nobody else.
	own := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun = f.MustBegin(t, own)
	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(own, begun)))
	order, err = f.Q.OrderGetByCart(ctx, own)
	require.NoError(t, err)
	require.False(t, order.PlacedByStaffID.Valid)
	require.Equal(t, "customer:"+f.Buyer.ID.String(), f.Timeline(t, own)[0].Actor)
}
