package erp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
)

// fakeERP is an ERP in memory that keeps its orders by reference and by
// idempotency key, like the contract says, and can misbehave on demand.
type fakeERP struct {
	mu       sync.Mutex
	byRef    map[string]erpapi.Order
	byKey    map[string]erpapi.Order
	requests []erpapi.OrderRequest
	// loseAnswers makes the next creations commit and then fail, as if the
	// answer were lost on the way back.
	loseAnswers int
	// refuse makes every creation a refusal.
	refuse *erpapi.Error
}

func newFakeERP() *fakeERP {
	return &fakeERP{byRef: map[string]erpapi.Order{}, byKey: map[string]erpapi.Order{}}
}

var _ erp.Connector = (*fakeERP)(nil)

func (e *fakeERP) PushOrder(_ context.Context, key string, req erpapi.OrderRequest) (erpapi.Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.refuse != nil {
		return erpapi.Order{}, &erp.RefusedError{Status: 422, Reason: *e.refuse}
	}
	o, seen := e.byKey[key]
	if !seen {
		e.requests = append(e.requests, req)
		o = erpapi.Order{Number: fmt.Sprintf("ERP-%d", len(e.requests)), Reference: req.Reference, Customer: req.Customer,
			Status: erpapi.OrderStatusOpen, Currency: req.Currency, TotalMinor: req.TotalMinor, PlacedAt: req.PlacedAt, Lines: req.Lines}
		e.byKey[key], e.byRef[req.Reference] = o, o
	}
	if e.loseAnswers > 0 {
		e.loseAnswers--
		return erpapi.Order{}, errors.New("erp: POST /v1/orders: read: connection reset by peer")
	}
	return o, nil
}

func (e *fakeERP) OrderByReference(_ context.Context, reference string) (erpapi.Order, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.byRef[reference]
	return o, ok, nil
}

func (e *fakeERP) StockChanges(context.Context, string, int) (erpapi.StockPage, error) {
	return erpapi.StockPage{}, nil
}

func (e *fakeERP) PriceChanges(context.Context, string, int) (erpapi.PricePage, error) {
	return erpapi.PricePage{}, nil
}

func (e *fakeERP) Orders(context.Context, time.Time, time.Time, string, int) (erpapi.OrderPage, error) {
	return erpapi.OrderPage{}, nil
}

func (e *fakeERP) created() []erpapi.OrderRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]erpapi.OrderRequest(nil), e.requests...)
}

// world is a test's database with a placed order, the ERP activities on a
// fake ERP, and a test activity environment that returns errors as a
// workflow sees them.
type world struct {
	*activitytest.Fixture
	erp     *fakeERP
	acts    *erp.Activities
	env     *testsuite.TestActivityEnvironment
	orderID uuid.UUID
	sku     string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := activitytest.New(t, 1_000_000)
	fake := newFakeERP()
	acts := &erp.Activities{Connector: fake, DB: f.Pool}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestActivityEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: activities.Interceptors()})
	env.RegisterActivity(acts)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 2_50, 100)
	_, orderID := f.PlacedOrder(t, map[string]int32{sku: 4})
	return &world{Fixture: f, erp: fake, acts: acts, env: env, orderID: orderID, sku: sku}
}

func (w *world) push(t *testing.T, attempt int) (erp.PushOrderResult, error) {
	t.Helper()
	var out erp.PushOrderResult
	val, err := w.env.ExecuteActivity(w.acts.PushOrder, erp.PushOrderInput{OrderID: w.orderID, Attempt: attempt})
	if err != nil {
		return out, err
	}
	require.NoError(t, val.Get(&out))
	return out, nil
}

func (w *world) recordSync(in erp.RecordSyncInput) error {
	_, err := w.env.ExecuteActivity(w.acts.RecordSync, in)
	return err
}

func (w *world) order(t *testing.T) db.Order {
	t.Helper()
	o, err := w.Q.OrderGet(context.Background(), w.orderID)
	require.NoError(t, err)
	return o
}

func (w *world) sync(t *testing.T) db.ErpSync {
	t.Helper()
	s, err := w.Q.ErpSyncGet(context.Background(), w.orderID)
	require.NoError(t, err)
	return s
}

func (w *world) stuckNotifications(t *testing.T) []db.NotificationOutbox {
	t.Helper()
	var out []db.NotificationOutbox
	for _, n := range w.Notifications(t) {
		if n.Kind == "erp_sync_stuck" {
			out = append(out, n)
		}
	}
	return out
}

// requireNonRetryable checks err is a non-retryable application error of
// errType, as a workflow sees it.
func requireNonRetryable(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr, "want an application error, got %T: %v", err, err)
	require.Equal(t, errType, appErr.Type())
	require.True(t, appErr.NonRetryable(), "%s must not be retried", errType)
	return appErr
}

// A push gives the ERP the order as placed and records the ERP's number on
// the order and in its sync; pushing again creates nothing and records the
// same number.
func TestPushOrderCreatesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.order(t)
	require.Empty(t, o.ErpNumber)

	first, err := w.push(t, 1)
	require.NoError(t, err)
	require.Equal(t, erp.PushOrderResult{ERPNumber: "ERP-1", Created: true}, first)
	require.Equal(t, []erpapi.OrderRequest{{
		Reference: w.orderID.String(), Customer: w.Company.ID.String(), Currency: "EUR", TotalMinor: o.Total,
		PlacedAt: o.PlacedAt.UTC(), Lines: []erpapi.OrderLine{{SKU: w.sku, Quantity: 4, UnitPriceMinor: 2_50}},
	}}, w.erp.created())

	second, err := w.push(t, 2)
	require.NoError(t, err)
	require.Equal(t, erp.PushOrderResult{ERPNumber: "ERP-1", Created: false}, second)
	require.Len(t, w.erp.created(), 1, "the ERP got the order once")

	require.Equal(t, "ERP-1", w.order(t).ErpNumber)
	s := w.sync(t)
	require.Equal(t, erp.SyncSynced, s.Status)
	require.Equal(t, "ERP-1", s.ErpNumber)
	require.EqualValues(t, 2, s.Attempts)
	require.Empty(t, s.LastError)
}

// The ERP commits the order but its answer is lost: the attempt fails
// retryably and records nothing; the retry finds the order by reference,
// creates nothing and records the number the ERP gave it.
func TestPushOrderAnswerLost(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.erp.loseAnswers = 1

	_, err := w.push(t, 1)
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.False(t, appErr.NonRetryable(), "a lost answer must be retried: %v", err)
	require.Empty(t, w.order(t).ErpNumber)
	require.Len(t, w.erp.created(), 1, "the ERP committed it")

	retry, err := w.push(t, 2)
	require.NoError(t, err)
	require.Equal(t, erp.PushOrderResult{ERPNumber: "ERP-1", Created: false}, retry)
	require.Len(t, w.erp.created(), 1, "still once")
	require.Equal(t, "ERP-1", w.order(t).ErpNumber)
	require.Equal(t, erp.SyncSynced, w.sync(t).Status)
}

// The push carries the key derived from the order ID alone, so an ERP whose
// lookup by reference lags still sees every attempt as the same order.
func TestPushOrderIdempotencyKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.push(t, 1)
	require.NoError(t, err)
	w.erp.mu.Lock()
	_, ok := w.erp.byKey[erp.IdempotencyKey(w.orderID)]
	w.erp.mu.Unlock()
	require.True(t, ok, "the push carried orderflow-order-<id>")
	require.Equal(t, "orderflow-order-"+w.orderID.String(), erp.IdempotencyKey(w.orderID))
}

// A refusal is non-retryable, of type ErpRefused, with the ERP's reason in
// its details; nothing is recorded.
func TestPushOrderRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.erp.refuse = &erpapi.Error{Code: "unknown_customer", Field: "customer", Message: "no such customer"}

	_, err := w.push(t, 1)
	appErr := requireNonRetryable(t, err, erp.ErrorTypeRefused)
	var reason erpapi.Error
	require.NoError(t, appErr.Details(&reason))
	require.Equal(t, *w.erp.refuse, reason)
	require.Contains(t, err.Error(), "no such customer")
	require.Empty(t, w.order(t).ErpNumber)
	require.Zero(t, w.Count(t, `SELECT count(*) FROM erp_syncs`))
}

// An order Orderflow does not have cannot be pushed or recorded, ever.
func TestERPActivitiesUnknownOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.orderID = uuid.New()
	_, err := w.push(t, 1)
	requireNonRetryable(t, err, erp.ErrorTypeOrderNotFound)
	require.Empty(t, w.erp.created())

	err = w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncPending})
	requireNonRetryable(t, err, erp.ErrorTypeOrderNotFound)
}

// Turning stuck queues one ops notification, however often stuck is set
// while stuck; stuck again after a retry is a new episode and notifies again.
func TestRecordSyncStuckNotifiesOncePerEpisode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	require.NoError(t, w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncPending, Attempts: 3, LastError: "503"}))
	require.Empty(t, w.stuckNotifications(t))

	stuck := erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncStuck, Attempts: 40, LastError: "erp: 503 Service Unavailable"}
	for range 2 {
		require.NoError(t, w.recordSync(stuck))
	}
	notes := w.stuckNotifications(t)
	require.Len(t, notes, 1)
	require.Equal(t, "ops", notes[0].ToRole)
	require.Contains(t, notes[0].Subject, w.orderID.String())
	require.Contains(t, notes[0].Body, "503 Service Unavailable")
	s := w.sync(t)
	require.Equal(t, erp.SyncStuck, s.Status)
	require.EqualValues(t, 40, s.Attempts)
	require.Equal(t, stuck.LastError, s.LastError)
	require.EqualValues(t, 1, s.StuckEpisodes)

	// Ops retry; the ERP is still down; stuck again.
	require.NoError(t, w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncPending, Attempts: 40}))
	require.NoError(t, w.recordSync(stuck))
	require.Len(t, w.stuckNotifications(t), 2)
	require.EqualValues(t, 2, w.sync(t).StuckEpisodes)
}

// A status outside the Sync* constants is a bug in the caller, not an outage.
func TestRecordSyncInvalidStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: "lost"})
	requireNonRetryable(t, err, erp.ErrorTypeInvalidStatus)
}

// RecordSync keeps the number a push recorded: the workflow recording the
// status after the push does not wipe it.
func TestRecordSyncKeepsERPNumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.push(t, 1)
	require.NoError(t, err)
	require.NoError(t, w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncSynced, Attempts: 1}))
	s := w.sync(t)
	require.Equal(t, erp.SyncSynced, s.Status)
	require.Equal(t, "ERP-1", s.ErpNumber)
}

// The ERP's words are recorded whatever their bytes: a last error with a NUL
// byte, and one far too long, is stored (cleaned, cut on a character) instead
// of failing the step that turns the push stuck.
func TestRecordSyncStoresAnyLastError(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	require.NoError(t, w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncStuck, Attempts: 1,
		LastError: "the ERP refused the order: bad\x00name"}))
	require.Equal(t, "the ERP refused the order: badname", w.sync(t).LastError)

	long := strings.Repeat("é", 5000) // 10,000 bytes
	require.NoError(t, w.recordSync(erp.RecordSyncInput{OrderID: w.orderID, Status: erp.SyncStuck, Attempts: 2, LastError: long}))
	stored := w.sync(t).LastError
	require.LessOrEqual(t, len(stored), 4096)
	require.True(t, utf8.ValidString(stored))
	require.True(t, strings.HasPrefix(long, stored))
}
