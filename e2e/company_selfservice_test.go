package e2e_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/testenv"
)

// TestCompanyRunsItsOwnSecurity is a company admin's self-service end to end,
// on two API servers sharing one database: the stack's, and `orderflow serve`
// started as a process of its own. The admin adds an employee and a token; the
// employee orders; the admin changes their role and then revokes the token on
// one server, and the other refuses it within seconds (it caches principals,
// and Postgres tells it). A token with an expiry stops at it; the last admin
// stays; another company's admin finds nothing of it.
func TestCompanyRunsItsOwnSecurity(t *testing.T) {
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 30 * time.Second})
	serve := startAPIProcess(t, s)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	other := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	sku := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	companyAdmin := testenv.NewEmployee(t, s.Pool, company, "company_admin")
	otherAdmin := testenv.NewEmployee(t, s.Pool, other, "company_admin")
	adminOn := map[string]buyerClient{
		"stack": newBuyerClient(t, s, companyAdmin),
		"serve": {t: t, base: serve, token: companyAdmin.Token},
	}
	stranger := newBuyerClient(t, s, otherAdmin)

	// The admin adds an employee and gives them a token, on the serve process.
	res := adminOn["serve"].do("POST", "/v1/company/employees", map[string]any{"email": uniqueName("ana-") + "@acme.test", "name": "Ana", "role": "buyer"})
	require.Equal(t, http.StatusCreated, res.Status, "body: %s", res.Body)
	var ana admin.Employee
	res.decode(t, &ana)
	require.Equal(t, company.ID, ana.CompanyID)
	res = adminOn["serve"].do("POST", "/v1/company/employees/"+ana.ID.String()+"/tokens", map[string]any{"label": "storefront"})
	require.Equal(t, http.StatusCreated, res.Status, "body: %s", res.Body)
	var tok admin.IssuedToken
	res.decode(t, &tok)
	anaOn := map[string]buyerClient{
		"stack": {t: t, base: s.API.URL, token: tok.Token},
		"serve": {t: t, base: serve, token: tok.Token},
	}

	// Ana orders through the stack's server, and reads her orders on both.
	order := anaOn["stack"].placeOrder(anaOn["stack"].createCart(sku, 2))
	for name, c := range anaOn {
		res = c.do("GET", "/v1/orders/"+order.ID.String(), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", name, res.Body)
		c.do("GET", "/v1/approvals", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	}

	// Another company's admin finds neither Ana nor her token.
	stranger.do("PATCH", "/v1/company/employees/"+ana.ID.String(), map[string]any{"role": "company_admin"}).
		requireError(t, http.StatusNotFound, "not_found", "")
	stranger.do("POST", "/v1/company/employees/"+ana.ID.String()+"/tokens", nil).requireError(t, http.StatusNotFound, "not_found", "")
	stranger.do("POST", "/v1/company/employees/"+ana.ID.String()+"/deactivate", nil).requireError(t, http.StatusNotFound, "not_found", "")
	stranger.do("DELETE", "/v1/company/tokens/"+tok.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	res = stranger.do("GET", "/v1/company/employees", nil)
	require.NotContains(t, string(res.Body), ana.ID.String())
	res = stranger.do("GET", "/v1/company/tokens", nil)
	require.NotContains(t, string(res.Body), tok.ID.String())

	// A new role, set on the stack's server: both servers honour it within seconds.
	res = adminOn["stack"].do("PATCH", "/v1/company/employees/"+ana.ID.String(), map[string]any{"role": "approver"})
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	for name, c := range anaOn {
		awaitAnswer(t, name, c, "GET", "/v1/approvals", http.StatusOK, "")
	}

	// Revoked on the serve process: refused by the stack's server, which had
	// it cached, within seconds; and by the serve process itself.
	anaOn["stack"].do("GET", "/v1/products", nil)
	res = adminOn["serve"].do("DELETE", "/v1/company/tokens/"+tok.ID.String(), nil)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	for name, c := range anaOn {
		awaitAnswer(t, name, c, "GET", "/v1/products", http.StatusUnauthorized, "token_revoked")
	}
	res = adminOn["stack"].do("GET", "/v1/company/tokens", nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.NotContains(t, string(res.Body), tok.Token, "lists never show a token")
	var tokens admin.TokenPage
	res.decode(t, &tokens)
	var listed *admin.Token
	for i := range tokens.Tokens {
		if tokens.Tokens[i].ID == tok.ID {
			listed = &tokens.Tokens[i]
		}
	}
	require.NotNil(t, listed)
	require.Equal(t, "revoked", listed.Status)

	// A token with an expiry works until it, then stops on every server.
	expires := time.Now().Add(5 * time.Second).UTC().Truncate(time.Second)
	res = adminOn["stack"].do("POST", "/v1/company/employees/"+ana.ID.String()+"/tokens", map[string]any{"expires_at": expires.Format(time.RFC3339)})
	require.Equal(t, http.StatusCreated, res.Status, "body: %s", res.Body)
	res.decode(t, &tok)
	for name, base := range map[string]string{"stack": s.API.URL, "serve": serve} {
		c := buyerClient{t: t, base: base, token: tok.Token}
		res = c.do("GET", "/v1/products", nil)
		if time.Now().Before(expires) {
			require.Equal(t, http.StatusOK, res.Status, "%s before the expiry: %s", name, res.Body)
		}
		awaitAnswer(t, name, c, "GET", "/v1/products", http.StatusUnauthorized, "token_expired")
		require.False(t, time.Now().Before(expires), "%s refused the token before its expiry", name)
	}

	// Deactivated on one server: every token of Ana's stops on both.
	res = adminOn["stack"].do("POST", "/v1/company/employees/"+ana.ID.String()+"/tokens", nil)
	require.Equal(t, http.StatusCreated, res.Status, "body: %s", res.Body)
	res.decode(t, &tok)
	for name, base := range map[string]string{"stack": s.API.URL, "serve": serve} {
		awaitAnswer(t, name, buyerClient{t: t, base: base, token: tok.Token}, "GET", "/v1/products", http.StatusOK, "")
	}
	res = adminOn["serve"].do("POST", "/v1/company/employees/"+ana.ID.String()+"/deactivate", nil)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	for name, base := range map[string]string{"stack": s.API.URL, "serve": serve} {
		awaitAnswer(t, name, buyerClient{t: t, base: base, token: tok.Token}, "GET", "/v1/products", http.StatusUnauthorized, "account_deactivated")
	}

	// The company's last admin can neither step down nor be deactivated.
	self := "/v1/company/employees/" + companyAdmin.ID.String()
	e := adminOn["serve"].do("PATCH", self, map[string]any{"role": "buyer"}).requireError(t, http.StatusConflict, "last_company_admin", "")
	require.Contains(t, e.Message, "at least one active company_admin")
	adminOn["stack"].do("POST", self+"/deactivate", nil).requireError(t, http.StatusConflict, "last_company_admin", "")
	adminOn["stack"].do("GET", "/v1/company/employees", nil)
}

// TestRefusalFiguresAreForApproversAndAdmins: a checkout refused for credit
// or a spending limit tells the buyer why without the company's figures;
// the company's approvers and admins (and ops) read them in details.
func TestRefusalFiguresAreForApproversAndAdmins(t *testing.T) {
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 30 * time.Second})
	sku := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 100)
	ops := testenv.NewStaff(t, s.Pool, "ops")
	opsClient := buyerClient{t: t, base: s.API.URL, token: ops.Token}

	t.Run("credit", func(t *testing.T) {
		company := testenv.NewCompany(t, s.Pool, "EUR", 15_00)
		buyer := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
		approver := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "approver"))
		companyAdmin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "company_admin"))

		cart := buyer.createCart(sku, 2)
		e := buyer.checkout(cart).requireError(t, http.StatusPaymentRequired, "credit_limit_exceeded", "")
		requireNoFigures(t, e, "15.00", "EUR 15")
		for name, c := range map[string]buyerClient{"buyer": buyer, "approver": approver, "company_admin": companyAdmin, "ops": opsClient} {
			status := c.checkoutStatus(cart)
			require.Equal(t, "failed", status.Status, name)
			require.Equal(t, "credit_limit_exceeded", status.Failure.Code, name)
			require.Equal(t, e.Message, status.Failure.Message, name)
			if name == "buyer" {
				require.Nil(t, status.Failure.Details, "the buyer is not shown the company's credit")
				require.Nil(t, buyer.getCart(cart).Checkout.Failure.Details)
				continue
			}
			d := status.Failure.Details
			require.NotNil(t, d, name)
			require.EqualValues(t, 15_00, *d.CreditLimit, name)
			require.EqualValues(t, 15_00, *d.CreditAvailable, name)
			require.EqualValues(t, 0, *d.CreditUsed, name)
			require.EqualValues(t, 20_00, d.OrderTotal, name)
			require.Contains(t, d.Message, "EUR 15.00", name)
		}

		// The approver's own refused checkout answers with the figures at once.
		own := approver.createCart(sku, 2)
		e = approver.checkout(own).requireError(t, http.StatusPaymentRequired, "credit_limit_exceeded", "")
		require.NotNil(t, e.Details)
		require.EqualValues(t, 15_00, *e.Details.CreditLimit)
	})

	t.Run("spending limit", func(t *testing.T) {
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		buyer := testenv.NewBuyer(t, s.Pool, company)
		colleague := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company))
		companyAdmin := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "company_admin"))
		testenv.SetSpendingLimit(t, s.Pool, company, uuid.Nil, "month", 35_00)
		colleague.placeOrder(colleague.createCart(sku, 2)) // 20.00 of the company's 35.00 spent

		c := newBuyerClient(t, s, buyer)
		cart := c.createCart(sku, 2)
		e := c.checkout(cart).requireError(t, http.StatusUnprocessableEntity, "spending_limit_exceeded", "")
		require.Contains(t, e.Message, "the company's monthly spending limit")
		requireNoFigures(t, e, "35.00", "20.00", "EUR")
		require.Nil(t, c.checkoutStatus(cart).Failure.Details)

		d := companyAdmin.checkoutStatus(cart).Failure.Details
		require.NotNil(t, d)
		require.Len(t, d.SpendingLimits, 1)
		require.EqualValues(t, 35_00, d.SpendingLimits[0].Limit.Amount)
		require.EqualValues(t, 20_00, d.SpendingLimits[0].Spent)
		require.EqualValues(t, 5_00, d.SpendingLimits[0].Over)
		require.Contains(t, d.Message, "already spent EUR 20.00")
	})
}

// requireNoFigures checks a buyer's refusal: no details, and none of the
// company's figures in the message.
func requireNoFigures(t *testing.T, e api.Error, figures ...string) {
	t.Helper()
	require.Nil(t, e.Details, "a buyer's refusal has no details")
	for _, f := range figures {
		require.NotContains(t, e.Message, f, "a buyer's refusal names no figure of the company's")
	}
}

// awaitAnswer polls until the call answers status (and code, when given), and
// fails after a deadline well under the principal cache's 30 s lifetime: only
// the server's Postgres listener makes a change arrive sooner.
func awaitAnswer(t *testing.T, server string, c buyerClient, method, path string, status int, code string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := c.send(method, path, nil)
		require.NoError(t, err)
		if res.Status == status && (code == "" || strings.Contains(string(res.Body), `"code":"`+code+`"`)) {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s: %s %s still answers %d %s, not %d %s", server, method, path, res.Status, res.Body, status, code)
		time.Sleep(50 * time.Millisecond)
	}
}

// startAPIProcess runs `orderflow serve` for the stack, as a process of its
// own on a free port, and answers its base URL once it is healthy. It is
// killed at the test's end.
func startAPIProcess(t *testing.T, s *testenv.Stack) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	cmd := exec.Command(testenv.OrderflowBinary(t), "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TEMPORAL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DATABASE_URL="+s.DatabaseURL, "TEMPORAL_ADDRESS="+s.TemporalAddress, "TEMPORAL_NAMESPACE="+s.Namespace,
		"HTTP_ADDR="+addr, "WEBHOOK_SECRET_KEY=a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=", "LOG_LEVEL=warn")
	out := processLog{t: t, name: "serve"}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = killedWithParent()
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() //nolint:errcheck // killed at the end
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() //nolint:errcheck // may have exited
		<-exited
	})

	base := "http://" + addr
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		res, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("orderflow serve exited before it was healthy")
		default:
		}
		require.True(t, time.Now().Before(deadline), "orderflow serve not healthy at %s: %v", base, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDeskRefusesTokensThatNoLongerWork: the sales desk signs nobody in with
// a revoked or expired token or one of a deactivated employee, and a session
// ends when its employee is deactivated.
func TestDeskRefusesTokensThatNoLongerWork(t *testing.T) {
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	ctx := context.Background()
	for name, change := range map[string]string{
		"revoked":     "UPDATE api_tokens SET revoked_at = now() WHERE customer_id = $1",
		"expired":     "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE customer_id = $1",
		"deactivated": "UPDATE customers SET deactivated_at = now() WHERE id = $1",
	} {
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		desk := newDeskClient(t, s)
		status, loc, body := desk.post("/desk/sign-in", url.Values{"token": {approver.Token}})
		require.Equal(t, http.StatusSeeOther, status, "%s: %s", name, body)
		require.Equal(t, "/desk/", loc)
		status, _, _ = desk.get("/desk/approvals")
		require.Equal(t, http.StatusOK, status, name)

		_, err := s.Pool.Exec(ctx, change, approver.ID)
		require.NoError(t, err)
		status, loc, _ = desk.get("/desk/approvals")
		require.Equal(t, http.StatusSeeOther, status, "%s: the session ended", name)
		require.Equal(t, "/desk/sign-in", loc, name)
		status, _, body = newDeskClient(t, s).post("/desk/sign-in", url.Values{"token": {approver.Token}})
		require.Equal(t, http.StatusUnauthorized, status, "%s: %s", name, body)
	}
}
