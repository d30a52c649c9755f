package api_test

import (
	"bytes"
	"context"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/testenv/textcheck"
	"github.com/orderflow/orderflow/webhooks"
)

// FuzzRoutes sends fuzzed requests through the whole API: every route the
// server mounts (admin's too), the real middleware (auth, roles, deadline,
// input hygiene, idempotency), the real decoders and validators and the real
// handlers on a real Postgres database with a company, its people, a cart
// and products. Only Temporal is stood in for, at the client interface:
// every call to it answers Unavailable (503) and is checked for what the
// validators must have kept out, text Postgres cannot store. No input may
// answer a 5xx but that 503, nor panic. Webhooks are signed with the
// integration's secret when the fuzzer says so, so their bodies are decoded
// too.
func FuzzRoutes(f *testing.F) {
	w := newFuzzWorld(f)
	bodies := []string{
		``, `{}`, `{"comment":"ok"}}`, `{"comment":"A\u0000B"}`, "{\"comment\":\"A\xffB\"}", `[]`, `null`, `"x"`,
		`{"lines":[{"sku":"$SKU","quantity":1}],"message":"best price?"}`, `{"sku":"$SKU","quantity":9223372036854775807}`,
		`{"source_cart_id":"$CART","message":"m"}`, `{"assignee_id":"$REP"}`, `{"sku":"$SKU","quantity":3}`,
		`{"quantity":-1,"currency":"EUR","name":"n","role":"buyer","email":"a@b.c"}`,
		`{"revision":1,"reason":"r","message":"m","valid_days":14,"lines":[{"sku":"$SKU","quantity":2,"discount_bp":100}]}`,
		`{"ship_to":{"name":"Ann","line1":"1 Road","city":"Paris","postal_code":"75001","country":"FR"},"po_number":"PO-1"}`,
		`{"id":"evt_1","type":"shipment.created","created":1700000000,"data":{"order_id":"00000000-0000-0000-0000-000000000000","lines":[{"sku":"FUZZ-1","quantity":1}]}}`,
	}
	for i, r := range w.routes {
		for j, b := range bodies {
			if (i+j)%2 == 0 { // half the pairs: every route and body, not every pair
				f.Add(r, roleFor(r, j), []byte(b), "", "", j%2 == 0)
			}
		}
	}
	f.Add("POST /v1/carts/:cart_id/lines/bulk", uint8(0), []byte("sku,quantity\nFUZZ-1,1\nFUZZ-2,x\n"), "text/csv", "", false)
	f.Add("POST /v1/carts/:cart_id/lines/bulk", uint8(0), []byte("\"FUZZ-1\",\"1\"\n\"A\x00\",2"), "text/csv", "", false)
	f.Add("GET /v1/orders", uint8(0), []byte(nil), "limit=0&cursor=%00", "", false)
	f.Add("GET /v1/admin/orders", uint8(3), []byte(nil), "limit=100&cursor=MjAyNi0wMS0wMVQwMDowMDowMFp8eA&erp_sync=stuck", "", false)
	// Every filter a list reads, on every GET route (a route ignores what it does not read).
	filters := []string{"status=placed&company_id=00000000-0000-0000-0000-000000000000", "late=true&fulfilment_status=unfulfilled",
		"kind=price&integration=fuzz-warehouse&status=", "expiring_within_days=99999999999999999999", "assignee=me&status=offered",
		"erp_sync=stuck&limit=1", "late=maybe&company_id=x", "status=%FF", "status=a&status=b&limit=2&limit=3"}
	for i, r := range w.routes {
		if strings.HasPrefix(r, "GET ") {
			f.Add(r, uint8(i), []byte(nil), filters[i%len(filters)], "", false)
		}
	}
	f.Add("PUT /v1/carts/:cart_id/lines/:sku", uint8(0), []byte(`{"quantity":2}`), "", "FUZZ-1", false)
	f.Add("PUT /v1/carts/:cart_id/lines/:sku", uint8(0), []byte(`{"quantity":2}`), "", "\xff", false)

	f.Fuzz(func(t *testing.T, route string, who uint8, body []byte, query, param string, sign bool) {
		method, path := w.pick(route)
		path = w.fill(path, param)
		body = w.placeholders.Replace(body)
		target := path
		if query != "" {
			target += "?" + query
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Skip("not a request line a client could send")
		}
		req := httptest.NewRequest(method, "http://orderflow.test/", bytes.NewReader(body))
		req.URL, req.RequestURI = u, u.RequestURI()
		switch {
		case bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) || bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")):
			req.Header.Set("Content-Type", "application/json")
		case len(body) > 0 && who%2 == 1:
			req.Header.Set("Content-Type", "text/csv")
		}
		req.Header.Set("Authorization", "Bearer "+w.tokens[int(who)%len(w.tokens)])
		if who >= 128 {
			req.Header.Set("Idempotency-Key", "fuzz-"+string(rune('a'+who%26)))
		}
		if sign {
			req.Header.Set(webhooks.SignatureHeader, webhooks.Sign(w.integration.Secret, time.Now(), body))
		}
		rec := httptest.NewRecorder()
		before := w.temporal.calls.Load()
		w.handler.ServeHTTP(rec, req)
		reached := w.temporal.calls.Load() > before
		if bad := w.temporal.badText.Load(); bad != nil {
			t.Fatalf("%s %s: text Postgres cannot store reached Temporal: %q", method, target, *bad)
		}
		if rec.Code >= 500 && !(rec.Code == http.StatusServiceUnavailable && reached) {
			t.Fatalf("%s %s (%d-byte body %q): %d %s", method, target, len(body), truncate(body), rec.Code, rec.Body)
		}
	})
}

// roleFor is the index in fuzzWorld.tokens of a principal the route lets in
// (the fuzzer tries the others): ops for admin routes, sales staff for the
// sales desk's, an approver for approvals, else the buyer (or ops, who read
// across companies).
func roleFor(route string, n int) uint8 {
	_, path, _ := strings.Cut(route, " ")
	switch {
	case strings.HasPrefix(path, "/v1/admin"):
		return 3
	case strings.HasPrefix(path, "/v1/sales"):
		return uint8(4 + n%2)
	case strings.HasPrefix(path, "/v1/approvals"):
		return uint8(1 + n%2)
	case strings.HasPrefix(route, "GET") && n%3 == 0:
		return 3
	}
	return 0
}

// fuzzWorld is the API on a database of its own, with a principal of every
// role and the IDs a route's path needs.
type fuzzWorld struct {
	handler     http.Handler
	temporal    *unavailableTemporal
	routes      []string // "METHOD /path/:param"
	tokens      []string
	ids         map[string]string // path parameter → an ID that exists
	integration testenv.Integration
	// placeholders put the fixtures' IDs into bodies: $SKU, $CART, $BUYER, $REP.
	placeholders *bytesReplacer
}

// bytesReplacer is strings.Replacer for bytes.
type bytesReplacer struct{ r *strings.Replacer }

func (b *bytesReplacer) Replace(in []byte) []byte {
	if !bytes.Contains(in, []byte("$")) {
		return in
	}
	return []byte(b.r.Replace(string(in)))
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	pool, _ := testenv.NewDatabase(f)
	company := testenv.NewCompany(f, pool, "EUR", 1_000_000_00)
	buyer := testenv.NewBuyer(f, pool, company)
	approver := testenv.NewEmployee(f, pool, company, "approver")
	companyAdmin := testenv.NewEmployee(f, pool, company, "company_admin")
	ops := testenv.NewStaff(f, pool, "ops")
	rep := testenv.NewStaff(f, pool, "sales_rep")
	manager := testenv.NewStaff(f, pool, "sales_manager")
	testenv.SetAccountRep(f, pool, company, rep.ID)
	sku := testenv.NewProduct(f, pool, "EUR", 10_00, 1000)
	cart := testenv.NewCart(f, pool, buyer, "EUR", map[string]int32{sku: 2})
	integration := testenv.NewIntegration(f, pool, "fuzz-warehouse")
	box, err := webhooks.NewSecretBox(config.DevWebhookKey())
	if err != nil {
		f.Fatal(err)
	}
	tc := &unavailableTemporal{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Every request logs its 503; millions of them say nothing.
	was := slog.Default()
	slog.SetDefault(log)
	f.Cleanup(func() { slog.SetDefault(was) })
	srv := api.NewServer(pool, tc, log, api.Options{CheckoutSyncWait: time.Second, WebhookSecrets: box, WebhookDeliverer: tc})
	h := srv.Handler(admin.Routes)
	w := &fuzzWorld{
		handler: h, temporal: tc, integration: integration,
		tokens: []string{buyer.Token, approver.Token, companyAdmin.Token, ops.Token, rep.Token, manager.Token},
		ids: map[string]string{
			"cart_id": cart.String(), "company_id": company.ID.String(), "customer_id": buyer.ID.String(),
			"staff_id": rep.ID.String(), "sku": sku, "integration": integration.Name,
		},
	}
	w.placeholders = &bytesReplacer{strings.NewReplacer("$SKU", sku, "$CART", cart.String(), "$BUYER", buyer.ID.String(), "$REP", rep.ID.String())}
	for _, r := range h.(*gin.Engine).Routes() {
		w.routes = append(w.routes, r.Method+" "+r.Path)
	}
	return w
}

// pick finds the route the fuzzer names, or one by its hash.
func (w *fuzzWorld) pick(route string) (string, string) {
	for _, r := range w.routes {
		if r == route {
			m, p, _ := strings.Cut(r, " ")
			return m, p
		}
	}
	h := fnv.New32a()
	h.Write([]byte(route))
	m, p, _ := strings.Cut(w.routes[int(h.Sum32()%uint32(len(w.routes)))], " ")
	return m, p
}

// fill puts values in a route's parameters: an ID that exists, a new UUID,
// or the fuzzer's text, escaped as a client would send it.
func (w *fuzzWorld) fill(path, param string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		name, isParam := strings.CutPrefix(p, ":")
		if !isParam {
			continue
		}
		switch {
		case param != "":
			parts[i] = url.PathEscape(param)
		case w.ids[name] != "":
			parts[i] = url.PathEscape(w.ids[name])
		default:
			parts[i] = uuid.NewString()
		}
	}
	return strings.Join(parts, "/")
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// unavailableTemporal stands in for Temporal at the client interface: every
// call a handler makes answers Unavailable, as a Temporal that is down does,
// after checking that what the handler sends holds no text Postgres cannot
// store. A call it does not stand in for panics (the embedded nil client),
// which the fuzzer reports as a 500.
type unavailableTemporal struct {
	client.Client
	calls   atomic.Int64
	badText atomic.Pointer[string]
}

var errTemporalDown = serviceerror.NewUnavailable("fuzz: Temporal stands in as down")

func (c *unavailableTemporal) reach(args ...any) error {
	c.calls.Add(1)
	c.check(args...)
	return errTemporalDown
}

// check records the first text in args Postgres could not store.
func (c *unavailableTemporal) check(args ...any) {
	for _, a := range args {
		if s, bad := textcheck.Unstorable(reflect.ValueOf(a)); bad {
			c.badText.Store(&s)
		}
	}
}

func (c *unavailableTemporal) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	return nil, c.reach(args...)
}

func (c *unavailableTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, c.reach(o.Args...)
}

func (c *unavailableTemporal) NewWithStartWorkflowOperation(_ client.StartWorkflowOptions, _ any, args ...any) client.WithStartWorkflowOperation {
	c.check(args...)
	return nil
}

func (c *unavailableTemporal) UpdateWithStartWorkflow(_ context.Context, o client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, c.reach(o.UpdateOptions.Args...)
}

func (c *unavailableTemporal) SignalWorkflow(_ context.Context, _, _, _ string, arg any) error {
	return c.reach(arg)
}

func (c *unavailableTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, c.reach()
}

func (c *unavailableTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, c.reach()
}

func (c *unavailableTemporal) ScheduleClient() client.ScheduleClient { return unavailableSchedules{c} }

// Deliver hands a webhook event to its workflow: Temporal is down.
func (c *unavailableTemporal) Deliver(_ context.Context, e webhooks.Event) (bool, error) {
	return false, c.reach(e)
}

type unavailableSchedules struct {
	c *unavailableTemporal
}

func (s unavailableSchedules) Create(context.Context, client.ScheduleOptions) (client.ScheduleHandle, error) {
	return nil, s.c.reach()
}

func (s unavailableSchedules) GetHandle(context.Context, string) client.ScheduleHandle {
	return unavailableSchedule{c: s.c}
}

func (s unavailableSchedules) List(context.Context, client.ScheduleListOptions) (client.ScheduleListIterator, error) {
	return nil, s.c.reach()
}

type unavailableSchedule struct {
	client.ScheduleHandle
	c *unavailableTemporal
}

func (h unavailableSchedule) Trigger(context.Context, client.ScheduleTriggerOptions) error {
	return h.c.reach()
}
