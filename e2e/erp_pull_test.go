package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// pullDeadline bounds the wait for a triggered pull to land: one workflow,
// one or two ERP calls, on a shared machine.
const pullDeadline = time.Minute

// triggerPull asks for a pull now as ops (POST path) and checks the answer
// names the pull's schedule.
func triggerPull(t *testing.T, ops buyerClient, path, scheduleID string) {
	t.Helper()
	res := ops.do("POST", path, nil)
	require.Equal(t, http.StatusAccepted, res.Status, "body: %s", res.Body)
	var body struct {
		ScheduleID string `json:"schedule_id"`
	}
	res.decode(t, &body)
	require.Equal(t, scheduleID, body.ScheduleID)
}

// requirePullSchedule checks the pull's schedule is as the worker start makes
// it: every `every`, overlap policy skip.
func requirePullSchedule(t *testing.T, s *testenv.Stack, scheduleID string, every time.Duration) {
	t.Helper()
	ctx := context.Background()
	desc, err := s.Temporal.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, desc.Schedule.Policy.Overlap)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	require.Equal(t, every, desc.Schedule.Spec.Intervals[0].Every)
}

// An ops trigger pulls the sandbox ERP's stock changes into Orderflow's stock
// through the pull's schedule, which it creates; a second trigger applies only
// what changed since, from the stored cursor.
func TestERPStockPull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	a := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	b := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	c := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	for sku, onHand := range map[string]int64{a: 40, b: 250, c: 0} {
		_, err := s.ERPStore.RecordStockChange(ctx, sku, onHand)
		require.NoError(t, err)
	}

	trigger := func() { triggerPull(t, ops, "/v1/admin/erp/stock-pull", erpsync.StockPullScheduleID) }
	awaitOnHand := func(want map[string]int64) {
		t.Helper()
		require.Eventually(t, func() bool {
			for sku, n := range want {
				st, err := db.New(s.Pool).StockGet(ctx, sku)
				if err != nil || st.OnHand != n {
					return false
				}
			}
			return true
		}, pullDeadline, 100*time.Millisecond, "stock never became %v", want)
	}

	trigger()
	awaitOnHand(map[string]int64{a: 40, b: 250, c: 0})

	// The trigger created the schedule as the worker start would have.
	requirePullSchedule(t, s, erpsync.StockPullScheduleID, erpsync.StockPullEvery)

	// Stock moves in Orderflow meanwhile; the ERP reports one more change.
	testenv.SetStock(t, s.Pool, b, 7)
	_, err := s.ERPStore.RecordStockChange(ctx, a, 55)
	require.NoError(t, err)
	trigger()
	awaitOnHand(map[string]int64{a: 55})
	st, err := db.New(s.Pool).StockGet(ctx, b)
	require.NoError(t, err)
	require.EqualValues(t, 7, st.OnHand, "b's old change was applied once, not again")
}

// An ops trigger pulls the sandbox ERP's price changes into the price lists
// their codes name and into the base prices (code BASE), and the next cart
// and checkout of a company on that list are priced at the new prices; a
// second trigger applies what changed since, from the stored cursor.
func TestERPPricePull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ops := buyerClient{t: t, base: s.API.URL, token: testenv.NewStaff(t, s.Pool, "ops").Token}
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	group := uniqueName("trade-")
	testenv.SetCustomerGroup(t, s.Pool, company, group)
	buyer := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	nut := testenv.NewProduct(t, s.Pool, "EUR", 5_00, 100)
	code, listName := uniqueName("TRADE-"), uniqueName("Trade ")
	list := testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: listName, Code: code, CustomerGroup: group, Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: bolt, MinQuantity: 1, UnitPrice: 9_00}}})
	record := func(list, sku string, unitPrice int64) {
		t.Helper()
		_, err := s.ERPStore.RecordPriceChange(ctx, erpapi.PriceChange{PriceList: list, SKU: sku, Currency: "EUR", UnitPriceMinor: unitPrice})
		require.NoError(t, err)
	}
	// awaitPrices waits until a cart of the bolt and the nut is priced at
	// the unit prices given, and answers it.
	awaitPrices := func(boltPrice, nutPrice int64) uuid.UUID {
		t.Helper()
		cartID := buyer.createCart(bolt, 2, nut, 3)
		require.Eventually(t, func() bool {
			// No require in here: it runs on another goroutine.
			res, err := buyer.send("GET", cartPath(cartID), nil)
			var cart api.Cart
			if err != nil || res.Status != http.StatusOK || json.Unmarshal(res.Body, &cart) != nil {
				return false
			}
			prices := map[string]int64{}
			for _, l := range cart.Lines {
				if l.UnitPrice != nil {
					prices[l.SKU] = l.UnitPrice.Amount
				}
			}
			return prices[bolt] == boltPrice && prices[nut] == nutPrice
		}, pullDeadline, 100*time.Millisecond, "the cart is never priced at %d and %d", boltPrice, nutPrice)
		return cartID
	}

	record(code, bolt, 8_40)
	record(commerce.BasePricesCode, nut, 4_50)
	record("NO-SUCH-LIST", nut, 1) // skipped, not an error
	triggerPull(t, ops, "/v1/admin/erp/price-pull", erpsync.PricePullScheduleID)
	order := buyer.placeOrder(awaitPrices(8_40, 4_50))
	lines := map[string]api.OrderLine{}
	for _, l := range order.Lines {
		lines[l.SKU] = l
	}
	require.Equal(t, eur(8_40), lines[bolt].UnitPrice)
	require.Equal(t, &api.PriceSource{PriceListID: list.String(), PriceListName: listName, MinQuantity: 1}, lines[bolt].PriceSource)
	require.Equal(t, eur(4_50), lines[nut].BaseUnitPrice)
	require.Equal(t, eur(4_50), lines[nut].UnitPrice)
	require.Nil(t, lines[nut].PriceSource)

	// The trigger created the schedule as the worker start would have.
	requirePullSchedule(t, s, erpsync.PricePullScheduleID, erpsync.PricePullEvery)

	// Ops set the nut's base price in Orderflow meanwhile; the ERP changes
	// the bolt's list price once more. The second pull applies that change
	// only: the old changes are behind the cursor.
	testenv.SetPrice(t, s.Pool, nut, "EUR", 4_75)
	record(code, bolt, 8_20)
	triggerPull(t, ops, "/v1/admin/erp/price-pull", erpsync.PricePullScheduleID)
	awaitPrices(8_20, 4_75)
}

// The worker start's EnsureSchedules creates both pull schedules, and calling
// it again (every worker start does) keeps them, a pause set by ops included.
func TestERPPullSchedulesEnsured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	require.NoError(t, erpsync.EnsureSchedules(ctx, s.Temporal))
	requirePullSchedule(t, s, erpsync.StockPullScheduleID, erpsync.StockPullEvery)
	requirePullSchedule(t, s, erpsync.PricePullScheduleID, erpsync.PricePullEvery)

	prices := s.Temporal.ScheduleClient().GetHandle(ctx, erpsync.PricePullScheduleID)
	require.NoError(t, prices.Pause(ctx, client.SchedulePauseOptions{Note: "ops: ERP price lists under maintenance"}))
	require.NoError(t, erpsync.EnsureSchedules(ctx, s.Temporal))
	requirePullSchedule(t, s, erpsync.StockPullScheduleID, erpsync.StockPullEvery)
	requirePullSchedule(t, s, erpsync.PricePullScheduleID, erpsync.PricePullEvery)
	desc, err := prices.Describe(ctx)
	require.NoError(t, err)
	require.True(t, desc.Schedule.State.Paused, "the ops pause is kept")
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok, "action: %T", desc.Schedule.Action)
	require.Equal(t, erpsync.PricePullWorkflowName, action.Workflow)
	require.Equal(t, erpsync.TaskQueue, action.TaskQueue)
}
