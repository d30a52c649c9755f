package admin_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
)

// TestCompanyAdminManagesOwnPeopleAndTokens is a company admin's
// self-service under /v1/company: employees, roles and tokens of their own
// company, nothing of another's, and never the company's last admin.
func TestCompanyAdminManagesOwnPeopleAndTokens(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	acme, globex := e.createCompany("EUR"), e.createCompany("EUR")
	adminID, acmeAdmin := e.employeeToken(acme.ID, commerce.RoleCompanyAdmin)
	_, globexAdmin := e.employeeToken(globex.ID, commerce.RoleCompanyAdmin)

	// An employee of the admin's own company, whatever company the body names.
	var ana admin.Employee
	e.as(acmeAdmin, "POST", "/v1/company/employees", map[string]any{"email": "ana@acme.test", "name": "Ana", "role": "buyer"}).
		requireStatus(t, http.StatusCreated, &ana)
	require.Equal(t, acme.ID, ana.CompanyID)
	require.Nil(t, ana.DeactivatedAt)
	for _, role := range []string{"ops", "sales_rep", "sales_manager", "owner"} {
		e.as(acmeAdmin, "POST", "/v1/company/employees", map[string]any{"email": "x@acme.test", "name": "X", "role": role}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
		e.as(acmeAdmin, "PATCH", "/v1/company/employees/"+ana.ID.String(), map[string]any{"role": role}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "role")
	}

	var page admin.EmployeePage
	e.as(acmeAdmin, "GET", "/v1/company/employees", nil).requireStatus(t, http.StatusOK, &page)
	require.Len(t, page.Employees, 2)
	require.Equal(t, adminID, page.Employees[0].ID)
	require.Equal(t, ana, page.Employees[1])
	e.as(globexAdmin, "GET", "/v1/company/employees", nil).requireStatus(t, http.StatusOK, &page)
	require.Len(t, page.Employees, 1, "another company's admin sees only their own")

	// A token, shown once, with an expiry; it works at once as Ana.
	expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	var tok admin.IssuedToken
	res := e.as(acmeAdmin, "POST", "/v1/company/employees/"+ana.ID.String()+"/tokens",
		map[string]any{"label": "storefront", "expires_at": expires.Format(time.RFC3339)})
	res.requireStatus(t, http.StatusCreated, &tok)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	require.True(t, expires.Equal(*tok.ExpiresAt))
	e.as(tok.Token, "GET", "/v1/company/employees", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	for _, bad := range []string{"tomorrow", "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "2027-01-01"} {
		e.as(acmeAdmin, "POST", "/v1/company/employees/"+ana.ID.String()+"/tokens", map[string]any{"expires_at": bad}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "expires_at")
	}

	// Listed without its secret.
	var tokens admin.TokenPage
	res = e.as(acmeAdmin, "GET", "/v1/company/tokens", nil)
	res.requireStatus(t, http.StatusOK, &tokens)
	require.NotContains(t, string(res.Body), tok.Token)
	require.Len(t, tokens.Tokens, 2, "the admin's own and Ana's")
	require.Equal(t, tok.ID, tokens.Tokens[1].ID)
	require.Equal(t, ana.ID, *tokens.Tokens[1].EmployeeID)
	require.Equal(t, "active", tokens.Tokens[1].Status)
	require.Equal(t, "storefront", tokens.Tokens[1].Label)
	e.as(globexAdmin, "GET", "/v1/company/tokens", nil).requireStatus(t, http.StatusOK, &tokens)
	require.Len(t, tokens.Tokens, 1)

	// Another company's admin finds none of it.
	annaPath := "/v1/company/employees/" + ana.ID.String()
	e.as(globexAdmin, "PATCH", annaPath, map[string]any{"role": "approver"}).requireError(t, http.StatusNotFound, "not_found", "")
	e.as(globexAdmin, "POST", annaPath+"/deactivate", nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.as(globexAdmin, "POST", annaPath+"/tokens", nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.as(globexAdmin, "DELETE", "/v1/company/tokens/"+tok.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)

	// A new role, at once.
	var ana2 admin.Employee
	e.as(acmeAdmin, "PATCH", annaPath, map[string]any{"role": "approver"}).requireStatus(t, http.StatusOK, &ana2)
	require.Equal(t, "approver", ana2.Role)
	e.as(tok.Token, "GET", "/v1/approvals", nil).requireStatus(t, http.StatusOK, nil)

	// Revoked: refused with its own code, on the next request. Twice is once.
	var revoked admin.Token
	e.as(acmeAdmin, "DELETE", "/v1/company/tokens/"+tok.ID.String(), nil).requireStatus(t, http.StatusOK, &revoked)
	require.Equal(t, "revoked", revoked.Status)
	e.as(tok.Token, "GET", "/v1/products", nil).requireError(t, http.StatusUnauthorized, "token_revoked", "")
	var again admin.Token
	e.as(acmeAdmin, "DELETE", "/v1/company/tokens/"+tok.ID.String(), nil).requireStatus(t, http.StatusOK, &again)
	require.Equal(t, revoked, again)
	e.as(acmeAdmin, "DELETE", "/v1/company/tokens/"+uuid.NewString(), nil).requireError(t, http.StatusNotFound, "not_found", "")

	// Deactivated: every token of theirs stops; no new one.
	e.as(acmeAdmin, "POST", annaPath+"/tokens", nil).requireStatus(t, http.StatusCreated, &tok)
	var gone admin.Employee
	e.as(acmeAdmin, "POST", annaPath+"/deactivate", nil).requireStatus(t, http.StatusOK, &gone)
	require.NotNil(t, gone.DeactivatedAt)
	e.as(tok.Token, "GET", "/v1/products", nil).requireError(t, http.StatusUnauthorized, "account_deactivated", "")
	e.as(acmeAdmin, "POST", annaPath+"/tokens", nil).requireError(t, http.StatusConflict, "employee_deactivated", "")

	// The last admin stays: neither demoted nor deactivated, not even by ops.
	self := "/v1/company/employees/" + adminID.String()
	e.as(acmeAdmin, "PATCH", self, map[string]any{"role": "buyer"}).requireError(t, http.StatusConflict, "last_company_admin", "")
	e.as(acmeAdmin, "POST", self+"/deactivate", nil).requireError(t, http.StatusConflict, "last_company_admin", "")
	e.do("PATCH", "/v1/admin/employees/"+adminID.String(), map[string]any{"role": "approver"}).
		requireError(t, http.StatusConflict, "last_company_admin", "")
	e.as(acmeAdmin, "PATCH", self, map[string]any{"name": "Still admin"}).requireStatus(t, http.StatusOK, nil)
	// A deactivated admin is no admin: promoting Ana back does not count.
	e.as(acmeAdmin, "PATCH", annaPath, map[string]any{"role": "company_admin"}).requireStatus(t, http.StatusOK, nil)
	e.as(acmeAdmin, "PATCH", self, map[string]any{"role": "buyer"}).requireError(t, http.StatusConflict, "last_company_admin", "")
	// With a second active admin, the first may step down, and loses the routes at once.
	var bo admin.Employee
	e.as(acmeAdmin, "POST", "/v1/company/employees", map[string]any{"email": "bo@acme.test", "name": "Bo", "role": "company_admin"}).
		requireStatus(t, http.StatusCreated, &bo)
	e.as(acmeAdmin, "PATCH", self, map[string]any{"role": "buyer"}).requireStatus(t, http.StatusOK, nil)
	e.as(acmeAdmin, "GET", "/v1/company/employees", nil).requireError(t, http.StatusForbidden, "forbidden", "")

	// Ops see and revoke any company's tokens, through the same handlers.
	e.do("GET", "/v1/admin/companies/"+acme.ID.String()+"/tokens", nil).requireStatus(t, http.StatusOK, &tokens)
	require.Len(t, tokens.Tokens, 3)
	e.do("DELETE", "/v1/admin/tokens/"+tokens.Tokens[0].ID.String(), nil).requireStatus(t, http.StatusOK, &revoked)
	require.Equal(t, "revoked", revoked.Status)
	e.as(acmeAdmin, "GET", "/v1/products", nil).requireError(t, http.StatusUnauthorized, "token_revoked", "")
	e.do("GET", "/v1/admin/companies/"+uuid.NewString()+"/tokens", nil).requireError(t, http.StatusNotFound, "not_found", "")

	// Ops revoke a staff member's token too; a company admin cannot.
	rep := e.staffToken(commerce.RoleSalesRep)
	var repTokenID uuid.UUID
	require.NoError(t, e.pool.QueryRow(context.Background(),
		"SELECT id FROM api_tokens WHERE token_hash = $1", apitoken.Hash(rep)).Scan(&repTokenID))
	_, boToken := e.employeeToken(acme.ID, commerce.RoleCompanyAdmin)
	e.as(boToken, "DELETE", "/v1/company/tokens/"+repTokenID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	e.as(rep, "GET", "/v1/sales/quotes", nil).requireStatus(t, http.StatusOK, nil)
	e.do("DELETE", "/v1/admin/tokens/"+repTokenID.String(), nil).requireStatus(t, http.StatusOK, &revoked)
	require.NotNil(t, revoked.StaffID)
	require.Nil(t, revoked.EmployeeID)
	e.as(rep, "GET", "/v1/sales/quotes", nil).requireError(t, http.StatusUnauthorized, "token_revoked", "")
}

// TestTokenExpiryIsEnforcedOnEveryRequest: a token past its expires_at is
// refused with token_expired, and lists say so.
func TestTokenExpiryIsEnforcedOnEveryRequest(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	_, companyAdmin := e.employeeToken(company.ID, commerce.RoleCompanyAdmin)
	var ana admin.Employee
	e.as(companyAdmin, "POST", "/v1/company/employees", map[string]any{"email": "ana@exp.test", "name": "Ana", "role": "buyer"}).
		requireStatus(t, http.StatusCreated, &ana)
	var tok admin.IssuedToken
	e.as(companyAdmin, "POST", "/v1/company/employees/"+ana.ID.String()+"/tokens",
		map[string]any{"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}).requireStatus(t, http.StatusCreated, &tok)
	e.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)

	// The hour passes (the clock is Postgres's and ours; move the expiry instead).
	_, err := e.pool.Exec(context.Background(), "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", tok.ID)
	require.NoError(t, err)
	e.as(tok.Token, "GET", "/v1/products", nil).requireError(t, http.StatusUnauthorized, "token_expired", "")
	var tokens admin.TokenPage
	e.as(companyAdmin, "GET", "/v1/company/tokens", nil).requireStatus(t, http.StatusOK, &tokens)
	require.Equal(t, "expired", tokens.Tokens[1].Status)
}

// TestLastAdminSurvivesConcurrentDemotions: two admins demoted at once leave
// one: the company's admins are locked before either change is decided.
func TestLastAdminSurvivesConcurrentDemotions(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	company := e.createCompany("EUR")
	for round := range 5 {
		a, _ := e.employeeToken(company.ID, commerce.RoleCompanyAdmin)
		b, _ := e.employeeToken(company.ID, commerce.RoleCompanyAdmin)
		if round > 0 {
			// Only a and b are active admins this round.
			_, err := e.pool.Exec(context.Background(),
				"UPDATE customers SET role = 'buyer' WHERE company_id = $1 AND role = 'company_admin' AND id NOT IN ($2, $3)", company.ID, a, b)
			require.NoError(t, err)
		}
		// One is demoted while the other is deactivated.
		calls := []struct {
			method, path string
			body         any
		}{
			{"PATCH", "/v1/admin/employees/" + a.String(), map[string]any{"role": "buyer"}},
			{"POST", "/v1/admin/employees/" + b.String() + "/deactivate", nil},
		}
		statuses := make([]int, len(calls))
		var wg sync.WaitGroup
		for i, call := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do(call.method, call.path, call.body).Status
			}()
		}
		wg.Wait()
		require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses, "round %d", round)
		var admins int
		require.NoError(t, e.pool.QueryRow(context.Background(),
			"SELECT count(*) FROM customers WHERE company_id = $1 AND role = 'company_admin' AND deactivated_at IS NULL", company.ID).Scan(&admins))
		require.Equal(t, 1, admins, "round %d", round)
	}
}

// TestRevocationReachesEveryServer runs two API servers on one database, as
// two processes behind a load balancer would be, each caching principals
// while it listens to Postgres. A token revoked, an employee deactivated or
// given a new role on one is refused (or allowed) by the other within
// seconds; a server whose listener is cut drops its cache and asks Postgres
// until it listens again.
func TestRevocationReachesEveryServer(t *testing.T) {
	t.Parallel()
	one := newAdminEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	server := api.NewServer(one.pool, nil, log, api.Options{})
	go server.WatchPrincipals(ctx)
	two := &adminEnv{t: t, pool: one.pool, handler: server.Handler(admin.Routes, admin.CompanyRoutes), ops: one.ops}

	company := one.createCompany("EUR")
	_, companyAdmin := one.employeeToken(company.ID, commerce.RoleCompanyAdmin)
	newEmployee := func(role string) (admin.Employee, admin.IssuedToken) {
		t.Helper()
		var emp admin.Employee
		one.as(companyAdmin, "POST", "/v1/company/employees",
			map[string]any{"email": uuid.NewString()[:8] + "@two.test", "name": "Emp", "role": role}).requireStatus(t, http.StatusCreated, &emp)
		var tok admin.IssuedToken
		one.as(companyAdmin, "POST", "/v1/company/employees/"+emp.ID.String()+"/tokens", nil).requireStatus(t, http.StatusCreated, &tok)
		return emp, tok
	}
	// silentlyRevoke revokes a token with the triggers off (no notification),
	// which only a cached principal survives: it tells whether server two
	// caches.
	silentlyRevoke := func(id uuid.UUID) {
		t.Helper()
		tx, err := one.pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck // committed below
		_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = now() WHERE id = $1", id)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
	}
	// requireCaching waits until server two caches (its listener is up).
	requireCaching := func() {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, tok := newEmployee("buyer")
			two.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)
			silentlyRevoke(tok.ID)
			if two.as(tok.Token, "GET", "/v1/products", nil).Status == http.StatusOK {
				return
			}
			require.True(t, time.Now().Before(deadline), "server two never cached a principal")
			time.Sleep(50 * time.Millisecond)
		}
	}
	// eventually polls server two until the token gets status, with a
	// deadline well under the cache's 30 s TTL, so only a notification can
	// make it.
	eventually := func(token, method, path string, status int, code string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			res := two.as(token, method, path, nil)
			if res.Status == status && (code == "" || strings.Contains(string(res.Body), `"code":"`+code+`"`)) {
				return
			}
			require.True(t, time.Now().Before(deadline), "server two still answers %d %s, not %d %s", res.Status, res.Body, status, code)
			time.Sleep(20 * time.Millisecond)
		}
	}
	requireCaching()

	// Revoked on one, refused by two.
	_, tok := newEmployee("buyer")
	two.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)
	one.as(companyAdmin, "DELETE", "/v1/company/tokens/"+tok.ID.String(), nil).requireStatus(t, http.StatusOK, nil)
	eventually(tok.Token, "GET", "/v1/products", http.StatusUnauthorized, "token_revoked")

	// Deactivated on one, refused by two.
	emp, tok := newEmployee("buyer")
	two.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)
	one.as(companyAdmin, "POST", "/v1/company/employees/"+emp.ID.String()+"/deactivate", nil).requireStatus(t, http.StatusOK, nil)
	eventually(tok.Token, "GET", "/v1/products", http.StatusUnauthorized, "account_deactivated")

	// A new role on one, honoured by two.
	emp, tok = newEmployee("buyer")
	two.as(tok.Token, "GET", "/v1/approvals", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	one.as(companyAdmin, "PATCH", "/v1/company/employees/"+emp.ID.String(), map[string]any{"role": "approver"}).requireStatus(t, http.StatusOK, nil)
	eventually(tok.Token, "GET", "/v1/approvals", http.StatusOK, "")

	// The listener's connection is cut: server two drops its cache at once
	// (a change it could not hear is not served from it), then listens again.
	_, tok = newEmployee("buyer")
	two.as(tok.Token, "GET", "/v1/products", nil).requireStatus(t, http.StatusOK, nil)
	var cut int
	require.NoError(t, one.pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN orderflow_principals'`).Scan(&cut))
	require.Equal(t, 1, cut, "server two listens on one connection of its own")
	silentlyRevoke(tok.ID)
	eventually(tok.Token, "GET", "/v1/products", http.StatusUnauthorized, "token_revoked")
	requireCaching()
}
