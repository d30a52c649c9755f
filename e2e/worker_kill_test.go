package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	deploymentpb "go.temporal.io/api/deployment/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/order"
)

// TestWorkerKilledWhileRecordingShipment kills the worker, a real
// `orderflow worker` process, with SIGKILL in the middle of recording a
// shipment, and starts another: the shipment is recorded once, with its stock
// movement, invoice and capture once, and reporting it again changes nothing.
//
// The test holds a row lock that one statement of the shipment needs, so the
// step waits in Postgres until the test has seen it wait, killed the worker
// and let go. The killed worker's open transaction can then never commit; the
// order workflow's task times out (nothing of the step reached its history)
// and the new worker carries the whole update out again.
func TestWorkerKilledWhileRecordingShipment(t *testing.T) {
	t.Parallel()
	for _, kp := range []killPoint{
		{name: "before_the_shipment_is_written", waits: "ShipmentCreate",
			lock: "SELECT pg_backend_pid() FROM orders WHERE id = $1 FOR UPDATE", // the shipment references its order
			row:  func(o placedOrder) any { return o.id }},
		{name: "after_the_stock_moved_before_the_invoice", waits: "InvoiceCreate",
			lock: "SELECT pg_backend_pid() FROM companies WHERE id = $1 FOR UPDATE", // the invoice references the company
			row:  func(o placedOrder) any { return o.companyID }},
		{name: "after_the_shipment_committed_before_the_capture", waits: "PaymentAdjustmentCreate", shippedAtKill: true,
			lock: "SELECT pg_backend_pid() FROM credit_holds WHERE payment_key = $1 FOR UPDATE", // the capture references the hold
			row:  func(o placedOrder) any { return o.paymentKey }},
	} {
		t.Run(kp.name, func(t *testing.T) {
			t.Parallel()
			killWhileShipping(t, kp)
		})
	}
}

// killPoint is where in recording a shipment the worker is killed: while
// the statement named waits (sqlc's query name) for the row the test locks.
type killPoint struct {
	name  string
	waits string
	lock  string // a SELECT pg_backend_pid() … FOR UPDATE of one row
	row   func(placedOrder) any
	// shippedAtKill is whether the shipment's own transaction has committed
	// when the worker dies (the capture is a step of its own).
	shippedAtKill bool
}

// placedOrder names an order and what its shipment's steps lock.
type placedOrder struct {
	id, companyID uuid.UUID
	paymentKey    string
}

func killWhileShipping(t *testing.T, kp killPoint) {
	s := testenv.NewStack(t, devServer, testenv.StackOptions{ExternalWorkers: true})
	first := startWorkerProcess(t, s, "worker 1")
	first.awaitPolling(t, s)

	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	nut := testenv.NewProduct(t, s.Pool, "EUR", 2_00, 100)
	c := newBuyerClient(t, s, buyer)
	cartID := c.createCart(bolt, 3, nut, 2)
	placed := c.placeOrder(cartID)
	awaitOrderOpen(t, s, placed.ID)
	// The order's ERP push writes the order's row too: it must be over before
	// the test locks that row and names the statement that waits on it.
	awaitPushedToERP(t, s, placed.ID)
	placedBooks := readShipmentBooks(t, s.Pool, placed.ID, cartID, bolt, nut)
	o := placedOrder{id: placed.ID, companyID: company.ID, paymentKey: placedBooks.PaymentKey}

	lock := lockRow(t, s.Pool, kp.lock, kp.row(o))
	shipment := order.ShipmentInput{
		ShipmentID: order.ShipmentIDFor("webhook:wms", "kill-test-1"),
		Lines:      []order.Line{{SKU: bolt, Quantity: 3}, {SKU: nut, Quantity: 1}},
		Carrier:    "DHL", Tracking: "JD0001", ShippedAt: time.Now().UTC(), Source: "webhook:wms/kill-test-1",
	}
	type answer struct {
		state order.State
		err   error
	}
	answered := make(chan answer, 1)
	updateCtx, cancelUpdate := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelUpdate()
	go func() {
		st, err := order.Update(updateCtx, s.Temporal, placed.ID, order.RecordShipmentUpdate, "ship-kill-test-1", shipment)
		answered <- answer{st, err}
	}()

	waiting := lock.awaitBlocked(t)
	require.Contains(t, waiting.query, "-- name: "+kp.waits+" ", "the statement waiting on the test's lock")
	atKill := readShipmentBooks(t, s.Pool, placed.ID, cartID, bolt, nut)
	if kp.shippedAtKill {
		require.Equal(t, 1, atKill.Shipments, "the shipment has committed when the worker dies")
	} else {
		require.Equal(t, placedBooks, atKill, "nothing of the shipment has committed when the worker dies")
	}
	require.Zero(t, atKill.Captures, "nothing is captured when the worker dies")
	first.kill(t)
	killedAt := time.Now()
	lock.release(t)
	awaitBackendGone(t, s.Pool, waiting.pid)
	require.Equal(t, atKill, readShipmentBooks(t, s.Pool, placed.ID, cartID, bolt, nut),
		"the killed worker's open transaction wrote nothing")

	startWorkerProcess(t, s, "worker 2")
	var got answer
	select {
	case got = <-answered:
	case <-time.After(90 * time.Second):
		t.Fatal("the shipment was not recorded within 90s of the worker's restart")
	}
	require.NoError(t, got.err)
	t.Logf("shipment recorded %s after the worker was killed", time.Since(killedAt).Round(time.Millisecond))

	books := readShipmentBooks(t, s.Pool, placed.ID, cartID, bolt, nut)
	require.Equal(t, 1, books.Shipments, "shipments")
	require.Equal(t, map[string]int64{bolt: 3, nut: 1}, books.ShipmentUnits, "units in the shipment")
	require.Equal(t, map[string]int64{bolt: 3, nut: 1}, books.LineShipped, "the order lines' shipped units")
	require.Equal(t, map[string]int64{bolt: 0, nut: 0}, books.LineCancelled, "the order lines' cancelled units")
	require.Equal(t, map[string]int64{bolt: 97, nut: 99}, books.OnHand, "stock on hand goes down once")
	require.Equal(t, map[string]int64{bolt: 0, nut: 1}, books.Reserved, "stock reserved goes down once")
	require.Equal(t, int64(1), books.ReservedForCart, "the order's reservation keeps the unshipped nut")
	require.Equal(t, 1, books.Invoices, "invoices")
	invoiced := books.InvoiceTotal
	require.Positive(t, invoiced)
	require.Less(t, invoiced, placed.Totals.Total.Amount, "a partial shipment invoices part of the order")
	require.Equal(t, invoiced, books.OrderInvoiced, "the order's invoiced amount")
	require.Equal(t, placedBooks.Hold-invoiced, books.Hold, "the credit hold shrinks once, by the invoice")
	require.Equal(t, 1, books.Captures, "capture rows")
	require.Equal(t, invoiced, books.Captured, "captured amount")
	require.Equal(t, string(commerce.OrderPartiallyShipped), books.Status)
	require.Equal(t, string(commerce.FulfilmentPartiallyShipped), books.FulfilmentStatus)
	require.Equal(t, string(commerce.PaymentPartiallyInvoiced), books.PaymentStatus)
	require.Equal(t, 1, books.ShipmentEvents, "shipment events on the timeline")
	require.Equal(t, 1, books.CaptureEvents, "capture events on the timeline")
	require.Equal(t, placedBooks.TimelineEvents+2, books.TimelineEvents, "the timeline gains the shipment and its capture")
	require.Equal(t, 1, got.state.Shipments)
	require.Equal(t, invoiced, got.state.Invoiced)
	require.Equal(t, commerce.OrderPartiallyShipped, got.state.Status)

	// The warehouse reports the same shipment again (a new request, not the
	// same update): the order answers as it is and nothing is written.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	again, err := order.Update(ctx, s.Temporal, placed.ID, order.RecordShipmentUpdate, "ship-kill-test-1-again", shipment)
	require.NoError(t, err)
	require.Equal(t, 1, again.Shipments)
	require.Equal(t, invoiced, again.Invoiced)
	require.Equal(t, books, readShipmentBooks(t, s.Pool, placed.ID, cartID, bolt, nut), "the shipment reported again")
}

// shipmentBooks is everything recording a shipment writes for one order (two
// SKUs of it), read from Postgres, so a lost or doubled effect shows.
type shipmentBooks struct {
	Status, FulfilmentStatus, PaymentStatus string
	// OrderInvoiced is the order's invoiced amount.
	OrderInvoiced              int64
	LineShipped, LineCancelled map[string]int64
	Shipments                  int
	ShipmentUnits              map[string]int64
	Invoices                   int
	InvoiceTotal               int64
	OnHand, Reserved           map[string]int64
	ReservedForCart            int64
	// PaymentKey names the order's authorized credit hold, Hold is its amount,
	// Captures and Captured are its capture rows and their sum.
	PaymentKey                                    string
	Hold                                          int64
	Captures                                      int
	Captured                                      int64
	ShipmentEvents, CaptureEvents, TimelineEvents int
}

func readShipmentBooks(t testing.TB, pool *pgxpool.Pool, orderID, cartID uuid.UUID, skus ...string) shipmentBooks {
	t.Helper()
	ctx := context.Background()
	b := shipmentBooks{LineShipped: map[string]int64{}, LineCancelled: map[string]int64{}, ShipmentUnits: map[string]int64{},
		OnHand: map[string]int64{}, Reserved: map[string]int64{}}
	require.NoError(t, pool.QueryRow(ctx, `SELECT status, fulfilment_status, payment_status, invoiced_amount
		FROM orders WHERE id = $1`, orderID).Scan(&b.Status, &b.FulfilmentStatus, &b.PaymentStatus, &b.OrderInvoiced))
	for _, sku := range skus {
		var shipped, cancelled, units, onHand, reserved int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT
			(SELECT shipped FROM order_lines WHERE order_id = $1 AND sku = $2),
			(SELECT cancelled FROM order_lines WHERE order_id = $1 AND sku = $2),
			(SELECT COALESCE(sum(l.quantity), 0) FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id
				WHERE s.order_id = $1 AND l.sku = $2),
			(SELECT sum(on_hand)::bigint FROM stock WHERE sku = $2),
			(SELECT sum(reserved)::bigint FROM stock WHERE sku = $2)`, orderID, sku).
			Scan(&shipped, &cancelled, &units, &onHand, &reserved))
		b.LineShipped[sku], b.LineCancelled[sku], b.OnHand[sku], b.Reserved[sku] = shipped, cancelled, onHand, reserved
		if units > 0 {
			b.ShipmentUnits[sku] = units
		}
	}
	b.Shipments = countRows(t, pool, "SELECT count(*) FROM shipments WHERE order_id = $1", orderID)
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*), COALESCE(sum(amount), 0) FROM invoices WHERE order_id = $1", orderID).
		Scan(&b.Invoices, &b.InvoiceTotal))
	b.ReservedForCart = reservedForCart(t, pool, cartID)
	holds := authorizedHolds(t, pool, cartID)
	require.Len(t, holds, 1, "authorized holds of the order")
	b.PaymentKey, b.Hold = holds[0].PaymentKey, holds[0].Amount
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), COALESCE(sum(amount), 0) FROM payment_adjustments
		WHERE payment_key = $1 AND kind = 'capture'`, holds[0].PaymentKey).Scan(&b.Captures, &b.Captured))
	b.ShipmentEvents = countRows(t, pool, "SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'shipment_recorded'", orderID)
	b.CaptureEvents = countRows(t, pool, "SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'payment_captured'", orderID)
	b.TimelineEvents = countRows(t, pool, "SELECT count(*) FROM timeline_events WHERE cart_id = $1", cartID)
	return b
}

// awaitOrderOpen waits until the order's workflow has read its order: before
// that it refuses every update.
func awaitOrderOpen(t testing.TB, s *testenv.Stack, orderID uuid.UUID) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := s.Temporal.QueryWorkflow(context.Background(), order.WorkflowID(orderID), "", order.StateQuery)
		require.NoError(c, err)
		var st order.State
		require.NoError(c, v.Get(&st))
		require.Equal(c, orderID, st.OrderID)
	}, 30*time.Second, 100*time.Millisecond, "the order's workflow opens the order")
}

// rowLock is a transaction of the test's that holds a row lock.
type rowLock struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
	pid  uint32 // its Postgres backend
}

// lockRow runs query, a SELECT pg_backend_pid() … FOR UPDATE of one row, in a
// transaction that holds the row's lock until release, or the test's end.
func lockRow(t testing.TB, pool *pgxpool.Pool, query string, args ...any) *rowLock {
	t.Helper()
	tx, err := pool.Begin(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) }) // nothing to do once released
	l := &rowLock{pool: pool, tx: tx}
	require.NoError(t, tx.QueryRow(context.Background(), query, args...).Scan(&l.pid))
	return l
}

// blockedBackend is a Postgres backend waiting for a lock.
type blockedBackend struct {
	pid   uint32
	query string
}

// awaitBlocked waits until another backend waits for the lock, and names it.
func (l *rowLock) awaitBlocked(t testing.TB) blockedBackend {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var b blockedBackend
		err := l.pool.QueryRow(context.Background(), `SELECT pid, query FROM pg_stat_activity
			WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1`, l.pid).Scan(&b.pid, &b.query)
		if err == nil {
			return b
		}
		require.ErrorIs(t, err, pgx.ErrNoRows)
		if time.Now().After(deadline) {
			t.Fatal("nothing waited for the test's lock within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// release rolls the lock's transaction back.
func (l *rowLock) release(t testing.TB) {
	t.Helper()
	require.NoError(t, l.tx.Rollback(context.Background()))
}

// awaitBackendGone waits until a Postgres backend has ended: a killed client's
// backend ends, rolling its transaction back, once it next talks to it.
func awaitBackendGone(t testing.TB, pool *pgxpool.Pool, pid uint32) {
	t.Helper()
	require.Eventually(t, func() bool {
		return countRows(t, pool, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid) == 0
	}, 30*time.Second, 50*time.Millisecond, "the killed worker's Postgres backend %d ends", pid)
}

// workerProcess is `orderflow worker` running as a process of its own, on a
// stack's database and Temporal namespace.
type workerProcess struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been waited for
	// output is everything the process wrote (JSON log lines).
	output *capturedLog
}

// startWorkerProcess starts `orderflow worker` for the stack (its log, JSON
// lines at warn level unless env says otherwise, goes to the test's log and
// to output) and kills it at the test's end, whatever happens. Its HTTP
// listener takes a free port (httpURL). env adds or overrides variables
// ("LOG_LEVEL=info").
func startWorkerProcess(t testing.TB, s *testenv.Stack, name string, env ...string) *workerProcess {
	t.Helper()
	cmd := exec.Command(testenv.OrderflowBinary(t), "worker")
	// The developer's own Temporal settings (TLS, API key) must not leak in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TEMPORAL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "ERP_URL="+s.ERPURL, "ERP_TOKEN="+testenv.ERPToken, "DATABASE_URL="+s.DatabaseURL, "TEMPORAL_ADDRESS="+s.TemporalAddress,
		"TEMPORAL_NAMESPACE="+s.Namespace, "LOG_LEVEL=warn", "LOG_FORMAT=json", "WORKER_HTTP_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...) // the last of a name wins
	out, captured := processLog{t: t, name: name}, &capturedLog{}
	cmd.Stdout = io.MultiWriter(out, captured)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = killedWithParent()
	require.NoError(t, cmd.Start(), "start %s", name)
	w := &workerProcess{name: name, cmd: cmd, exited: make(chan struct{}), output: captured}
	go func() {
		err := cmd.Wait()
		out.Write([]byte(fmt.Sprintf("exited: %v", err))) //nolint:errcheck // the test's log
		close(w.exited)
	}()
	t.Cleanup(func() { w.kill(t) })
	t.Logf("%s: pid %d", name, cmd.Process.Pid)
	return w
}

// kill kills the worker with SIGKILL, as a crash or an OOM kill would: no
// graceful stop, no workflow task completed on the way out.
func (w *workerProcess) kill(t testing.TB) {
	t.Helper()
	select {
	case <-w.exited:
		return
	default:
	}
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill %s: %v", w.name, err)
	}
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not exit within 10s of SIGKILL", w.name)
	}
}

// httpURL is the base URL of the worker's HTTP listener (/metrics, /healthz,
// /readyz), read from its "worker HTTP listening" log line: the worker must
// log at info level.
func (w *workerProcess) httpURL(t testing.TB) string {
	t.Helper()
	var url string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, l := range w.output.jsonLines() {
			if l["msg"] == "worker HTTP listening" {
				url, _ = l["addr"].(string)
			}
		}
		require.NotEmpty(c, url, "%s logs its HTTP address", w.name)
	}, 60*time.Second, 50*time.Millisecond)
	return url
}

// awaitPolling waits until the worker polls the checkout's and the order's
// task queues and, under worker versioning, until its build is the
// deployment's current version, which new workflows start on. Its pollers are
// told apart from those of workers before it by the SDK's default identity,
// "<pid>@<host>@".
func (w *workerProcess) awaitPolling(t testing.TB, s *testenv.Stack) {
	t.Helper()
	identity := fmt.Sprintf("%d@", w.cmd.Process.Pid)
	var version *deploymentpb.WorkerDeploymentOptions
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, queue := range []string{checkout.TaskQueue, order.TaskQueue} {
			res, err := s.Temporal.DescribeTaskQueue(context.Background(), queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
			require.NoError(c, err)
			polling := false
			for _, p := range res.GetPollers() {
				if strings.HasPrefix(p.GetIdentity(), identity) {
					polling, version = true, p.GetDeploymentOptions()
				}
			}
			require.True(c, polling, "%s polls %s", w.name, queue)
		}
	}, 60*time.Second, 100*time.Millisecond)
	if version.GetDeploymentName() == "" {
		t.Logf("%s polls unversioned", w.name)
		return
	}
	t.Logf("%s polls as version %s:%s", w.name, version.GetDeploymentName(), version.GetBuildId())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d, err := s.Temporal.WorkerDeploymentClient().GetHandle(version.GetDeploymentName()).
			Describe(context.Background(), client.WorkerDeploymentDescribeOptions{})
		require.NoError(c, err)
		current := d.Info.RoutingConfig.CurrentVersion
		require.NotNil(c, current, "%s's deployment has a current version", w.name)
		require.Equal(c, version.GetBuildId(), current.BuildID, "%s's build is current", w.name)
	}, 2*time.Minute, 200*time.Millisecond)
}

// processLog writes a process's output into the test's log.
type processLog struct {
	t    testing.TB
	name string
}

func (l processLog) Write(p []byte) (int, error) {
	l.t.Logf("%s: %s", l.name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// awaitPushedToERP waits until the order's ERP push has recorded it synced.
func awaitPushedToERP(t *testing.T, s *testenv.Stack, orderID uuid.UUID) {
	t.Helper()
	awaitSynced(t, s.Pool, []uuid.UUID{orderID}, time.Minute)
}
