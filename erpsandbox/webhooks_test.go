package erpsandbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/webhooks"
)

const webhookSecret = "whsec_sandbox_test"

// receiver stands in for Orderflow's webhook endpoint: it checks each
// signature and reads each event as Orderflow does, and can refuse first
// attempts.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	events []webhooks.Event
	// failFirst answers 503 to the first attempt at each event ID.
	failFirst bool
	tried     map[string]int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhooks.Verify(r.Header.Get(webhooks.SignatureHeader), body, time.Now(), webhooks.Tolerance, webhookSecret); err != nil {
		rc.t.Errorf("signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	e, err := webhooks.ParseEvent(body)
	if err != nil {
		rc.t.Errorf("event %s: %v", body, err)
		w.WriteHeader(http.StatusUnprocessableEntity)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.tried[e.ID]++
	if rc.failFirst && rc.tried[e.ID] == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.events = append(rc.events, e)
	w.WriteHeader(http.StatusAccepted)
}

func (rc *receiver) received() []webhooks.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhooks.Event(nil), rc.events...)
}

// sendWebhooks runs the sandbox's dispatcher towards a receiver until the test
// ends.
func (s *sandbox) sendWebhooks(rc *receiver) {
	hs := httptest.NewServer(rc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.server.SendWebhooks(ctx, erpsandbox.WebhookTarget{URL: hs.URL, Secret: webhookSecret, Poll: 20 * time.Millisecond})
	}()
	s.t.Cleanup(func() {
		cancel()
		require.NoError(s.t, <-done)
		hs.Close()
	})
}

// allDelivered waits until every event of the outbox is delivered, and
// answers them.
func (s *sandbox) allDelivered(want int) []erpsandbox.OutboxEvent {
	s.t.Helper()
	var out []erpsandbox.OutboxEvent
	require.Eventually(s.t, func() bool {
		var err error
		out, err = s.store.Outbox(context.Background())
		require.NoError(s.t, err)
		for _, e := range out {
			if e.DeliveredAt == nil {
				return false
			}
		}
		return len(out) == want
	}, 20*time.Second, 20*time.Millisecond)
	return out
}

// newsOfOneOrder creates an order, then ships, invoices and pays it in full
// through the admin routes: four events.
func (s *sandbox) newsOfOneOrder(reference string) erpapi.Order {
	s.t.Helper()
	status, body := s.createOrder("key-"+reference, orderRequest(reference, time.Now().UTC()))
	require.Equal(s.t, http.StatusCreated, status, "%s", body)
	o := decodeAs[erpapi.Order](s.t, body)
	for _, path := range []string{"/ship", "/invoice", "/pay"} {
		status, body := s.do(http.MethodPost, "/admin/orders/"+o.Number+path, nil, nil)
		require.Equal(s.t, http.StatusCreated, status, "%s", body)
	}
	return o
}

// Every piece of news is sent signed, with a body Orderflow reads, and
// retried until it is answered 2xx; the order moves to paid.
func TestWebhooksSignedAndRetriedUntilDelivered(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	rc := &receiver{t: t, failFirst: true, tried: map[string]int{}}
	s.sendWebhooks(rc)
	reference := "8b0c6f2e-1111-4a7b-8c9d-0e1f2a3b4c5d"
	o := s.newsOfOneOrder(reference)

	outbox := s.allDelivered(4)
	for _, e := range outbox {
		require.Equal(t, 2, e.Attempts, "%s: refused once, then delivered", e.EventID)
	}
	got := rc.received()
	require.Len(t, got, 4)
	types := []webhooks.EventType{}
	for _, e := range got {
		types = append(types, e.Type)
		require.Equal(t, reference, e.OrderID.UUID.String())
	}
	require.Equal(t, []webhooks.EventType{webhooks.ErpOrderAcknowledged, webhooks.ErpOrderShipped, webhooks.ErpOrderInvoiced,
		webhooks.ErpOrderPaid}, types)
	shipped, err := got[1].ShipmentCreated()
	require.NoError(t, err)
	require.Equal(t, o.Number+"-S1", shipped.ShipmentRef)
	require.Equal(t, []webhooks.ShipmentLine{{SKU: "BOLT-M8", Quantity: 10}}, shipped.Lines, "the whole order by default")
	paid, err := got[3].ErpNews()
	require.NoError(t, err)
	require.Equal(t, o.TotalMinor, paid.Amount)

	status, body := s.do(http.MethodGet, erpapi.OrderByReferencePath+reference, nil, nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, erpapi.OrderStatusPaid, decodeAs[erpapi.Order](t, body).Status)
	dup, reordered := s.server.InjectedWebhookFaults()
	require.Zero(t, dup+reordered)
}

// With the webhook faults on, each event is sent twice, and news made within
// the reorder window is held and sent newest first.
func TestWebhookFaultsDuplicateAndReorder(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	require.NoError(t, s.server.SetFaults(erpsandbox.Faults{DuplicateRate: 1, ReorderWindowMS: 1000}))
	rc := &receiver{t: t, tried: map[string]int{}}
	s.sendWebhooks(rc)
	s.newsOfOneOrder("8b0c6f2e-2222-4a7b-8c9d-0e1f2a3b4c5d")

	s.allDelivered(4)
	require.Eventually(t, func() bool { return len(rc.received()) == 8 }, 10*time.Second, 10*time.Millisecond)
	var types []webhooks.EventType
	for i, e := range rc.received() {
		if i%2 == 1 {
			require.Equal(t, types[len(types)-1], e.Type, "the same event again, at once")
			continue
		}
		types = append(types, e.Type)
	}
	require.Equal(t, []webhooks.EventType{webhooks.ErpOrderPaid, webhooks.ErpOrderInvoiced, webhooks.ErpOrderShipped,
		webhooks.ErpOrderAcknowledged}, types, "held for the window, then newest first")
	dup, reordered := s.server.InjectedWebhookFaults()
	require.EqualValues(t, 4, dup)
	require.EqualValues(t, 3, reordered)
}

// The admin routes refuse what they cannot do, naming the field.
func TestNewsAdminRefusals(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	status, _ := s.do(http.MethodPost, "/admin/orders/SO-999999/ship", nil, nil)
	require.Equal(t, http.StatusNotFound, status)
	status, body := s.createOrder("k", orderRequest("r-1", time.Now().UTC()))
	require.Equal(t, http.StatusCreated, status)
	o := decodeAs[erpapi.Order](t, body)
	status, body = s.do(http.MethodPost, "/admin/orders/"+o.Number+"/pay", map[string]any{"amount_minor": 0}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "amount_minor", decodeAs[erpapi.Error](t, body).Field)
	status, body = s.do(http.MethodPost, "/admin/orders/"+o.Number+"/ship", map[string]any{"lines": []map[string]any{{"sku": "X", "quantity": 0}}}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "lines[0].quantity", decodeAs[erpapi.Error](t, body).Field)
	status, body = s.do(http.MethodPut, "/admin/faults", map[string]any{"duplicate_rate": 2}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "duplicate_rate", decodeAs[erpapi.Error](t, body).Field)
}
