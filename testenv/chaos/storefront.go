package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/webhooks"
)

// requestTimeout is how long a client waits for one answer before it gives
// up and retries: above the API's own deadline for a checkout (its
// CHECKOUT_SYNC_WAIT of 5 s plus 3 s), so a slow answer is not cut short.
const requestTimeout = 15 * time.Second

// The demo principals the storefront acts as: the bench buyer (effectively
// unlimited credit and stock, so checkouts are refused only by faults), the
// sales rep and manager who answer its quotes, and the demo warehouse.
var (
	buyerToken   = demo.BenchBuyer.Token
	repToken     = demo.Staff[0].Token
	managerToken = demo.Staff[1].Token
)

const shipTo = `{"ship_to":{"name":"Chaos Receiving","line1":"Dock 9","city":"Berlin","postal_code":"10115","country":"DE"},` +
	`"shipping_method":"standard","po_number":"CHAOS"}`

// answers counts what the API servers answered, over every attempt.
type answers struct {
	requests, status5xx, status503, connErrors, during, inProgress atomic.Int64
	// temporalDown is set while the Temporal dev server is killed and not
	// yet answering again; a 5xx then counts in during too.
	temporalDown atomic.Bool
}

// storefront drives the API servers as a shop and a warehouse would, and
// records what it was told, to be checked against Postgres at the end.
type storefront struct {
	apis    []string
	http    *http.Client
	answers *answers

	mu        sync.Mutex
	checkouts map[uuid.UUID]*checkoutRecord
	quotes    map[uuid.UUID]*quoteRecord
	shipments map[uuid.UUID]*shipmentRecord
	// toShip are placed orders waiting for the warehouse to ship them.
	toShip []placed
}

// checkoutRecord is what the storefront was told about one cart's checkout.
type checkoutRecord struct {
	// answer is the checkout's final HTTP status (0: none, every attempt
	// failed or the run ended first).
	answer int
	// orderIDs are the orders its answer named (201, or 409 cart_not_open
	// after a try that placed it went unanswered).
	orderIDs map[uuid.UUID]bool
}

// quoteRecord is how far the storefront took one quote.
type quoteRecord struct {
	accepted bool
	step     string // the step it stopped at, when not accepted
}

// shipmentRecord is what became of one whole-order shipment webhook.
type shipmentRecord struct {
	status string // the receipt's: delivered, rejected, unmatched ("" none)
}

// placed is an order to ship: its lines.
type placed struct {
	orderID uuid.UUID
	at      time.Time
	lines   map[string]int
}

func newStorefront(apis []string, a *answers) *storefront {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	return &storefront{apis: apis, answers: a, http: &http.Client{Transport: transport, Timeout: requestTimeout},
		checkouts: map[uuid.UUID]*checkoutRecord{}, quotes: map[uuid.UUID]*quoteRecord{}, shipments: map[uuid.UUID]*shipmentRecord{}}
}

// client runs one storefront client until drive ends: a checkout most of the
// time, else a quote taken to an order, else a shipment of an order placed
// earlier. An operation under way when drive ends goes on, retrying, until
// hard ends.
func (s *storefront) client(drive, hard context.Context, n int) {
	rnd := rand.New(rand.NewPCG(uint64(n), uint64(time.Now().UnixNano())))
	for drive.Err() == nil {
		switch r := rnd.IntN(100); {
		case r < 15:
			s.quote(hard, n, rnd)
		case r < 30 && s.shipOne(hard, n):
		default:
			s.checkout(hard, n, rnd)
		}
	}
}

// reply is one answer of the API.
type reply struct {
	status int
	body   []byte
}

func (r reply) code() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// call sends a request as a real storefront behind a load balancer would:
// to one API server, and again with the same Idempotency-Key, alternating
// servers, after a connection error, a timeout, a 5xx or a 409
// request_in_progress, backing off up to 2 s between tries, until it has an
// answer or ctx ends. sign, when set, adds headers to each try (a webhook's
// fresh signature).
func (s *storefront) call(ctx context.Context, n int, method, path, token, key string, body []byte, sign func(http.Header)) (reply, error) {
	backoff := 200 * time.Millisecond
	for try := 0; ; try++ {
		api := s.apis[(n+try)%len(s.apis)]
		r, err := s.once(ctx, api, method, path, token, key, body, sign)
		s.answers.requests.Add(1)
		retry := false
		switch {
		case err != nil:
			s.answers.connErrors.Add(1)
			retry = true
		case r.status >= 500:
			s.answers.status5xx.Add(1)
			if r.status == http.StatusServiceUnavailable {
				s.answers.status503.Add(1)
			}
			retry = true
		case r.status == http.StatusConflict && r.code() == "request_in_progress":
			s.answers.inProgress.Add(1)
			retry = true
		}
		if err == nil && r.status >= 500 && s.answers.temporalDown.Load() {
			s.answers.during.Add(1)
		}
		if !retry {
			return r, nil
		}
		if ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("%s %s: answered %d %s", method, path, r.status, clip(r.body))
			}
			return r, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff + time.Duration(rand.Int64N(int64(backoff)))):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (s *storefront) once(ctx context.Context, api, method, path, token, key string, body []byte, sign func(http.Header)) (reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, api+path, rd)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if sign != nil {
		sign(req.Header)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, body: b}, nil
}

// checkout builds a cart of one to three bench SKUs with a ship-to and
// checks it out, keyed by the cart, as a storefront's checkout page would.
func (s *storefront) checkout(ctx context.Context, n int, rnd *rand.Rand) {
	r, err := s.call(ctx, n, http.MethodPost, "/v1/carts", buyerToken, "chaos-cart-"+uuid.NewString(), []byte(`{}`), nil)
	var cart struct {
		ID uuid.UUID `json:"id"`
	}
	if err != nil || r.status != http.StatusCreated || json.Unmarshal(r.body, &cart) != nil {
		return
	}
	lines := map[string]int{}
	for _, sku := range demo.BenchSKUs[:1+rnd.IntN(len(demo.BenchSKUs))] {
		qty := 1 + rnd.IntN(5)
		body := fmt.Sprintf(`{"sku":%q,"quantity":%d}`, sku, qty)
		r, err := s.call(ctx, n, http.MethodPost, "/v1/carts/"+cart.ID.String()+"/lines", buyerToken, "chaos-line-"+uuid.NewString(), []byte(body), nil)
		if err != nil || r.status != http.StatusOK {
			return
		}
		lines[sku] = qty
	}
	r, err = s.call(ctx, n, http.MethodPatch, "/v1/carts/"+cart.ID.String(), buyerToken, "chaos-shipto-"+uuid.NewString(), []byte(shipTo), nil)
	if err != nil || r.status != http.StatusOK {
		return
	}
	rec := &checkoutRecord{orderIDs: map[uuid.UUID]bool{}}
	s.mu.Lock()
	s.checkouts[cart.ID] = rec
	s.mu.Unlock()
	r, err = s.call(ctx, n, http.MethodPost, "/v1/carts/"+cart.ID.String()+"/checkout", buyerToken, "chaos-checkout-"+cart.ID.String(), nil, nil)
	if err != nil {
		return
	}
	// A 201 names the order; so does a 409 cart_not_open when a try before
	// placed it and died unanswered (its server killed), and a retry then
	// found the cart an order already.
	var answer struct {
		ID    uuid.UUID `json:"id"`
		Error struct {
			Code    string    `json:"code"`
			OrderID uuid.UUID `json:"order_id"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &answer)
	orderID := answer.ID
	if r.status == http.StatusConflict && answer.Error.Code == "cart_not_open" {
		orderID = answer.Error.OrderID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.answer = r.status
	if (r.status == http.StatusCreated || r.status == http.StatusConflict) && orderID != uuid.Nil {
		rec.orderIDs[orderID] = true
		s.toShip = append(s.toShip, placed{orderID: orderID, at: time.Now(), lines: lines})
	}
}

// quote takes a quote from request to order through the API: the buyer asks,
// the rep claims, drafts 5 % off and sends (the manager approves the discount
// when it needs her), and the buyer accepts revision 1; the order comes from
// the quote's checkout. A step retried after an error may find it was done
// the first time (a 409 for the state it left behind): the storefront reads
// the quote and goes on from where it is.
func (s *storefront) quote(ctx context.Context, n int, rnd *rand.Rand) {
	var lines, draft []string
	for _, sku := range demo.BenchSKUs[:1+rnd.IntN(len(demo.BenchSKUs))] {
		qty := 2 + rnd.IntN(10)
		lines = append(lines, fmt.Sprintf(`{"sku":%q,"quantity":%d}`, sku, qty))
		draft = append(draft, fmt.Sprintf(`{"sku":%q,"quantity":%d,"discount_bp":500}`, sku, qty))
	}
	body := `{"message":"chaos: best price?","lines":[` + strings.Join(lines, ",") + `]}`
	r, err := s.call(ctx, n, http.MethodPost, "/v1/quotes", buyerToken, "chaos-quote-"+uuid.NewString(), []byte(body), nil)
	var q struct {
		ID uuid.UUID `json:"id"`
	}
	if err != nil || r.status != http.StatusCreated || json.Unmarshal(r.body, &q) != nil {
		return
	}
	rec := &quoteRecord{step: "requested"}
	s.mu.Lock()
	s.quotes[q.ID] = rec
	s.mu.Unlock()
	sales := "/v1/sales/quotes/" + q.ID.String()
	steps := []struct {
		name, token, method, path, body string
		// done are the quote's statuses once the step is done.
		done []string
	}{
		{"claim", repToken, http.MethodPost, sales + "/claim", "", nil},
		{"draft", repToken, http.MethodPut, sales + "/draft", `{"valid_days":7,"lines":[` + strings.Join(draft, ",") + `]}`, nil},
		{"send", repToken, http.MethodPost, sales + "/send", "", []string{"awaiting_manager", "offered", "accepted", "ordered"}},
		{"approve-discount", managerToken, http.MethodPost, sales + "/approve-discount", `{"comment":"chaos"}`, []string{"offered", "accepted", "ordered"}},
		{"accept", buyerToken, http.MethodPost, "/v1/quotes/" + q.ID.String() + "/accept", `{"revision":1}`, []string{"accepted", "ordered"}},
	}
	for _, st := range steps {
		if st.name == "approve-discount" && s.quoteStatus(ctx, n, q.ID) != "awaiting_manager" {
			continue
		}
		var b []byte
		if st.body != "" {
			b = []byte(st.body)
		}
		r, err := s.call(ctx, n, st.method, st.path, st.token, "chaos-"+st.name+"-"+q.ID.String(), b, nil)
		ok := err == nil && r.status == http.StatusOK
		if !ok && err == nil && r.status == http.StatusConflict && st.done != nil {
			// Done by a try whose answer was lost?
			status := s.quoteStatus(ctx, n, q.ID)
			for _, d := range st.done {
				ok = ok || status == d
			}
		} else if !ok && err == nil && r.status == http.StatusConflict {
			ok = true // claim and draft: a 409 after a lost answer means done; the next step tells
		}
		if !ok {
			s.mu.Lock()
			rec.step = st.name
			s.mu.Unlock()
			return
		}
	}
	s.mu.Lock()
	rec.accepted = true
	s.mu.Unlock()
}

// quoteStatus reads the quote's status as its rep sees it ("" when unread).
func (s *storefront) quoteStatus(ctx context.Context, n int, id uuid.UUID) string {
	r, err := s.call(ctx, n, http.MethodGet, "/v1/sales/quotes/"+id.String(), repToken, "", nil, nil)
	var q struct {
		Status string `json:"status"`
	}
	if err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &q) != nil {
		return ""
	}
	return q.Status
}

// shipOne ships an order placed a few seconds ago whole, as the demo
// warehouse: a signed shipment.created webhook, sent again with the same
// event ID until it is answered. It tells whether there was one to ship.
func (s *storefront) shipOne(ctx context.Context, n int) bool {
	s.mu.Lock()
	if len(s.toShip) == 0 || time.Since(s.toShip[0].at) < 3*time.Second {
		s.mu.Unlock()
		return false
	}
	o := s.toShip[0]
	s.toShip = s.toShip[1:]
	rec := &shipmentRecord{}
	s.shipments[o.orderID] = rec
	s.mu.Unlock()

	var lines []map[string]any
	for sku, qty := range o.lines {
		lines = append(lines, map[string]any{"sku": sku, "quantity": qty})
	}
	ref := "CHAOS-" + o.orderID.String()
	body, err := json.Marshal(map[string]any{"id": "chaos-ship-" + o.orderID.String(), "type": webhooks.ShipmentCreated,
		"created": time.Now().Unix(), "data": map[string]any{"order_id": o.orderID, "shipment_ref": ref, "lines": lines,
			"carrier": "DHL", "tracking_number": "TRK-" + o.orderID.String()[:8]}})
	if err != nil {
		return true
	}
	sign := func(h http.Header) {
		h.Set(webhooks.SignatureHeader, webhooks.Sign(demo.Warehouse.Secret, time.Now(), body))
	}
	r, err := s.call(ctx, n, http.MethodPost, "/v1/webhooks/"+demo.Warehouse.Name, "", "", body, sign)
	var receipt struct {
		Status string `json:"status"`
	}
	if err != nil || r.status != http.StatusAccepted || json.Unmarshal(r.body, &receipt) != nil {
		return true
	}
	s.mu.Lock()
	rec.status = receipt.Status
	s.mu.Unlock()
	return true
}

func clip(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
