package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// stockPullDeadline bounds the wait for a triggered pull to land: one
// workflow, one or two ERP calls, on a shared machine.
const stockPullDeadline = time.Minute

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

	trigger := func() {
		t.Helper()
		res := ops.do("POST", "/v1/admin/erp/stock-pull", nil)
		require.Equal(t, http.StatusAccepted, res.Status, "body: %s", res.Body)
		var body struct {
			ScheduleID string `json:"schedule_id"`
		}
		res.decode(t, &body)
		require.Equal(t, erpsync.StockPullScheduleID, body.ScheduleID)
	}
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
		}, stockPullDeadline, 100*time.Millisecond, "stock never became %v", want)
	}

	trigger()
	awaitOnHand(map[string]int64{a: 40, b: 250, c: 0})

	// The trigger created the schedule as the worker start would have.
	desc, err := s.Temporal.ScheduleClient().GetHandle(ctx, erpsync.StockPullScheduleID).Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, desc.Schedule.Policy.Overlap)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	require.Equal(t, erpsync.StockPullEvery, desc.Schedule.Spec.Intervals[0].Every)

	// Stock moves in Orderflow meanwhile; the ERP reports one more change.
	testenv.SetStock(t, s.Pool, b, 7)
	_, err = s.ERPStore.RecordStockChange(ctx, a, 55)
	require.NoError(t, err)
	trigger()
	awaitOnHand(map[string]int64{a: 55})
	st, err := db.New(s.Pool).StockGet(ctx, b)
	require.NoError(t, err)
	require.EqualValues(t, 7, st.OnHand, "b's old change was applied once, not again")
}
