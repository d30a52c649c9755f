package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/testenv"
)

// TestDeskQuoteNegotiation clicks a quote through the sales desk in a real
// browser: a rep signs in, claims a requested quote, drafts a revision over
// their authority and sends it; a sales manager, in a browser context of
// their own, approves the discount; the buyer accepts through the API; the
// rep sees the quote ordered. Postgres agrees at each step.
func TestDeskQuoteNegotiation(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	ctx := context.Background()
	browser := newBrowser(t)
	requested := w.requestQuote(t, w.buyer, map[string]any{"message": "volume price for 100?",
		"lines": []map[string]any{{"sku": w.sku, "quantity": 100}}}, "Idempotency-Key", "desk-negotiation")
	id := requested.ID
	quotePath := "/desk/quotes/" + id.String()

	rep := newDeskUser(t, browser, w.s)
	rep.signIn(w.rep.token)
	rep.awaitText("h1", "Quotes")
	require.Contains(t, rep.text("#status"), "requested (1)", "the inbox counts the quote")
	rep.screenshot("inbox")
	rep.run(chromedp.Click(chromedp.CSS(`a[href="` + quotePath + `"]`)))
	rep.awaitText("#quote-status", "requested")
	rep.act("#claim", "The quote is yours.")
	var assignee uuid.NullUUID
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT assignee_id FROM quotes WHERE id = $1`, id).Scan(&assignee))
	require.Equal(t, uuid.NullUUID{UUID: w.repID, Valid: true}, assignee, "the claim is recorded")

	// 8.00 against a list price of 10.00: 20 % off, over a rep's 10 %. The
	// preview says so as the rep types, before anything is saved.
	rep.awaitText("#preview-decision", "Within your authority")
	require.Contains(t, rep.text("#preview"), "40 %", "the margin at the list price (cost 6.00)")
	before := quoteRows(t, w.s.Pool, id)
	rep.run(chromedp.SendKeys(chromedp.CSS("#price-0"), "8.00"))
	rep.awaitText("#preview-decision", "Needs a sales manager's approval")
	require.Contains(t, rep.text("#preview-reasons"), "20.00 % off the list price, above the sales rep's 10.00 %")
	require.Contains(t, rep.text("#preview"), "25 %", "the margin at 8.00")
	require.Contains(t, rep.text("#preview-total"), "EUR 800.00")
	rep.screenshot("quote-preview")
	require.Equal(t, before, quoteRows(t, w.s.Pool, id), "a preview writes nothing")
	require.Zero(t, before.revisions)

	// A draft the API refuses (90 % off: beyond even a manager's 25 %) comes
	// back with the refusal and everything typed still in the form.
	rep.act("#save-draft", "beyond_authority", "#price-0", "1.00", "#shipping", "15.00", "#note", "for the spring order")
	require.Contains(t, rep.text("#flash"), "beyond even a sales manager's")
	require.Equal(t, "1.00", rep.value("#price-0"))
	require.Equal(t, "15.00", rep.value("#shipping"))
	require.Equal(t, "for the spring order", rep.value("#note"))
	require.Equal(t, "100", rep.value("#qty-0"))
	rep.act("#save-draft", "unit_price must be an amount such as 9.20", "#price-0", "8,00")
	require.Equal(t, "8,00", rep.value("#price-0"), "an amount the desk cannot read stays as typed too")
	require.Equal(t, "for the spring order", rep.value("#note"))
	require.Zero(t, quoteRows(t, w.s.Pool, id).revisions, "a refused draft saves nothing")

	rep.act("#save-draft", "Draft saved.", "#price-0", "8.00", "#shipping", "15.00", "#note", "for the spring order")
	require.Contains(t, rep.text("#revision-1"), "over the author's authority")
	rep.screenshot("quote")
	rep.act("#send", "Revision sent.")
	rep.awaitText("#quote-status", "awaiting_manager")

	manager := newDeskUser(t, browser, w.s)
	manager.signIn(w.manager.token)
	manager.visit("/desk/discounts")
	manager.awaitText("h1", "Discount approvals (1)")
	manager.screenshot("discounts")
	manager.run(chromedp.Click(chromedp.CSS(`a[href="` + quotePath + `"]`)))
	manager.act("#approve-discount", "Discount approved.", "#approve-comment", "strategic account")
	manager.awaitText("#quote-status", "offered")
	var status, comment string
	var offered int32
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT q.status, q.offered_revision, r.decision_comment
		FROM quotes q JOIN quote_revisions r ON r.quote_id = q.id AND r.revision = 1 WHERE q.id = $1`, id).Scan(&status, &offered, &comment))
	require.Equal(t, "offered", status)
	require.Equal(t, int32(1), offered)
	require.Equal(t, "strategic account", comment)

	res := w.buyer.do("POST", "/v1/quotes/"+id.String()+"/accept", map[string]any{"revision": 1})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	deadline := time.Now().Add(30 * time.Second)
	for rep.visit(quotePath); rep.text("#quote-status") != "ordered"; rep.visit(quotePath) {
		require.True(t, time.Now().Before(deadline), "the rep never saw the quote ordered; it is %q", rep.text("#quote-status"))
		time.Sleep(250 * time.Millisecond)
	}
	var orderTotal int64
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT o.total FROM quotes q JOIN orders o ON o.id = q.order_id WHERE q.id = $1`, id).Scan(&orderTotal))
	require.Equal(t, int64(100*8_00+15_00), orderTotal, "the order has revision 1's prices and shipping")
	require.Contains(t, rep.text("#order-id"), "-")
}

// TestDeskManagerReassigns has a sales manager give a queued quote to a rep
// picked from the sales staff (GET /v1/sales/reps), without typing an ID.
func TestDeskManagerReassigns(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	ops := testenv.NewStaff(t, w.s.Pool, "ops")
	requested := w.requestQuote(t, w.buyer, map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 4}}}, "Idempotency-Key", "desk-reassign")
	manager := newDeskUser(t, newBrowser(t), w.s)
	manager.signIn(w.manager.token)
	manager.visit("/desk/quotes/" + requested.ID.String())
	manager.awaitText("#quote-status", "requested")
	ctx, cancel := context.WithTimeout(manager.ctx, 30*time.Second)
	defer cancel()
	choices, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#assign-to option")].map(o => o.value).filter(v => v)`))
	require.NoError(t, err)
	require.Len(t, choices, 3, "two sales reps and the manager")
	require.Contains(t, choices, w.repID.String())
	require.NotContains(t, choices, ops.ID.String(), "ops are not sales staff")

	manager.run(chromedp.SetValue(chromedp.CSS("#assign-to"), w.repID.String()))
	manager.act("#assign", "Quote reassigned.")
	var assignee uuid.NullUUID
	require.NoError(t, w.s.Pool.QueryRow(context.Background(), `SELECT assignee_id FROM quotes WHERE id = $1`, requested.ID).Scan(&assignee))
	require.Equal(t, uuid.NullUUID{UUID: w.repID, Valid: true}, assignee)
	selected, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#assign-to").value`))
	require.NoError(t, err)
	require.Equal(t, w.repID.String(), selected, "the form shows the assignee")
}

// quoteCounts are a quote's revisions and timeline events in Postgres.
type quoteCounts struct{ revisions, events int }

func quoteRows(t *testing.T, pool *pgxpool.Pool, id uuid.UUID) quoteCounts {
	t.Helper()
	var c quoteCounts
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM quote_revisions WHERE quote_id = $1), (SELECT count(*) FROM quote_events WHERE quote_id = $1)`, id).
		Scan(&c.revisions, &c.events))
	return c
}

// TestDeskOrderApproval has a buyer's approver approve an order waiting for
// them at the desk, with a double click that decides once.
func TestDeskOrderApproval(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})
	browser := newBrowser(t)
	company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00, ApproverMax: int64p(1_000_00)})
	b := newBuyerClient(t, s, testenv.NewEmployee(t, s.Pool, company, "buyer"))
	approver := testenv.NewEmployee(t, s.Pool, company, "approver")
	cartID := b.createCart(testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10), 2)
	b.startAwaitingApproval(cartID)

	u := newDeskUser(t, browser, s)
	u.signIn(approver.Token)
	u.awaitText("h1", "Orders to approve (1)")
	card := "#approval-" + cartID.String()
	require.Contains(t, u.text(card), "the order total EUR 120.00 is above EUR 100.00", "the reason it waits")
	require.Contains(t, u.text(card), "EUR 120.00")
	u.screenshot("approvals")
	u.run(chromedp.SetValue(chromedp.CSS("#approve-"+cartID.String()), "fine for the spring"),
		markOld(), chromedp.DoubleClick(chromedp.CSS(card+" button.approve")))
	u.awaitText("body:not([data-old]) #flash", "Order approved.")
	require.Contains(t, u.text("main"), "Nothing waits for you.")
	a := approvalRequest(t, s.Pool, cartID)
	require.Equal(t, "approved", a.Status)
	require.Equal(t, "fine for the spring", a.Comment)
	require.Equal(t, approver.ID, a.DecidedBy.UUID)
	b.awaitCheckoutStatus(cartID, "placed")
}

// TestDeskOpsRetriesStuckERPSync has ops find an order whose ERP push is
// stuck on the desk's list of stuck syncs (GET /v1/admin/orders?erp_sync=stuck),
// beside an order whose push went through and is not listed, and retry it
// from there once the ERP is back.
func TestDeskOpsRetriesStuckERPSync(t *testing.T) {
	t.Parallel()
	w := newERPWorldWithPolicy(t, erp.PushPolicy{RetryBudget: 3 * time.Second, MaxInterval: time.Second})
	ctx := context.Background()
	browser := newBrowser(t)
	w.setFaults(t, erpsandbox.Faults{OutageUntil: time.Now().Add(24 * time.Hour)})
	orderID := w.placeOrders(t, 1, 1)[0]
	pollUntil(t, time.Minute, func() (bool, string) {
		row := erpSyncs(t, w.s.Pool, []uuid.UUID{orderID})[orderID]
		return row.Status == erp.SyncStuck, "the push turned stuck: " + row.Status
	})
	w.setFaults(t, erpsandbox.Faults{})
	syncedID := w.placeOrders(t, 1, 1)[0]
	pollUntil(t, time.Minute, func() (bool, string) {
		row := erpSyncs(t, w.s.Pool, []uuid.UUID{syncedID})[syncedID]
		return row.Status == erp.SyncSynced, "the second push synced: " + row.Status
	})
	var lastError string
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT last_error FROM erp_syncs WHERE order_id = $1`, orderID).Scan(&lastError))
	require.NotEmpty(t, lastError)

	// The API's list: the stuck push only, with its attempts and error.
	staff := testenv.NewStaff(t, w.s.Pool, "ops")
	opsAPI := buyerClient{t: t, base: w.s.API.URL, token: staff.Token}
	stuck := opsOrders(t, opsAPI, "?erp_sync=stuck")
	require.Equal(t, []uuid.UUID{orderID}, orderIDs(stuck))
	require.NotNil(t, stuck.Orders[0].ERPSync)
	require.Equal(t, erp.SyncStuck, stuck.Orders[0].ERPSync.Status)
	require.Equal(t, 1, stuck.Orders[0].ERPSync.Attempts)
	require.Equal(t, lastError, stuck.Orders[0].ERPSync.LastError)
	require.Equal(t, []uuid.UUID{syncedID}, orderIDs(opsOrders(t, opsAPI, "?erp_sync=synced")))
	opsAPI.do("GET", "/v1/admin/orders?erp_sync=lost", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "erp_sync")

	ops := newDeskUser(t, browser, w.s)
	ops.signIn(staff.Token)
	ops.awaitText("h1", "Orders (2)")
	ops.screenshot("ops-orders")
	ops.run(chromedp.Click(chromedp.CSS(`a[href="/desk/ops/erp-syncs"]`)))
	ops.awaitText("h1", "Stuck ERP syncs (1)")
	row := "#stuck-" + orderID.String()
	require.Contains(t, ops.text(row), lastError, "the list shows the last error")
	require.Empty(t, ops.text("#stuck-"+syncedID.String()), "a synced push is not listed")
	require.Equal(t, "http://temporal-ui.test/namespaces/"+w.s.Namespace+"/workflows/erp-order%2F"+orderID.String(), ops.attr(row+` a[target="_blank"]`, "href"),
		"the push's workflow in the Temporal UI")
	ops.screenshot("ops-stuck")

	// The ERP is back (the second order went through): the retry pushes the
	// stuck order.
	ops.act("#retry-"+orderID.String(), "ERP push retried")
	require.Contains(t, ops.text("h1"), "Stuck ERP syncs", "back on the list after the retry")
	pollUntil(t, time.Minute, func() (bool, string) {
		row := erpSyncs(t, w.s.Pool, []uuid.UUID{orderID})[orderID]
		return row.Status == erp.SyncSynced && row.Attempts == 2, fmt.Sprintf("the retried push synced: %+v", row)
	})
	requireERPHasExactly(t, w.s, w.company, []uuid.UUID{orderID, syncedID})
	ops.visit("/desk/ops/erp-syncs")
	ops.awaitText("h1", "Stuck ERP syncs (0)")
	require.Contains(t, ops.text("main"), "No ERP push is stuck.")
	ops.visit("/desk/ops/orders/" + orderID.String())
	require.Contains(t, ops.text("#erp-sync"), "synced")
	require.NotEqual(t, "—", ops.text("#erp-number"), "the desk shows the ERP's number")
}

// deskClient is a plain HTTP client with cookies, for the desk's security
// checks (what a forged form or a stale cookie would send).
type deskClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newDeskClient(t *testing.T, s *testenv.Stack) *deskClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &deskClient{t: t, base: s.API.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get answers the status, the Location and the body.
func (c *deskClient) get(path string) (int, string, string) {
	c.t.Helper()
	res, err := c.http.Get(c.base + path)
	require.NoError(c.t, err)
	return read(c.t, res)
}

func (c *deskClient) post(path string, form url.Values) (int, string, string) {
	c.t.Helper()
	res, err := c.http.PostForm(c.base+path, form)
	require.NoError(c.t, err)
	return read(c.t, res)
}

func read(t *testing.T, res *http.Response) (int, string, string) {
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get("Location"), string(body)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn signs in and answers the session's CSRF token, read off a page.
func (c *deskClient) signIn(token, page string) string {
	c.t.Helper()
	status, loc, body := c.post("/desk/sign-in", url.Values{"token": {token}})
	require.Equal(c.t, http.StatusSeeOther, status, body)
	require.Equal(c.t, "/desk/", loc)
	_, _, body = c.get(page)
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(c.t, m, "a CSRF token on %s: %s", page, body)
	return m[1]
}

// TestDeskSecurity checks the desk refuses what it must: forms without the
// session's CSRF token, quotes the person may not see (404, as in the API),
// a session after sign-out or idle too long, and sales screens to a buyer.
func TestDeskSecurity(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	ctx := context.Background()
	open := w.requestQuote(t, w.buyer, map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 5}}}, "Idempotency-Key", "desk-open")
	theirs := w.requestQuote(t, w.buyer, map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 6}}}, "Idempotency-Key", "desk-theirs")
	salesCall(t, w.otherRep, "POST", theirs.ID, "claim", nil)

	rep := newDeskClient(t, w.s)
	csrf := rep.signIn(w.rep.token, "/desk/quotes/"+open.ID.String())
	claim := "/desk/quotes/" + open.ID.String() + "/claim"
	for name, form := range map[string]url.Values{
		"missing": {"idempotency_key": {"k1"}},
		"wrong":   {"idempotency_key": {"k2"}, "csrf_token": {csrf + "x"}},
	} {
		status, _, body := rep.post(claim, form)
		require.Equal(t, http.StatusForbidden, status, "CSRF token %s", name)
		require.Contains(t, body, "CSRF token missing or wrong")
	}
	var assignee uuid.NullUUID
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT assignee_id FROM quotes WHERE id = $1`, open.ID).Scan(&assignee))
	require.False(t, assignee.Valid, "a refused form changes nothing")

	status, _, body := rep.get("/desk/quotes/" + theirs.ID.String())
	require.Equal(t, http.StatusNotFound, status, "another rep's quote is not found, as in the API")
	require.Contains(t, body, "Not found")
	require.NotContains(t, body, theirs.ID.String())
	status, _, _ = rep.get("/desk/quotes/" + uuid.NewString())
	require.Equal(t, http.StatusNotFound, status)

	stranger := newDeskClient(t, w.s)
	strangerApprover := testenv.NewEmployee(t, w.s.Pool, w.other, "approver")
	strangerCSRF := stranger.signIn(strangerApprover.Token, "/desk/approvals")
	status, loc, _ := stranger.post("/desk/approvals/"+uuid.NewString()+"/approve", url.Values{"csrf_token": {strangerCSRF}, "idempotency_key": {"k3"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, _, body = stranger.get(loc)
	require.Contains(t, body, "not_found: no such resource", "another company's checkout is not found")
	status, _, body = stranger.get("/desk/quotes/" + open.ID.String())
	require.Equal(t, http.StatusForbidden, status, "an approver has no sales screens")
	require.Contains(t, body, "forbidden")

	buyer := newDeskClient(t, w.s)
	buyer.post("/desk/sign-in", url.Values{"token": {w.buyer.token}})
	for _, page := range []string{"/desk/quotes", "/desk/quotes/" + open.ID.String(), "/desk/discounts", "/desk/ops/orders"} {
		status, _, body := buyer.get(page)
		require.Equal(t, http.StatusForbidden, status, "a buyer on %s", page)
		require.Contains(t, body, "forbidden: the buyer role may not do this")
	}
	status, _, body = buyer.get("/desk/")
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "Nothing for you here")

	status, _, _ = rep.post("/desk/sign-out", url.Values{"csrf_token": {csrf}})
	require.Equal(t, http.StatusSeeOther, status)
	var sessions int
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT count(*) FROM desk_sessions s JOIN api_tokens t USING (token_hash)
		JOIN staff st ON st.id = t.staff_id WHERE st.id = $1`, w.repID).Scan(&sessions))
	require.Zero(t, sessions, "sign-out deletes the session")
	status, loc, _ = rep.get("/desk/quotes")
	require.Equal(t, http.StatusSeeOther, status, "signed out")
	require.Equal(t, "/desk/sign-in", loc)
	status, _, body = rep.post(claim, url.Values{"csrf_token": {csrf}, "idempotency_key": {"k4"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "Signed out")

	// Idle for longer than the idle timeout: signed out too.
	idle := newDeskClient(t, w.s)
	idle.signIn(w.manager.token, "/desk/quotes")
	_, err := w.s.Pool.Exec(ctx, `UPDATE desk_sessions SET last_seen_at = now() - interval '31 minutes'`)
	require.NoError(t, err)
	status, loc, _ = idle.get("/desk/quotes")
	require.Equal(t, http.StatusSeeOther, status, "an idle session has ended")
	require.Equal(t, "/desk/sign-in", loc)

	status, _, body = newDeskClient(t, w.s).post("/desk/sign-in", url.Values{"token": {"oft_not_a_token"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "unauthorized")
}
