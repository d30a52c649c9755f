package order_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// An order that hears a lot before its deadlines (the ERP's news, shipments,
// a report sent twice, a payment, deliveries) waits on one timer at a time: a
// wait that an action ends does not leave its timer behind, so no stale
// deadline wakes the order later for nothing. The one timer that fires is a
// deadline the order acts on (the return window closing).
func TestOrderKeepsOneDeadlineTimer(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	timers := workflowtest.WatchTimers(r.env)
	first := shipment("t1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 6})
	rest := shipment("t2", r.start.Add(3*time.Hour), order.Line{SKU: "BOLT", Quantity: 4}, order.Line{SKU: "NUT", Quantity: 4})
	r.update(time.Minute, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusOpen, "SO-T", 0, r.start))
	r.update(2*time.Minute, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusPaid, "PAY-T", 500, r.start))
	r.update(3*time.Minute, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusPaid, "PAY-T", 500, r.start))
	r.update(time.Hour, order.RecordShipmentUpdate, first)
	r.update(2*time.Hour, order.RecordShipmentUpdate, first)
	r.update(3*time.Hour, order.RecordShipmentUpdate, rest)
	r.update(4*time.Hour, order.RecordPaymentUpdate, order.PaymentInput{Actor: ops, Amount: 100, Ref: "bank-1"})
	r.deliverAll(day, first, rest)
	timers.LookAt(time.Minute, 2*time.Minute, 3*time.Minute, time.Hour, 2*time.Hour, 3*time.Hour, 4*time.Hour, day)

	st := r.execute()

	require.Equal(t, commerce.OrderCompleted, st.Status)
	require.False(t, st.SlaBreached)
	c := timers.Counts()
	require.Equal(t, 1, c.MostPending, "never more than one deadline timer pending (started %d, fired %d, cancelled %d)",
		c.Started, c.Fired, c.Cancelled)
	require.Equal(t, 1, c.Fired, "only the return window's timer fires: no stale deadline wakes the order")
	require.Equal(t, 3, c.Started, "one timer per deadline: ship by, deliver by, the return window")
}
