package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// erpSyncDeadline bounds the wait for pushes to reach the sandbox. Generous: a
// push that draws several failures in a row backs off 1 s, 2 s, 4 s, 8 s...,
// each ERP call costs the injected latency, and the machine is shared.
const erpSyncDeadline = 3 * time.Minute

// erpWorld is a stack with one company and buyer who place orders that the
// stack pushes to its sandbox ERP.
type erpWorld struct {
	s       *testenv.Stack
	company testenv.Company
	buyer   buyerClient
	sku     string
}

func newERPWorld(t *testing.T) *erpWorld {
	t.Helper()
	return newERPWorldWithPolicy(t, erp.PushPolicy{})
}

// newERPWorldWithPolicy is newERPWorld with workers whose pushes retry as
// policy says (as ERP_RETRY_BUDGET and ERP_RETRY_MAX_INTERVAL set it).
func newERPWorldWithPolicy(t *testing.T, policy erp.PushPolicy) *erpWorld {
	t.Helper()
	// A long synchronous checkout wait: under 8 concurrent checkouts on a
	// shared machine a checkout may take more than the default 5 s, and these
	// tests want every order placed, not answered 202.
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Minute, ERPPushPolicy: policy})
	company := testenv.NewCompany(t, s.Pool, "EUR", 100_000_00)
	return &erpWorld{
		s: s, company: company,
		buyer: newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company)),
		sku:   testenv.NewProduct(t, s.Pool, "EUR", 1000, 1000),
	}
}

// setFaults makes the sandbox ERP fail as told.
func (w *erpWorld) setFaults(t testing.TB, f erpsandbox.Faults) {
	t.Helper()
	require.NoError(t, w.s.ERP.SetFaults(f))
}

// placeOrders places n orders through the API, each from its own cart, with
// up to concurrency checkouts at once, and answers their IDs.
func (w *erpWorld) placeOrders(t *testing.T, n, concurrency int) []uuid.UUID {
	t.Helper()
	carts := make([]uuid.UUID, n)
	for i := range carts {
		carts[i] = w.buyer.createCart(w.sku, 1)
	}
	orders := make([]uuid.UUID, n)
	errs := make([]error, n)
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, cartID := range carts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			res, err := w.buyer.send("POST", cartPath(cartID, "checkout"), nil)
			switch {
			case err != nil:
				errs[i] = err
			case res.Status != http.StatusCreated:
				errs[i] = fmt.Errorf("checkout of cart %s: %d %s", cartID, res.Status, res.Body)
			default:
				var order api.Order
				errs[i] = json.Unmarshal(res.Body, &order)
				orders[i] = order.ID
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return orders
}

// erpSync is an order's erp_syncs row, as far as these tests look at it.
type erpSync struct {
	Status        string
	Attempts      int32
	ERPNumber     string
	StuckEpisodes int32
}

// erpSyncs answers the erp_syncs rows of the orders that have one.
func erpSyncs(t testing.TB, pool *pgxpool.Pool, orders []uuid.UUID) map[uuid.UUID]erpSync {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT order_id, status, attempts, erp_number, stuck_episodes FROM erp_syncs WHERE order_id = ANY($1)`, orders)
	require.NoError(t, err)
	defer rows.Close()
	out := map[uuid.UUID]erpSync{}
	for rows.Next() {
		var id uuid.UUID
		var s erpSync
		require.NoError(t, rows.Scan(&id, &s.Status, &s.Attempts, &s.ERPNumber, &s.StuckEpisodes))
		out[id] = s
	}
	require.NoError(t, rows.Err())
	return out
}

// pollUntil calls done every 250 ms until it answers true, and fails with
// what its last call said (why not yet) when the deadline passes first.
func pollUntil(t testing.TB, deadline time.Duration, done func() (bool, string)) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		ok, why := done()
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("not after %s: %s", deadline, why)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// awaitSynced polls erp_syncs until every order is synced, failing on the
// first stuck one (none of the callers' pushes may turn stuck).
func awaitSynced(t testing.TB, pool *pgxpool.Pool, orders []uuid.UUID, deadline time.Duration) {
	t.Helper()
	pollUntil(t, deadline, func() (bool, string) {
		syncs := erpSyncs(t, pool, orders)
		byStatus := map[string]int{"(no row)": len(orders) - len(syncs)}
		for id, s := range syncs {
			require.NotEqual(t, erp.SyncStuck, s.Status, "order %s turned stuck", id)
			byStatus[s.Status]++
		}
		return byStatus[erp.SyncSynced] == len(orders), fmt.Sprintf("every order synced; erp_syncs: %v", byStatus)
	})
}

// sandboxOrders answers every order in the sandbox ERP, paging through its
// list, and fails on a reference the ERP has twice.
func sandboxOrders(t testing.TB, s *testenv.Stack) map[string]erpapi.Order {
	t.Helper()
	out := map[string]erpapi.Order{}
	cursor := ""
	for {
		page, err := s.ERPStore.ListOrders(context.Background(), erpsandbox.OrderFilter{}, cursor, 7)
		require.NoError(t, err)
		if len(page.Items) == 0 {
			return out
		}
		for _, o := range page.Items {
			prev, twice := out[o.Reference]
			require.False(t, twice, "reference %s is in the ERP twice: %s and %s", o.Reference, prev.Number, o.Number)
			out[o.Reference] = o
		}
		cursor = page.NextCursor
	}
}

// requireERPHasExactly checks the sandbox ERP holds exactly the orders, each
// once, and each order carries the ERP's number (orders.erp_number and
// erp_syncs.erp_number) and its own total.
func requireERPHasExactly(t testing.TB, s *testenv.Stack, company testenv.Company, orders []uuid.UUID) {
	t.Helper()
	inERP := sandboxOrders(t, s)
	require.Len(t, inERP, len(orders), "the ERP has exactly our orders")
	syncs := erpSyncs(t, s.Pool, orders)
	for _, id := range orders {
		o, ok := inERP[erp.Reference(id)]
		require.True(t, ok, "order %s is not in the ERP", id)
		require.NotEmpty(t, o.Number)
		require.Equal(t, company.ID.String(), o.Customer)
		var erpNumber string
		var total int64
		require.NoError(t, s.Pool.QueryRow(context.Background(),
			`SELECT erp_number, total FROM orders WHERE id = $1`, id).Scan(&erpNumber, &total))
		require.Equal(t, o.Number, erpNumber, "orders.erp_number of %s", id)
		require.Equal(t, o.Number, syncs[id].ERPNumber, "erp_syncs.erp_number of %s", id)
		require.Equal(t, total, o.TotalMinor, "the ERP's total of %s", id)
	}
}

// erpStuckNotifications counts the erp_sync_stuck notifications queued about
// the order.
func erpStuckNotifications(t testing.TB, pool *pgxpool.Pool, orderID uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT count(*) FROM notification_outbox WHERE kind = 'erp_sync_stuck' AND dedup_key LIKE $1`,
		"erp-sync-stuck/"+orderID.String()+"/%").Scan(&n))
	return n
}

// awaitVisibleSyncStatus polls Temporal's visibility (eventually consistent)
// until exactly n ERP pushes show ErpSyncStatus=status.
func awaitVisibleSyncStatus(t testing.TB, s *testenv.Stack, status string, n int64) {
	t.Helper()
	query := fmt.Sprintf(`WorkflowType=%q AND ErpSyncStatus=%q`, erpsync.WorkflowName, status)
	pollUntil(t, time.Minute, func() (bool, string) {
		res, err := s.Temporal.CountWorkflow(context.Background(),
			&workflowservice.CountWorkflowExecutionsRequest{Namespace: s.Namespace, Query: query})
		require.NoError(t, err)
		return res.GetCount() == n, fmt.Sprintf("visibility counts %d for %s, want %d", res.GetCount(), query, n)
	})
}

// pushCalls reads the order's push from its Temporal history: the attempts of
// its successful PushOrder activity (each one a full push: look up, create if
// missing) and whether that attempt found the order in the ERP already.
func pushCalls(t testing.TB, s *testenv.Stack, orderID uuid.UUID) (attempts int32, foundInERP bool) {
	t.Helper()
	iter := s.Temporal.GetWorkflowHistory(context.Background(), erpsync.WorkflowID(orderID), "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			attempts = max(attempts, e.GetActivityTaskStartedEventAttributes().GetAttempt())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			var res erp.PushOrderResult
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(
				e.GetActivityTaskCompletedEventAttributes().GetResult(), &res))
			foundInERP = !res.Created
		}
	}
	return attempts, foundInERP
}

func TestERPPushExactlyOnceUnderFaults(t *testing.T) {
	t.Parallel()
	w := newERPWorld(t)
	// 30 % of calls fail, 10 % of creations commit and lose their answer (the
	// retry must find the order by reference, not create it again), every
	// call 500 ms slow.
	w.setFaults(t, erpsandbox.Faults{ErrorRate: 0.3, LoseAnswerRate: 0.1, LatencyMS: 500})

	started := time.Now()
	orders := w.placeOrders(t, 50, 8)
	placed := time.Since(started)

	// The faults stay on to the end. A push is two ERP calls (look up,
	// create), each tried three times at once (the connector's quick
	// retries) before Temporal's backoff takes over, so at these rates most
	// pushes go through on their first attempt and the rest on a later one.
	awaitSynced(t, w.s.Pool, orders, erpSyncDeadline)
	t.Logf("50 orders placed in %s; all synced under faults %s after the first checkout",
		placed.Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
	failedCalls, lostAnswers := w.s.ERP.Injected()
	w.setFaults(t, erpsandbox.Faults{})
	t.Logf("the sandbox failed %d calls and lost %d answers", failedCalls, lostAnswers)
	// The faults were met, not dodged: at 30 % of well over 100 calls, and
	// 10 % of 50 creations, neither count can be 0 but by a fault of the test.
	require.Positive(t, failedCalls, "no call failed: were the faults on?")
	require.Positive(t, lostAnswers, "no answer was lost: were the faults on?")

	requireERPHasExactly(t, w.s, w.company, orders)
	for id, s := range erpSyncs(t, w.s.Pool, orders) {
		require.Equal(t, int32(0), s.StuckEpisodes, "order %s was stuck", id)
	}
	awaitVisibleSyncStatus(t, w.s, erp.SyncSynced, 50)

	// How the faults were absorbed: within a push (quick retries) or by
	// Temporal retrying the push; logged, as the split is chance.
	retried, found := 0, 0
	for _, id := range orders {
		attempts, foundInERP := pushCalls(t, w.s, id)
		if attempts > 1 {
			retried++
		}
		if foundInERP {
			found++
		}
	}
	t.Logf("pushes retried by Temporal: %d of 50; pushes that found the order in the ERP already: %d", retried, found)

	for _, id := range orders[:3] {
		st, err := erpsync.Status(context.Background(), w.s.Temporal, id)
		require.NoError(t, err)
		require.Equal(t, erp.SyncSynced, st.Status)
		require.Equal(t, 1, st.Attempts, "one push, its ERP calls retried within it")
	}
}

func TestERPOutageThenEverySynced(t *testing.T) {
	t.Parallel()
	// Tries at most 10 s apart (ERP_RETRY_MAX_INTERVAL), so the pushes find
	// the ERP back within seconds of the outage's end rather than the minute
	// or two the default doubling would have reached by then.
	w := newERPWorldWithPolicy(t, erp.PushPolicy{MaxInterval: 10 * time.Second})
	outageEnds := time.Now().Add(2 * time.Minute)
	w.setFaults(t, erpsandbox.Faults{OutageUntil: outageEnds})

	orders := w.placeOrders(t, 5, 5) // checkout does not wait for the ERP
	require.True(t, time.Now().Before(outageEnds), "the orders were placed during the outage")
	syncs := erpSyncs(t, w.s.Pool, orders)
	for _, id := range orders {
		require.NotEqual(t, erp.SyncSynced, syncs[id].Status, "order %s synced while the ERP was down", id)
	}
	require.Empty(t, sandboxOrders(t, w.s), "the ERP took nothing during its outage")

	awaitSynced(t, w.s.Pool, orders, 2*time.Minute+erpSyncDeadline)
	require.False(t, time.Now().Before(outageEnds), "synced only after the outage")
	t.Logf("all synced %s after the outage ended", time.Since(outageEnds).Round(time.Millisecond))

	requireERPHasExactly(t, w.s, w.company, orders)
	for id, s := range erpSyncs(t, w.s.Pool, orders) {
		require.Equal(t, int32(0), s.StuckEpisodes, "order %s was stuck", id)
		require.Zero(t, erpStuckNotifications(t, w.s.Pool, id), "ops told order %s was stuck", id)
	}
	awaitVisibleSyncStatus(t, w.s, erp.SyncSynced, 5)
	awaitVisibleSyncStatus(t, w.s, erp.SyncStuck, 0)
}

func TestERPStuckThenOpsRetry(t *testing.T) {
	t.Parallel()
	// Workers whose pushes retry for 3 s (ERP_RETRY_BUDGET) before ops are asked.
	w := newERPWorldWithPolicy(t, erp.PushPolicy{RetryBudget: 3 * time.Second, MaxInterval: time.Second})
	ctx := context.Background()
	w.setFaults(t, erpsandbox.Faults{OutageUntil: time.Now().Add(24 * time.Hour)})
	orderID := w.placeOrders(t, 1, 1)[0]

	var err error
	var st erpsync.State
	pollUntil(t, time.Minute, func() (bool, string) {
		st, err = erpsync.Status(ctx, w.s.Temporal, orderID)
		return err == nil && st.Status == erp.SyncStuck, fmt.Sprintf("the push turned stuck: %+v %v", st, err)
	})
	require.Equal(t, 1, st.Attempts)
	require.Contains(t, st.LastError, "retried for 3s")
	row := erpSyncs(t, w.s.Pool, []uuid.UUID{orderID})[orderID]
	require.Equal(t, erp.SyncStuck, row.Status)
	require.Equal(t, int32(1), row.StuckEpisodes)
	require.Equal(t, 1, erpStuckNotifications(t, w.s.Pool, orderID), "ops are told once")
	var toRole string
	require.NoError(t, w.s.Pool.QueryRow(ctx,
		`SELECT to_role FROM notification_outbox WHERE kind = 'erp_sync_stuck' AND company_id = $1`, w.company.ID).Scan(&toRole))
	require.Equal(t, "ops", toRole)
	require.Empty(t, sandboxOrders(t, w.s), "the ERP has no order")
	awaitVisibleSyncStatus(t, w.s, erp.SyncStuck, 1)

	// Ops see it in the API; a retry while the ERP is still down, or of a
	// push that is not stuck, is theirs to make only when it is stuck.
	ops := buyerClient{t: t, base: w.s.API.URL, token: testenv.NewStaff(t, w.s.Pool, "ops").Token}
	var before api.Order
	ops.do("GET", "/v1/orders/"+orderID.String(), nil).decode(t, &before)
	require.NotNil(t, before.ERPSync)
	require.Equal(t, erp.SyncStuck, before.ERPSync.Status)
	require.Contains(t, before.ERPSync.LastError, "retried for 3s")
	require.Empty(t, before.ERPNumber)

	// The ERP is back; ops retry through the API.
	w.setFaults(t, erpsandbox.Faults{})
	retry := ops.do("POST", "/v1/admin/orders/"+orderID.String()+"/erp-sync/retry", nil)
	require.Equal(t, http.StatusAccepted, retry.Status, "retry: %s", retry.Body)
	resultCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	run := w.s.Temporal.GetWorkflow(ctx, erpsync.WorkflowID(orderID), "")
	// A fresh State: omitempty fields absent from the result would leave the
	// stuck state's values in place.
	var synced erpsync.State
	require.NoError(t, run.Get(resultCtx, &synced))
	require.Equal(t, erp.SyncSynced, synced.Status)
	require.Equal(t, 2, synced.Attempts, "the first push, and the ops retry")
	require.NotEmpty(t, synced.ERPNumber)
	require.Empty(t, synced.LastError)

	requireERPHasExactly(t, w.s, w.company, []uuid.UUID{orderID})
	require.Equal(t, synced.ERPNumber, sandboxOrders(t, w.s)[erp.Reference(orderID)].Number)
	require.Equal(t, 1, erpStuckNotifications(t, w.s.Pool, orderID), "no new notification after the retry")
	awaitVisibleSyncStatus(t, w.s, erp.SyncSynced, 1)
	awaitVisibleSyncStatus(t, w.s, erp.SyncStuck, 0)

	var after api.Order
	ops.do("GET", "/v1/orders/"+orderID.String(), nil).decode(t, &after)
	require.Equal(t, synced.ERPNumber, after.ERPNumber, "the API shows the ERP's number")
	require.Equal(t, erp.SyncSynced, after.ERPSync.Status)
	ops.do("POST", "/v1/admin/orders/"+orderID.String()+"/erp-sync/retry", nil).
		requireError(t, http.StatusConflict, "erp_sync_not_stuck", "")
}
