package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/webhooks"
)

// adminEnv is the API on a database of its own, with an ops token. Admin routes
// need no Temporal.
type adminEnv struct {
	t       *testing.T
	pool    *pgxpool.Pool
	handler http.Handler
	ops     string
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	pool, _ := testenv.NewDatabase(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	box, err := webhooks.NewSecretBox(config.DevWebhookKey())
	require.NoError(t, err)
	e := &adminEnv{t: t, pool: pool, handler: api.NewServer(pool, nil, log, api.Options{WebhookSecrets: box}).Handler(admin.Routes, admin.CompanyRoutes)}
	e.ops = e.staffToken(commerce.RoleOps)
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// staffToken makes a staff member with role, straight in the database, and
// returns a token of theirs.
func (e *adminEnv) staffToken(role commerce.Role) string {
	e.t.Helper()
	ctx := context.Background()
	q := db.New(e.pool)
	id := uuid.New()
	_, err := q.StaffCreate(ctx, db.StaffCreateParams{ID: id, Email: id.String() + "@seller.test", Name: "Staff " + string(role), Role: string(role)})
	require.NoError(e.t, err)
	token := apitoken.New()
	_, err = q.APITokenCreate(ctx, db.APITokenCreateParams{TokenHash: apitoken.Hash(token), StaffID: uuid.NullUUID{UUID: id, Valid: true}})
	require.NoError(e.t, err)
	return token
}

// employeeToken makes an employee with role in company, straight in the
// database, and returns their ID and a token of theirs.
func (e *adminEnv) employeeToken(company uuid.UUID, role commerce.Role) (uuid.UUID, string) {
	e.t.Helper()
	ctx := context.Background()
	q := db.New(e.pool)
	id := uuid.New()
	_, err := q.CustomerCreate(ctx, db.CustomerCreateParams{ID: id, CompanyID: company, Email: id.String() + "@buyer.test", Name: "Employee", Role: string(role)})
	require.NoError(e.t, err)
	token := apitoken.New()
	_, err = q.APITokenCreate(ctx, db.APITokenCreateParams{TokenHash: apitoken.Hash(token), CustomerID: uuid.NullUUID{UUID: id, Valid: true}})
	require.NoError(e.t, err)
	return id, token
}

type adminResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode decodes the body into v, which is zeroed first (json.Unmarshal would
// merge into maps and keep fields the body leaves out).
func (r adminResponse) decode(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	rv.Set(reflect.Zero(rv.Type()))
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// requireStatus checks the status and decodes the body into v (when not nil).
func (r adminResponse) requireStatus(t *testing.T, status int, v any) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	if v != nil {
		r.decode(t, v)
	}
}

// requireError checks an error answer's status, code and field.
func (r adminResponse) requireError(t *testing.T, status int, code, field string) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	var body struct{ Error api.Error }
	r.decode(t, &body)
	require.Equal(t, code, body.Error.Code, "body: %s", r.Body)
	require.Equal(t, field, body.Error.Field, "body: %s", r.Body)
	require.NotEmpty(t, body.Error.Message)
}

// do calls the API as ops; see as.
func (e *adminEnv) do(method, path string, body any, headers ...string) adminResponse {
	e.t.Helper()
	return e.as(e.ops, method, path, body, headers...)
}

// as calls the API with token ("" for none); body is nil, a string sent as is,
// or a value to encode; headers are name, value pairs. Every answer must match
// the OpenAPI document.
func (e *adminEnv) as(token, method, path string, body any, headers ...string) adminResponse {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(e.t, err)
	}
	req := httptest.NewRequest(method, "http://orderflow.test"+path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := adminResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkAdminContract(e.t, req, res)
	return res
}

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

// checkAdminContract validates an answer against api/openapi.yaml: the route,
// the status and the body must be as documented.
func checkAdminContract(t *testing.T, req *http.Request, res adminResponse) {
	t.Helper()
	contractOnce.Do(func() {
		var doc *openapi3.T
		doc, contractErr = openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if contractErr != nil {
			return
		}
		doc.Servers = nil
		contractRouter, contractErr = gorillamux.NewRouter(doc)
	})
	require.NoError(t, contractErr)
	route, params, err := contractRouter.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  res.Status,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d against the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

func (e *adminEnv) createCompany(currency string) admin.Company {
	e.t.Helper()
	var c admin.Company
	e.do("POST", "/v1/admin/companies", map[string]any{"name": "Acme " + uuid.NewString()[:6], "currency": currency, "credit_limit": 100_000}).
		requireStatus(e.t, http.StatusCreated, &c)
	return c
}

func (e *adminEnv) putProduct(sku string, prices map[string]int64, onHand int64) {
	e.t.Helper()
	e.do("PUT", "/v1/admin/products/"+sku, map[string]any{"name": "Product " + sku, "weight_grams": 250, "prices": prices, "on_hand": onHand}).
		requireStatus(e.t, http.StatusOK, nil)
}

func TestAdminCompanies(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)

	var created admin.Company
	res := e.do("POST", "/v1/admin/companies", map[string]any{"name": "  Acme GmbH ", "currency": "EUR", "credit_limit": 500_000, "customer_group": "wholesale"})
	res.requireStatus(t, http.StatusCreated, &created)
	require.Equal(t, "/v1/admin/companies/"+created.ID.String(), res.Header.Get("Location"))
	require.Equal(t, "Acme GmbH", created.Name)
	require.Equal(t, "EUR", created.Currency)
	require.EqualValues(t, 500_000, created.CreditLimit)
	require.Equal(t, "wholesale", created.CustomerGroup)
	require.False(t, created.TaxExempt)
	require.EqualValues(t, 259200, created.ApprovalTimeoutSeconds)
	require.Equal(t, 30, created.PaymentTermsDays, "net 30 unless ops say otherwise")
	require.Equal(t, 30, created.ReturnWindowDays)
	require.Equal(t, "UTC", created.CreatedAt.Location().String())

	var got admin.Company
	e.do("GET", "/v1/admin/companies/"+created.ID.String(), nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, created, got)

	var patched admin.Company
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"credit_limit": 0, "tax_exempt": true, "approval_timeout_seconds": 3600}).
		requireStatus(t, http.StatusOK, &patched)
	require.Equal(t, created.Name, patched.Name)
	require.EqualValues(t, 0, patched.CreditLimit)
	require.True(t, patched.TaxExempt)
	require.EqualValues(t, 3600, patched.ApprovalTimeoutSeconds)

	// Payment terms and the return window, together or alone.
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"payment_terms_days": 60, "return_window_days": 14}).
		requireStatus(t, http.StatusOK, &patched)
	require.Equal(t, 60, patched.PaymentTermsDays)
	require.Equal(t, 14, patched.ReturnWindowDays)
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"return_window_days": 0}).requireStatus(t, http.StatusOK, &patched)
	require.Equal(t, 60, patched.PaymentTermsDays, "terms not given are kept")
	require.Equal(t, 0, patched.ReturnWindowDays)
	e.do("GET", "/v1/admin/companies/"+created.ID.String(), nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, patched, got)
	stored, err := db.New(e.pool).CompanyGet(t.Context(), created.ID)
	require.NoError(t, err)
	require.EqualValues(t, 60, stored.PaymentTermsDays)
	require.EqualValues(t, 0, stored.ReturnWindowDays)
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"payment_terms_days": 30, "return_window_days": 30}).
		requireStatus(t, http.StatusOK, &patched)

	// No carts yet: the currency may change; afterwards it may not.
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"currency": "CHF"}).requireStatus(t, http.StatusOK, &patched)
	require.Equal(t, "CHF", patched.Currency)
	buyerID, _ := e.employeeToken(created.ID, commerce.RoleBuyer)
	testenv.NewCart(t, e.pool, testenv.Buyer{ID: buyerID, CompanyID: created.ID}, "CHF", nil)
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"currency": "EUR"}).
		requireError(t, http.StatusConflict, "currency_locked", "currency")
	e.do("PATCH", "/v1/admin/companies/"+created.ID.String(), map[string]any{"currency": "CHF", "name": "Acme AG"}).
		requireStatus(t, http.StatusOK, &patched)
	require.Equal(t, "Acme AG", patched.Name)

	// Pages, oldest first.
	third := e.createCompany("EUR")
	var page admin.CompanyPage
	e.do("GET", "/v1/admin/companies?limit=1", nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.Company{patched}, page.Companies)
	require.NotEmpty(t, page.NextCursor)
	var rest admin.CompanyPage
	e.do("GET", "/v1/admin/companies?limit=1&cursor="+page.NextCursor, nil).requireStatus(t, http.StatusOK, &rest)
	require.Equal(t, []admin.Company{third}, rest.Companies)
	require.Empty(t, rest.NextCursor)
	e.do("GET", "/v1/admin/companies?limit=0", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "limit")
	e.do("GET", "/v1/admin/companies?cursor=nonsense", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cursor")

	e.do("GET", "/v1/admin/companies/"+uuid.NewString(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("GET", "/v1/admin/companies/not-a-uuid", nil).requireError(t, http.StatusBadRequest, "invalid_field", "company_id")
	e.do("PATCH", "/v1/admin/companies/"+uuid.NewString(), map[string]any{"name": "x"}).requireError(t, http.StatusNotFound, "not_found", "")
}

// TestAdminCompanyCurrencyIsPinned: money terms kept in a company's currency
// (spending limits, price lists, approval amounts) pin it.
func TestAdminCompanyCurrencyIsPinned(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	for _, tc := range []struct {
		name, path string
		body       map[string]any
		pins       bool
	}{
		{"spending limit", "/spending-limits", map[string]any{"period": "month", "amount": 100, "currency": "EUR"}, true},
		{"price list", "", map[string]any{"name": "L", "currency": "EUR", "tiers": []any{}}, true},
		{"approval threshold", "/approval-rules", map[string]any{"kind": "total_above", "threshold": 100}, true},
		{"approver max", "/approval-rules", map[string]any{"kind": "over_spending_limit", "approver_max": 100}, true},
		{"approval rule without amounts", "/approval-rules", map[string]any{"kind": "over_spending_limit"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.createCompany("EUR")
			switch {
			case tc.path == "":
				tc.body["company_id"] = c.ID.String()
				e.do("POST", "/v1/admin/price-lists", tc.body).requireStatus(t, http.StatusCreated, nil)
			case strings.HasPrefix(tc.path, "/spending"):
				e.do("PUT", "/v1/admin/companies/"+c.ID.String()+tc.path, tc.body).requireStatus(t, http.StatusOK, nil)
			default:
				e.do("POST", "/v1/admin/companies/"+c.ID.String()+tc.path, tc.body).requireStatus(t, http.StatusCreated, nil)
			}
			res := e.do("PATCH", "/v1/admin/companies/"+c.ID.String(), map[string]any{"currency": "USD"})
			if tc.pins {
				res.requireError(t, http.StatusConflict, "currency_locked", "currency")
			} else {
				res.requireStatus(t, http.StatusOK, nil)
			}
		})
	}
}

func TestAdminCompanyValidation(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	valid := func(change map[string]any) map[string]any {
		b := map[string]any{"name": "Acme", "currency": "EUR", "credit_limit": 1000}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"bad currency", valid(map[string]any{"currency": "eur"}), "currency"},
		{"currency too long", valid(map[string]any{"currency": "EURO"}), "currency"},
		{"not an ISO 4217 currency", valid(map[string]any{"currency": "EUX"}), "currency"},
		{"no currency", valid(map[string]any{"currency": nil}), "currency"},
		{"no name", valid(map[string]any{"name": nil}), "name"},
		{"blank name", valid(map[string]any{"name": "   "}), "name"},
		{"no credit limit", valid(map[string]any{"credit_limit": nil}), "credit_limit"},
		{"negative credit limit", valid(map[string]any{"credit_limit": -1}), "credit_limit"},
		{"credit limit not a number", valid(map[string]any{"credit_limit": "lots"}), "credit_limit"},
		{"zero approval timeout", valid(map[string]any{"approval_timeout_seconds": 0}), "approval_timeout_seconds"},
		{"bad customer group", valid(map[string]any{"customer_group": "Whole Sale"}), "customer_group"},
		{"negative payment terms", valid(map[string]any{"payment_terms_days": -1}), "payment_terms_days"},
		{"payment terms over a year", valid(map[string]any{"payment_terms_days": 366}), "payment_terms_days"},
		{"payment terms beyond int32", valid(map[string]any{"payment_terms_days": int64(1) << 40}), "payment_terms_days"},
		{"negative return window", valid(map[string]any{"return_window_days": -1}), "return_window_days"},
		{"return window over a year", valid(map[string]any{"return_window_days": 366}), "return_window_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("POST", "/v1/admin/companies", tc.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", tc.field)
		})
	}
	e.do("POST", "/v1/admin/companies", "{not json").requireError(t, http.StatusBadRequest, "malformed_json", "")

	c := e.createCompany("EUR")
	e.do("PATCH", "/v1/admin/companies/"+c.ID.String(), map[string]any{"currency": "12"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "currency")
	e.do("PATCH", "/v1/admin/companies/"+c.ID.String(), map[string]any{"credit_limit": -5}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "credit_limit")
	e.do("PATCH", "/v1/admin/companies/"+c.ID.String(), map[string]any{"payment_terms_days": 10, "return_window_days": 400}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "return_window_days")
	var after admin.Company
	e.do("GET", "/v1/admin/companies/"+c.ID.String(), nil).requireStatus(t, http.StatusOK, &after)
	require.Equal(t, c, after, "a refused change changes nothing")
}

func TestAdminEmployeesStaffAndTokens(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	base := "/v1/admin/companies/" + company.ID.String() + "/employees"

	var ana admin.Employee
	e.do("POST", base, map[string]any{"email": "Ana@Example.com", "name": "Ana", "role": "buyer"}).requireStatus(t, http.StatusCreated, &ana)
	require.Equal(t, "ana@example.com", ana.Email)
	require.Equal(t, "buyer", ana.Role)
	require.Equal(t, company.ID, ana.CompanyID)

	e.do("POST", base, map[string]any{"email": "ana@example.com", "name": "Ana again", "role": "buyer"}).
		requireError(t, http.StatusConflict, "already_exists", "email")
	e.do("POST", base, map[string]any{"email": "bo@example.com", "name": "Bo", "role": "manager"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
	e.do("POST", base, map[string]any{"email": "bo@example.com", "name": "Bo", "role": "ops"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
	e.do("POST", base, map[string]any{"email": "not an email", "name": "Bo", "role": "buyer"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "email")
	e.do("POST", base, map[string]any{"email": "bo@example.com", "role": "buyer"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "name")
	e.do("POST", "/v1/admin/companies/"+uuid.NewString()+"/employees", map[string]any{"email": "bo@example.com", "name": "Bo", "role": "buyer"}).
		requireError(t, http.StatusNotFound, "not_found", "")

	var bo admin.Employee
	e.do("POST", base, map[string]any{"email": "bo@example.com", "name": "Bo", "role": "approver"}).requireStatus(t, http.StatusCreated, &bo)
	var page admin.EmployeePage
	e.do("GET", base+"?limit=1", nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.Employee{ana}, page.Employees)
	e.do("GET", base+"?cursor="+page.NextCursor, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.Employee{bo}, page.Employees)
	e.do("GET", "/v1/admin/companies/"+uuid.NewString()+"/employees", nil).requireError(t, http.StatusNotFound, "not_found", "")

	// A token works at once, as the employee, and its plain value is not stored.
	var tok admin.IssuedToken
	res := e.do("POST", "/v1/admin/employees/"+ana.ID.String()+"/tokens", map[string]any{"label": "storefront"})
	res.requireStatus(t, http.StatusCreated, &tok)
	require.True(t, strings.HasPrefix(tok.Token, "oft_"))
	require.Equal(t, "storefront", tok.Label)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	e.as(tok.Token, "GET", "/v1/admin/companies", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	var stored int
	require.NoError(t, e.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM api_tokens WHERE customer_id = $1 AND token_hash = $2", ana.ID, apitoken.Hash(tok.Token)).Scan(&stored))
	require.Equal(t, 1, stored)

	// The role changes; the token follows at once.
	var promoted admin.Employee
	e.do("PATCH", "/v1/admin/employees/"+ana.ID.String(), map[string]any{"role": "company_admin"}).requireStatus(t, http.StatusOK, &promoted)
	require.Equal(t, "company_admin", promoted.Role)
	require.Equal(t, "Ana", promoted.Name)
	e.do("PATCH", "/v1/admin/employees/"+ana.ID.String(), map[string]any{"name": "Ana B."}).requireStatus(t, http.StatusOK, &promoted)
	require.Equal(t, "Ana B.", promoted.Name)
	require.Equal(t, "company_admin", promoted.Role)
	e.do("PATCH", "/v1/admin/employees/"+ana.ID.String(), map[string]any{"role": "sales_rep"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
	e.do("PATCH", "/v1/admin/employees/"+ana.ID.String(), map[string]any{"email": "x@example.com"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "email")
	e.do("PATCH", "/v1/admin/employees/"+uuid.NewString(), map[string]any{"name": "Nobody"}).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("POST", "/v1/admin/employees/"+uuid.NewString()+"/tokens", nil).requireError(t, http.StatusNotFound, "not_found", "")

	// A retried token request issues no second token and shows none.
	key := "Idempotency-Key"
	e.do("POST", "/v1/admin/employees/"+bo.ID.String()+"/tokens", nil, key, "bo-token-1").requireStatus(t, http.StatusCreated, &tok)
	retry := e.do("POST", "/v1/admin/employees/"+bo.ID.String()+"/tokens", nil, key, "bo-token-1")
	retry.requireError(t, http.StatusConflict, "token_already_issued", "Idempotency-Key")
	require.NotContains(t, string(retry.Body), tok.Token)
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT count(*) FROM api_tokens WHERE customer_id = $1", bo.ID).Scan(&stored))
	require.Equal(t, 1, stored)
	var leaked int
	require.NoError(t, e.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM idempotency_keys WHERE position($1::bytea in response_body) > 0", []byte(tok.Token)).Scan(&leaked))
	require.Zero(t, leaked, "no token is kept in the idempotency store")

	// Staff.
	var rep admin.StaffMember
	e.do("POST", "/v1/admin/staff", map[string]any{"email": "rep@seller.test", "name": "Rep", "role": "sales_rep"}).
		requireStatus(t, http.StatusCreated, &rep)
	require.Equal(t, "sales_rep", rep.Role)
	e.do("POST", "/v1/admin/staff", map[string]any{"email": "rep@seller.test", "name": "Rep 2", "role": "ops"}).
		requireError(t, http.StatusConflict, "already_exists", "email")
	e.do("POST", "/v1/admin/staff", map[string]any{"email": "x@seller.test", "name": "X", "role": "buyer"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
	e.do("POST", "/v1/admin/staff", map[string]any{"email": "x@seller.test", "name": "X"}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")

	var opsMember admin.StaffMember
	e.do("POST", "/v1/admin/staff", map[string]any{"email": "ops2@seller.test", "name": "Ops 2", "role": "ops"}).
		requireStatus(t, http.StatusCreated, &opsMember)
	e.do("POST", "/v1/admin/staff/"+opsMember.ID.String()+"/tokens", nil).requireStatus(t, http.StatusCreated, &tok)
	e.as(tok.Token, "GET", "/v1/admin/companies", nil).requireStatus(t, http.StatusOK, nil)
	e.do("POST", "/v1/admin/staff/"+rep.ID.String()+"/tokens", nil).requireStatus(t, http.StatusCreated, &tok)
	e.as(tok.Token, "GET", "/v1/admin/companies", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	e.do("POST", "/v1/admin/staff/"+uuid.NewString()+"/tokens", nil).requireError(t, http.StatusNotFound, "not_found", "")
}

func TestAdminSpendingLimits(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	other := e.createCompany("EUR")
	buyer, _ := e.employeeToken(company.ID, commerce.RoleBuyer)
	stranger, _ := e.employeeToken(other.ID, commerce.RoleBuyer)
	base := "/v1/admin/companies/" + company.ID.String() + "/spending-limits"

	var whole, again, personal admin.SpendingLimit
	e.do("PUT", base, map[string]any{"period": "month", "amount": 50_000, "currency": "EUR"}).requireStatus(t, http.StatusOK, &whole)
	require.Nil(t, whole.CustomerID)
	require.EqualValues(t, 50_000, whole.Amount)
	e.do("PUT", base, map[string]any{"period": "month", "amount": 70_000, "currency": "EUR"}).requireStatus(t, http.StatusOK, &again)
	require.Equal(t, whole.ID, again.ID, "one limit per company and period")
	require.EqualValues(t, 70_000, again.Amount)
	e.do("PUT", base, map[string]any{"customer_id": buyer.String(), "period": "order", "amount": 1_000, "currency": "EUR"}).
		requireStatus(t, http.StatusOK, &personal)
	require.Equal(t, buyer, *personal.CustomerID)

	var page admin.SpendingLimitPage
	e.do("GET", base, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.SpendingLimit{again, personal}, page.SpendingLimits)

	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"negative amount", map[string]any{"period": "month", "amount": -1, "currency": "EUR"}, "amount"},
		{"no amount", map[string]any{"period": "month", "currency": "EUR"}, "amount"},
		{"unknown period", map[string]any{"period": "week", "amount": 1, "currency": "EUR"}, "period"},
		{"bad currency", map[string]any{"period": "month", "amount": 1, "currency": "euro"}, "currency"},
		{"not the company's currency", map[string]any{"period": "month", "amount": 1, "currency": "USD"}, "currency"},
		{"customer of another company", map[string]any{"customer_id": stranger.String(), "period": "month", "amount": 1, "currency": "EUR"}, "customer_id"},
		{"no such customer", map[string]any{"customer_id": uuid.NewString(), "period": "month", "amount": 1, "currency": "EUR"}, "customer_id"},
		{"customer not a UUID", map[string]any{"customer_id": "ana", "period": "month", "amount": 1, "currency": "EUR"}, "customer_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", base, tc.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", tc.field)
		})
	}
	e.do("PUT", "/v1/admin/companies/"+uuid.NewString()+"/spending-limits", map[string]any{"period": "month", "amount": 1, "currency": "EUR"}).
		requireError(t, http.StatusNotFound, "not_found", "")
	e.do("GET", "/v1/admin/companies/"+uuid.NewString()+"/spending-limits", nil).requireError(t, http.StatusNotFound, "not_found", "")

	e.do("DELETE", "/v1/admin/spending-limits/"+personal.ID.String(), nil).requireStatus(t, http.StatusNoContent, nil)
	e.do("DELETE", "/v1/admin/spending-limits/"+personal.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("GET", base, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.SpendingLimit{again}, page.SpendingLimits)
}

func TestAdminApprovalRules(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	e.putProduct("DRILL-1", map[string]int64{"EUR": 10_000}, 10)
	base := "/v1/admin/companies/" + company.ID.String() + "/approval-rules"

	var big, restricted admin.ApprovalRule
	e.do("POST", base, map[string]any{"kind": "total_above", "threshold": 100_000, "approver_max": 500_000}).
		requireStatus(t, http.StatusCreated, &big)
	require.EqualValues(t, 100_000, big.Threshold)
	require.EqualValues(t, 500_000, *big.ApproverMax)
	require.Equal(t, "EUR", big.Currency)
	require.Empty(t, big.SKUs)
	e.do("POST", base, map[string]any{"kind": "restricted_sku", "skus": []string{"DRILL-1"}}).requireStatus(t, http.StatusCreated, &restricted)
	require.Equal(t, []string{"DRILL-1"}, restricted.SKUs)
	require.Nil(t, restricted.ApproverMax)

	var page admin.ApprovalRulePage
	e.do("GET", base, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.ApprovalRule{big, restricted}, page.ApprovalRules)

	for _, tc := range []struct {
		name, code, field string
		body              map[string]any
	}{
		{"unknown kind", "invalid_field", "kind", map[string]any{"kind": "always"}},
		{"negative threshold", "invalid_field", "threshold", map[string]any{"kind": "total_above", "threshold": -1}},
		{"threshold on a sku rule", "invalid_field", "threshold", map[string]any{"kind": "restricted_sku", "threshold": 5, "skus": []string{"DRILL-1"}}},
		{"no skus", "invalid_field", "skus", map[string]any{"kind": "restricted_sku"}},
		{"unknown sku", "unknown_sku", "skus[1]", map[string]any{"kind": "restricted_sku", "skus": []string{"DRILL-1", "NOPE-9"}}},
		{"malformed sku", "invalid_field", "skus[0]", map[string]any{"kind": "restricted_sku", "skus": []string{"no spaces"}}},
		{"negative approver max", "invalid_field", "approver_max", map[string]any{"kind": "over_spending_limit", "approver_max": -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("POST", base, tc.body).requireError(t, http.StatusUnprocessableEntity, tc.code, tc.field)
		})
	}
	e.do("POST", "/v1/admin/companies/"+uuid.NewString()+"/approval-rules", map[string]any{"kind": "over_spending_limit"}).
		requireError(t, http.StatusNotFound, "not_found", "")

	e.do("DELETE", "/v1/admin/approval-rules/"+big.ID.String(), nil).requireStatus(t, http.StatusNoContent, nil)
	e.do("DELETE", "/v1/admin/approval-rules/"+big.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("GET", base, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.ApprovalRule{restricted}, page.ApprovalRules)
}

func TestAdminPriceLists(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	e.putProduct("BOLT-1", map[string]int64{"EUR": 100}, 1000)
	e.putProduct("NUT-1", map[string]int64{"EUR": 50}, 1000)

	create := map[string]any{
		"name": "Acme 2026", "code": "ACME-2026", "company_id": company.ID.String(), "currency": "EUR", "priority": 5,
		"valid_from": "2026-01-01T01:00:00+01:00",
		"tiers": []map[string]any{
			{"sku": "BOLT-1", "min_quantity": 1, "unit_price": 90},
			{"sku": "BOLT-1", "min_quantity": 100, "unit_price": 80},
			{"sku": "NUT-1", "min_quantity": 1, "unit_price": 45},
		},
	}
	var list admin.PriceList
	res := e.do("POST", "/v1/admin/price-lists", create)
	res.requireStatus(t, http.StatusCreated, &list)
	require.Equal(t, "/v1/admin/price-lists/"+list.ID.String(), res.Header.Get("Location"))
	require.Equal(t, company.ID, *list.CompanyID)
	require.Equal(t, "ACME-2026", *list.Code)
	require.Nil(t, list.CustomerGroup)
	require.Equal(t, "2026-01-01T00:00:00Z", list.ValidFrom.Format("2006-01-02T15:04:05Z07:00"))
	require.Nil(t, list.ValidUntil)
	require.Equal(t, []admin.PriceTier{{"BOLT-1", 1, 90}, {"BOLT-1", 100, 80}, {"NUT-1", 1, 45}}, list.Tiers)

	var got admin.PriceList
	e.do("GET", "/v1/admin/price-lists/"+list.ID.String(), nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, list, got)

	var group admin.PriceList
	e.do("POST", "/v1/admin/price-lists", map[string]any{"name": "Wholesale", "customer_group": "wholesale", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z", "tiers": []any{}}).requireStatus(t, http.StatusCreated, &group)
	require.Equal(t, "wholesale", *group.CustomerGroup)
	require.Nil(t, group.Code)
	require.Empty(t, group.Tiers)
	// The ERP names a list by its code: one list a code.
	e.do("POST", "/v1/admin/price-lists", map[string]any{"name": "Copy", "code": "ACME-2026", "customer_group": "copy", "currency": "EUR",
		"tiers": []any{}}).requireError(t, http.StatusConflict, "already_exists", "code")

	var page admin.PriceListPage
	e.do("GET", "/v1/admin/price-lists?limit=1", nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.PriceListSummary{list.PriceListSummary}, page.PriceLists)
	e.do("GET", "/v1/admin/price-lists?limit=1&cursor="+page.NextCursor, nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.PriceListSummary{group.PriceListSummary}, page.PriceLists)
	require.Empty(t, page.NextCursor)

	// PUT replaces everything, tiers included.
	var replaced admin.PriceList
	e.do("PUT", "/v1/admin/price-lists/"+list.ID.String(), map[string]any{
		"name": "Acme 2026 v2", "company_id": company.ID.String(), "currency": "EUR",
		"tiers": []map[string]any{{"sku": "NUT-1", "min_quantity": 10, "unit_price": 40}},
	}).requireStatus(t, http.StatusOK, &replaced)
	require.Equal(t, list.ID, replaced.ID)
	require.Equal(t, "Acme 2026 v2", replaced.Name)
	require.Nil(t, replaced.Code, "a PUT without a code leaves the list to Orderflow alone")
	require.EqualValues(t, 0, replaced.Priority)
	require.Nil(t, replaced.ValidFrom)
	require.Equal(t, []admin.PriceTier{{"NUT-1", 10, 40}}, replaced.Tiers)

	// A refused replacement leaves the list as it was.
	e.do("PUT", "/v1/admin/price-lists/"+list.ID.String(), map[string]any{
		"name": "Broken", "company_id": company.ID.String(), "currency": "EUR",
		"tiers": []map[string]any{{"sku": "NUT-1", "min_quantity": 1, "unit_price": 1}, {"sku": "GHOST-1", "min_quantity": 1, "unit_price": 1}},
	}).requireError(t, http.StatusUnprocessableEntity, "unknown_sku", "tiers[1].sku")
	e.do("GET", "/v1/admin/price-lists/"+list.ID.String(), nil).requireStatus(t, http.StatusOK, &got)
	require.Equal(t, replaced, got)
	e.do("PUT", "/v1/admin/price-lists/"+uuid.NewString(), map[string]any{"name": "x", "customer_group": "g", "currency": "EUR", "tiers": []any{}}).
		requireError(t, http.StatusNotFound, "not_found", "")

	e.do("DELETE", "/v1/admin/price-lists/"+list.ID.String(), nil).requireStatus(t, http.StatusNoContent, nil)
	e.do("GET", "/v1/admin/price-lists/"+list.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.do("DELETE", "/v1/admin/price-lists/"+list.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
}

func TestAdminPriceListValidation(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	e.putProduct("BOLT-1", map[string]int64{"EUR": 100}, 1000)
	valid := func(change map[string]any) map[string]any {
		b := map[string]any{"name": "List", "company_id": company.ID.String(), "currency": "EUR",
			"tiers": []map[string]any{{"sku": "BOLT-1", "min_quantity": 1, "unit_price": 90}}}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	tiers := func(ts ...map[string]any) []map[string]any { return ts }
	for _, tc := range []struct {
		name, code, field string
		body              map[string]any
	}{
		{"both company and group", "invalid_field", "customer_group", valid(map[string]any{"customer_group": "wholesale"})},
		{"neither company nor group", "invalid_field", "company_id", valid(map[string]any{"company_id": nil})},
		{"company not a UUID", "invalid_field", "company_id", valid(map[string]any{"company_id": "acme"})},
		{"no such company", "invalid_field", "company_id", valid(map[string]any{"company_id": uuid.NewString()})},
		{"bad currency", "invalid_field", "currency", valid(map[string]any{"currency": "Euro"})},
		{"not the company's currency", "invalid_field", "currency", valid(map[string]any{"currency": "USD"})},
		{"no name", "invalid_field", "name", valid(map[string]any{"name": nil})},
		{"malformed code", "invalid_field", "code", valid(map[string]any{"code": "acme 2026"})},
		{"reserved code", "invalid_field", "code", valid(map[string]any{"code": "BASE"})},
		{"valid_until equal to valid_from", "invalid_field", "valid_until",
			valid(map[string]any{"valid_from": "2026-03-01T00:00:00Z", "valid_until": "2026-03-01T00:00:00Z"})},
		{"valid_until before valid_from", "invalid_field", "valid_until",
			valid(map[string]any{"valid_from": "2026-03-01T00:00:00Z", "valid_until": "2026-02-01T00:00:00Z"})},
		{"valid_from not RFC 3339", "invalid_field", "valid_from", valid(map[string]any{"valid_from": "March 1st"})},
		{"no tiers", "invalid_field", "tiers", valid(map[string]any{"tiers": nil})},
		{"unknown sku in tiers", "unknown_sku", "tiers[1].sku",
			valid(map[string]any{"tiers": tiers(map[string]any{"sku": "BOLT-1", "min_quantity": 1, "unit_price": 1}, map[string]any{"sku": "GHOST-1", "min_quantity": 1, "unit_price": 1})})},
		{"malformed sku in tiers", "invalid_field", "tiers[0].sku",
			valid(map[string]any{"tiers": tiers(map[string]any{"sku": "", "min_quantity": 1, "unit_price": 1})})},
		{"zero min quantity", "invalid_field", "tiers[0].min_quantity",
			valid(map[string]any{"tiers": tiers(map[string]any{"sku": "BOLT-1", "min_quantity": 0, "unit_price": 1})})},
		{"negative unit price", "invalid_field", "tiers[0].unit_price",
			valid(map[string]any{"tiers": tiers(map[string]any{"sku": "BOLT-1", "min_quantity": 1, "unit_price": -1})})},
		{"duplicate tier", "invalid_field", "tiers[1].min_quantity",
			valid(map[string]any{"tiers": tiers(map[string]any{"sku": "BOLT-1", "min_quantity": 5, "unit_price": 1}, map[string]any{"sku": "BOLT-1", "min_quantity": 5, "unit_price": 2})})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("POST", "/v1/admin/price-lists", tc.body).requireError(t, http.StatusUnprocessableEntity, tc.code, tc.field)
		})
	}
	var page admin.PriceListPage
	e.do("GET", "/v1/admin/price-lists", nil).requireStatus(t, http.StatusOK, &page)
	require.Empty(t, page.PriceLists, "nothing is half-written")
}

func TestAdminProducts(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)

	var p admin.CatalogProduct
	e.do("PUT", "/v1/admin/products/BOLT-1", map[string]any{"name": "Bolt", "weight_grams": 12, "prices": map[string]int64{"EUR": 1290, "USD": 1390}, "on_hand": 40}).
		requireStatus(t, http.StatusOK, &p)
	require.Equal(t, admin.CatalogProduct{SKU: "BOLT-1", Name: "Bolt", WeightGrams: 12, Prices: map[string]int64{"EUR": 1290, "USD": 1390},
		CostPrices: map[string]int64{}, OnHand: 40, Available: 40, CreatedAt: p.CreatedAt}, p)

	// Prices become exactly those given; stock stays when on_hand is left out.
	e.do("PUT", "/v1/admin/products/BOLT-1", map[string]any{"name": "Bolt M8", "weight_grams": 13, "prices": map[string]int64{"EUR": 1200}}).
		requireStatus(t, http.StatusOK, &p)
	require.Equal(t, map[string]int64{"EUR": 1200}, p.Prices)
	require.Equal(t, "Bolt M8", p.Name)
	require.EqualValues(t, 40, p.OnHand)

	// Stock on hand cannot go below what is reserved.
	_, err := e.pool.Exec(context.Background(), "UPDATE stock SET reserved = 30 WHERE sku = 'BOLT-1'")
	require.NoError(t, err)
	e.do("PUT", "/v1/admin/products/BOLT-1", map[string]any{"name": "Bolt M8", "weight_grams": 13, "prices": map[string]int64{"EUR": 1}, "on_hand": 29}).
		requireError(t, http.StatusConflict, "stock_reserved", "on_hand")
	e.do("PUT", "/v1/admin/products/BOLT-1", map[string]any{"name": "Bolt M8", "weight_grams": 13, "prices": map[string]int64{"EUR": 1200}, "on_hand": 30}).
		requireStatus(t, http.StatusOK, &p)
	require.EqualValues(t, 30, p.OnHand)
	require.EqualValues(t, 30, p.Reserved)
	require.EqualValues(t, 0, p.Available)
	require.Equal(t, map[string]int64{"EUR": 1200}, p.Prices, "the refused PUT changed nothing")

	// A new product without on_hand has none.
	e.do("PUT", "/v1/admin/products/NUT-1", map[string]any{"name": "Nut", "weight_grams": 0, "prices": map[string]int64{}}).requireStatus(t, http.StatusOK, &p)
	require.Empty(t, p.Prices)
	require.EqualValues(t, 0, p.OnHand)

	for _, tc := range []struct {
		name, sku, field string
		body             any
	}{
		{"bad currency key", "NUT-1", "prices.eur", map[string]any{"name": "Nut", "weight_grams": 1, "prices": map[string]int64{"eur": 1}}},
		{"negative price", "NUT-1", "prices.EUR", map[string]any{"name": "Nut", "weight_grams": 1, "prices": map[string]int64{"EUR": -1}}},
		{"no prices", "NUT-1", "prices", map[string]any{"name": "Nut", "weight_grams": 1}},
		{"negative weight", "NUT-1", "weight_grams", map[string]any{"name": "Nut", "weight_grams": -1, "prices": map[string]int64{}}},
		{"no weight", "NUT-1", "weight_grams", map[string]any{"name": "Nut", "prices": map[string]int64{}}},
		{"no name", "NUT-1", "name", map[string]any{"weight_grams": 1, "prices": map[string]int64{}}},
		{"negative on hand", "NUT-1", "on_hand", map[string]any{"name": "Nut", "weight_grams": 1, "prices": map[string]int64{}, "on_hand": -1}},
		{"malformed sku", "no%20spaces", "sku", map[string]any{"name": "Nut", "weight_grams": 1, "prices": map[string]int64{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", "/v1/admin/products/"+tc.sku, tc.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", tc.field)
		})
	}
}

func TestAdminShippingMethodsAndTaxRates(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)

	var m admin.ShippingMethodSettings
	e.do("PUT", "/v1/admin/shipping-methods/express", map[string]any{"name": "Express", "currency": "EUR", "base_amount": 990, "per_kg_amount": 150, "free_above": 50_000}).
		requireStatus(t, http.StatusOK, &m)
	free := int64(50_000)
	require.Equal(t, admin.ShippingMethodSettings{Code: "express", Name: "Express", Currency: "EUR", BaseAmount: 990, PerKgAmount: 150, FreeAbove: &free,
		ShipWithinHours: 48, DeliverWithinHours: 120}, m, "a new method gets the default deadlines")
	e.do("PUT", "/v1/admin/shipping-methods/express", map[string]any{"name": "Express", "currency": "EUR", "base_amount": 1090, "per_kg_amount": 0,
		"ship_within_hours": 12}).requireStatus(t, http.StatusOK, &m)
	require.EqualValues(t, 1090, m.BaseAmount)
	require.Nil(t, m.FreeAbove)
	require.EqualValues(t, 12, m.ShipWithinHours)
	require.EqualValues(t, 120, m.DeliverWithinHours, "a deadline not given is kept")
	e.do("PUT", "/v1/admin/shipping-methods/express", map[string]any{"name": "Express", "currency": "EUR", "base_amount": 1090, "per_kg_amount": 0,
		"deliver_within_hours": 36}).requireStatus(t, http.StatusOK, &m)
	require.EqualValues(t, 12, m.ShipWithinHours)
	require.EqualValues(t, 36, m.DeliverWithinHours)
	stored, err := db.New(e.pool).ShippingMethodGet(t.Context(), "express")
	require.NoError(t, err)
	require.EqualValues(t, 12, stored.ShipWithinHours)
	require.EqualValues(t, 36, stored.DeliverWithinHours)

	for _, tc := range []struct {
		name, code, field string
		body              map[string]any
	}{
		{"negative base amount", "express", "base_amount", map[string]any{"name": "E", "currency": "EUR", "base_amount": -1, "per_kg_amount": 0}},
		{"negative per kg", "express", "per_kg_amount", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": -1}},
		{"negative free above", "express", "free_above", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0, "free_above": -1}},
		{"bad currency", "express", "currency", map[string]any{"name": "E", "currency": "€", "base_amount": 0, "per_kg_amount": 0}},
		{"no base amount", "express", "base_amount", map[string]any{"name": "E", "currency": "EUR", "per_kg_amount": 0}},
		{"no name", "express", "name", map[string]any{"currency": "EUR", "base_amount": 0, "per_kg_amount": 0}},
		{"bad code", "Express", "code", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0}},
		{"zero ship within", "express", "ship_within_hours", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0, "ship_within_hours": 0}},
		{"negative deliver within", "express", "deliver_within_hours", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0, "deliver_within_hours": -1}},
		{"deliver within over a year", "express", "deliver_within_hours", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0, "deliver_within_hours": 365*24 + 1}},
		{"ship within not a number", "express", "ship_within_hours", map[string]any{"name": "E", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0, "ship_within_hours": "soon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", "/v1/admin/shipping-methods/"+tc.code, tc.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", tc.field)
		})
	}

	var rate admin.TaxRate
	e.do("PUT", "/v1/admin/tax-rates/DE", map[string]any{"rate_bp": 1900}).requireStatus(t, http.StatusOK, &rate)
	require.Equal(t, admin.TaxRate{Country: "DE", RateBp: 1900}, rate)
	e.do("PUT", "/v1/admin/tax-rates/DE", map[string]any{"rate_bp": 700}).requireStatus(t, http.StatusOK, &rate)
	require.EqualValues(t, 700, rate.RateBp)
	e.do("PUT", "/v1/admin/tax-rates/DE", map[string]any{"rate_bp": 10_001}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "rate_bp")
	e.do("PUT", "/v1/admin/tax-rates/DE", map[string]any{"rate_bp": -1}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "rate_bp")
	e.do("PUT", "/v1/admin/tax-rates/DE", map[string]any{}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "rate_bp")
	e.do("PUT", "/v1/admin/tax-rates/de", map[string]any{"rate_bp": 1}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "country")
}

// TestAdminRoutesAreForOpsOnly calls every admin route the router has as every
// other role (403) and without a token (401).
func TestAdminRoutesAreForOpsOnly(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	tokens := map[string]string{}
	for _, role := range []commerce.Role{commerce.RoleBuyer, commerce.RoleApprover, commerce.RoleCompanyAdmin} {
		_, tokens[string(role)] = e.employeeToken(company.ID, role)
	}
	for _, role := range []commerce.Role{commerce.RoleSalesRep, commerce.RoleSalesManager} {
		tokens[string(role)] = e.staffToken(role)
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api.NewServer(nil, nil, nil, api.Options{}).Routes(r, admin.Routes)
	param := regexp.MustCompile(`:([a-z_]+)`)
	var routes int
	for _, rt := range r.Routes() {
		if !strings.HasPrefix(rt.Path, "/v1/admin/") {
			continue
		}
		routes++
		path := param.ReplaceAllStringFunc(rt.Path, func(p string) string {
			switch p {
			case ":sku":
				return "BOLT-1"
			case ":code":
				return "express"
			case ":country":
				return "DE"
			case ":role":
				return "sales_rep"
			}
			return company.ID.String()
		})
		for role, token := range tokens {
			t.Run(fmt.Sprintf("%s %s as %s", rt.Method, rt.Path, role), func(t *testing.T) {
				e.as(token, rt.Method, path, map[string]any{}).requireError(t, http.StatusForbidden, "forbidden", "")
			})
		}
		t.Run(fmt.Sprintf("%s %s without a token", rt.Method, rt.Path), func(t *testing.T) {
			e.as("", rt.Method, path, map[string]any{}).requireError(t, http.StatusUnauthorized, "unauthorized", "")
		})
	}
	require.Equal(t, 70, routes, "every admin route is checked (the order and ERP routes of api.orderOpsRoutes and api.erpOpsRoutes too)")
	var after admin.Company
	e.do("GET", "/v1/admin/companies/"+company.ID.String(), nil).requireStatus(t, http.StatusOK, &after)
	require.Equal(t, company, after, "nothing was changed by the refused calls")
}

func TestAdminCreateCompanyIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	body := map[string]any{"name": "Once GmbH", "currency": "EUR", "credit_limit": 1000}
	var first, second admin.Company
	e.do("POST", "/v1/admin/companies", body, "Idempotency-Key", "create-once").requireStatus(t, http.StatusCreated, &first)
	res := e.do("POST", "/v1/admin/companies", body, "Idempotency-Key", "create-once")
	res.requireStatus(t, http.StatusCreated, &second)
	require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first, second)

	var page admin.CompanyPage
	e.do("GET", "/v1/admin/companies", nil).requireStatus(t, http.StatusOK, &page)
	require.Equal(t, []admin.Company{first}, page.Companies)

	body["name"] = "Twice GmbH"
	e.do("POST", "/v1/admin/companies", body, "Idempotency-Key", "create-once").
		requireError(t, http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key")
}

// TestAdminPriceListPricesCarts shows that what ops set is what a buyer's cart
// is priced with.
func TestAdminPriceListPricesCarts(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	e.putProduct("BOLT-1", map[string]int64{"EUR": 100}, 1000)
	buyerID, buyerToken := e.employeeToken(company.ID, commerce.RoleBuyer)
	cart := testenv.NewCart(t, e.pool, testenv.Buyer{ID: buyerID, CompanyID: company.ID}, "EUR", map[string]int32{"BOLT-1": 10})

	var list admin.PriceList
	e.do("POST", "/v1/admin/price-lists", map[string]any{"name": "Acme", "company_id": company.ID.String(), "currency": "EUR",
		"tiers": []map[string]any{{"sku": "BOLT-1", "min_quantity": 10, "unit_price": 70}}}).requireStatus(t, http.StatusCreated, &list)

	var view api.Cart
	e.as(buyerToken, "GET", "/v1/carts/"+cart.String(), nil).decode(t, &view)
	require.Len(t, view.Lines, 1)
	require.EqualValues(t, 70, view.Lines[0].UnitPrice.Amount)
	require.Equal(t, list.ID.String(), view.Lines[0].PriceSource.PriceListID)
}
