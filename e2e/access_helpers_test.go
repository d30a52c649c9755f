package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// accessPrincipal is one caller of the access matrix.
type accessPrincipal struct {
	name    string
	token   string    // "" sends no Authorization header
	company uuid.UUID // uuid.Nil for staff and for no token
}

// accessWorld is what the access matrix calls the API on: company A's
// resources (the targets every principal tries), company B's own, so that
// B's lists are not trivially empty, and a scratch company for the writes ops
// is allowed to make, so that they never touch A.
type accessWorld struct {
	s                *testenv.Stack
	a, b, scratch    testenv.Company
	owner            testenv.Buyer // A's buyer who owns A's carts and order
	principals       []accessPrincipal
	sku              string // sold in EUR, 10.00 a unit
	shippingCode     string
	openCart         uuid.UUID // A: open, one line of sku × 2
	awaitingCart     uuid.UUID // A: its checkout waits for an approver
	order            uuid.UUID // A: placed
	bOrder           uuid.UUID // B's buyer's order
	bAwaitingCart    uuid.UUID // B: its checkout waits for an approver
	aSpendingLimit   uuid.UUID
	aApprovalRule    uuid.UUID
	aPriceList       uuid.UUID
	assortment       uuid.UUID // an assortment no company is limited to
	opsStaff         uuid.UUID
	rep              testenv.Staff // the sales rep of the matrix
	scarceSKU        string        // none in stock: checkouts of it are refused
	quote            uuid.UUID     // A's owner's, revision 1 on offer, worked by rep
	spareAwaiting    []uuid.UUID   // A's carts waiting for approval, one per allowed decision
	fingerprintQuery string
	aAddress         uuid.UUID // an entry of A's address book, no default
	aList            uuid.UUID // A's requisition list, made by A's owner: sku × 2

	// integration posts webhooks; its secret is the test's alone.
	integration testenv.Integration
	// shipped is an order of A's owner with a shipment not delivered yet.
	shipped shippedOrder
	// reconciliation is an ERP reconciliation report with a finding that has
	// no repair.
	reconciliation testenv.ErpReconciliation
	// onBehalf is what the routes of orders on behalf act on.
	onBehalf onBehalfFixture
}

const (
	accessUnitPrice = 10_00
	// accessApprovalThreshold holds A's and B's checkouts above it for an
	// approver: 10 units are held, 2 are placed at once.
	accessApprovalThreshold = 50_00
	// accessSpareAwaiting is how many of A's checkouts wait for the allowed
	// approve, reject and withdraw calls; more are made on demand.
	accessSpareAwaiting = 5
)

// newAccessWorld builds companies A and B with every company-side role, the
// seller's staff, and A's resources in every state the routes act on.
func newAccessWorld(t *testing.T) *accessWorld {
	t.Helper()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})
	w := &accessWorld{s: s}
	w.a = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	w.b = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	w.scratch = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	w.sku = testenv.NewProduct(t, s.Pool, "EUR", accessUnitPrice, 100_000)
	w.shippingCode = strings.ToLower(uniqueName("std-"))
	testenv.SetShippingMethod(t, s.Pool, testenv.ShippingMethod{Code: w.shippingCode, Currency: "EUR", BaseAmount: 5_00})
	testenv.SetTaxRate(t, s.Pool, "DE", 1900)

	w.owner = testenv.NewEmployee(t, s.Pool, w.a, "buyer")
	aBuyer := testenv.NewEmployee(t, s.Pool, w.a, "buyer")
	aApprover := testenv.NewEmployee(t, s.Pool, w.a, "approver")
	aAdmin := testenv.NewEmployee(t, s.Pool, w.a, "company_admin")
	bBuyer := testenv.NewEmployee(t, s.Pool, w.b, "buyer")
	bApprover := testenv.NewEmployee(t, s.Pool, w.b, "approver")
	bAdmin := testenv.NewEmployee(t, s.Pool, w.b, "company_admin")
	rep := testenv.NewStaff(t, s.Pool, "sales_rep")
	w.rep = rep
	manager := testenv.NewStaff(t, s.Pool, "sales_manager")
	ops := testenv.NewStaff(t, s.Pool, "ops")
	w.opsStaff = ops.ID
	w.principals = []accessPrincipal{
		{name: "none"},
		{name: "A-owner", token: w.owner.Token, company: w.a.ID},
		{name: "A-buyer", token: aBuyer.Token, company: w.a.ID},
		{name: "A-approver", token: aApprover.Token, company: w.a.ID},
		{name: "A-admin", token: aAdmin.Token, company: w.a.ID},
		{name: "B-buyer", token: bBuyer.Token, company: w.b.ID},
		{name: "B-approver", token: bApprover.Token, company: w.b.ID},
		{name: "B-admin", token: bAdmin.Token, company: w.b.ID},
		{name: "sales_rep", token: rep.Token},
		{name: "sales_manager", token: manager.Token},
		{name: "ops", token: ops.Token},
	}

	w.aApprovalRule = testenv.NewApprovalRule(t, s.Pool, w.a, testenv.ApprovalRule{Kind: "total_above", Threshold: accessApprovalThreshold})
	testenv.NewApprovalRule(t, s.Pool, w.b, testenv.ApprovalRule{Kind: "total_above", Threshold: accessApprovalThreshold})
	w.aSpendingLimit = testenv.SetSpendingLimit(t, s.Pool, w.a, aBuyer.ID, "month", 1_000_000_00)
	// From 5,000 units only, so it prices none of the matrix's carts.
	w.assortment = testenv.NewAssortment(t, s.Pool, "matrix range", testenv.ProductIDOfSKU(t, s.Pool, w.sku))
	w.aPriceList = testenv.NewPriceList(t, s.Pool, testenv.PriceList{Name: "A's contract prices", CompanyID: w.a.ID, Currency: "EUR",
		Tiers: []testenv.PriceTier{{SKU: w.sku, MinQuantity: 5_000, UnitPrice: 9_00}}})

	owner := newBuyerClient(t, s, w.owner)
	w.openCart = testenv.NewCart(t, s.Pool, w.owner, "EUR", map[string]int32{w.sku: 2})
	w.order = owner.placeOrderEventually(testenv.NewCart(t, s.Pool, w.owner, "EUR", map[string]int32{w.sku: 2})).ID
	w.bOrder = newBuyerClient(t, s, bBuyer).placeOrderEventually(testenv.NewCart(t, s.Pool, bBuyer, "EUR", map[string]int32{w.sku: 1})).ID

	held := make([]uuid.UUID, 1+accessSpareAwaiting)
	for i := range held {
		held[i] = testenv.NewCart(t, s.Pool, w.owner, "EUR", map[string]int32{w.sku: 10})
	}
	w.awaitingCart, w.spareAwaiting = held[0], held[1:]
	w.bAwaitingCart = testenv.NewCart(t, s.Pool, bBuyer, "EUR", map[string]int32{w.sku: 10})
	w.awaitApproval(t, owner, held...)
	w.awaitApproval(t, newBuyerClient(t, s, bBuyer), w.bAwaitingCart)

	w.scarceSKU = testenv.NewProduct(t, s.Pool, "EUR", accessUnitPrice, 0)
	// Quantity rules for the admin routes to read and delete: one on the
	// SKU, and A's own, neither limiting what the matrix's carts hold.
	testenv.SetQuantityRule(t, s.Pool, testenv.QuantityRule{SKU: w.sku, MinQuantity: 1, Increment: 1, MaxQuantity: 10_000})
	testenv.SetQuantityRule(t, s.Pool, testenv.QuantityRule{Company: w.a.ID, SKU: w.sku, MinQuantity: 1, Increment: 1})
	w.integration = testenv.NewIntegration(t, s.Pool, strings.ToLower(uniqueName("warehouse-")))
	w.quote = w.newQuote(t, quoteOffered)
	w.shipped = w.newShippedOrder(t)
	w.reconciliation = testenv.NewErpReconciliation(t, s.Pool)
	w.aAddress = testenv.NewCompanyAddress(t, s.Pool, w.a, testenv.Address{})
	w.aList = testenv.NewRequisitionList(t, s.Pool, w.owner, "A's restock", map[string]int32{w.sku: 2})
	w.setUpOnBehalf(t)

	w.fingerprintQuery = fingerprintQuery(t, s.Pool)
	w.awaitQuiet(t)
	return w
}

// awaitApproval checks the carts out at once and waits until each checkout
// waits for an approver.
func (w *accessWorld) awaitApproval(t *testing.T, c buyerClient, carts ...uuid.UUID) {
	t.Helper()
	results := make([]response, len(carts))
	errs := make([]error, len(carts))
	var wg sync.WaitGroup
	for i, id := range carts {
		wg.Go(func() { results[i], errs[i] = c.send("POST", cartPath(id, "checkout"), nil) })
	}
	wg.Wait()
	for i, id := range carts {
		require.NoError(t, errs[i])
		require.Equal(t, http.StatusAccepted, results[i].Status, "checkout of %s: %s", id, results[i].Body)
		require.Eventually(t, func() bool {
			var status string
			err := w.s.Pool.QueryRow(t.Context(), `SELECT checkout_status FROM carts WHERE id = $1`, id).Scan(&status)
			return err == nil && status == "awaiting_approval"
		}, 15*time.Second, 20*time.Millisecond, "checkout of %s never waited for approval", id)
	}
}

// takeAwaitingCart is a fresh cart of A's owner whose checkout waits for an
// approver, for a call that is allowed to decide or withdraw it.
func (w *accessWorld) takeAwaitingCart(t *testing.T) uuid.UUID {
	t.Helper()
	if len(w.spareAwaiting) == 0 {
		id := testenv.NewCart(t, w.s.Pool, w.owner, "EUR", map[string]int32{w.sku: 10})
		w.awaitApproval(t, newBuyerClient(t, w.s, w.owner), id)
		return id
	}
	id := w.spareAwaiting[0]
	w.spareAwaiting = w.spareAwaiting[1:]
	return id
}

// freshOpenCart is a new open cart of A's owner, two units of sku: below the
// approval threshold, so its checkout is placed at once.
func (w *accessWorld) freshOpenCart(t *testing.T) uuid.UUID {
	t.Helper()
	return testenv.NewCart(t, w.s.Pool, w.owner, "EUR", map[string]int32{w.sku: 2})
}

// awaitCheckoutEnd waits for the cart's checkout workflow to close and
// requires it to have ended with status (placed or failed), so that nothing
// it writes lands after the case that started it.
func (w *accessWorld) awaitCheckoutEnd(t *testing.T, cartID uuid.UUID, status string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var result checkout.Result
	require.NoError(t, w.s.Temporal.GetWorkflow(ctx, checkout.WorkflowID(cartID), "").Get(ctx, &result))
	require.Equal(t, status, string(result.Status), "checkout of %s", cartID)
}

// companyRows lists the IDs of the company's rows in table (carts, orders or
// customers), to tell whether a list leaked one.
func (w *accessWorld) companyRows(t testing.TB, table string, company uuid.UUID) map[uuid.UUID]bool {
	t.Helper()
	rows, err := w.s.Pool.Query(context.Background(),
		fmt.Sprintf("SELECT id FROM %s WHERE company_id = $1", pgx.Identifier{table}.Sanitize()), company)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	require.NoError(t, err)
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// newScratchSpendingLimit adds a spending limit to the scratch company.
func (w *accessWorld) newScratchSpendingLimit(t testing.TB) uuid.UUID {
	t.Helper()
	employee := testenv.NewEmployee(t, w.s.Pool, w.scratch, "buyer")
	return testenv.SetSpendingLimit(t, w.s.Pool, w.scratch, employee.ID, "order", 100_00)
}

// dbFingerprint is every row of every table of the stack's database, hashed
// per table: a refused request must leave all of them as they were.
type dbFingerprint map[string]string

// fingerprintQuery builds one query that hashes every table of the database.
func fingerprintQuery(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, tables)
	parts := make([]string, len(tables))
	for i, table := range tables {
		parts[i] = fmt.Sprintf(`SELECT '%s', count(*)::text || ' rows ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '')
			FROM %s t`, table, pgx.Identifier{table}.Sanitize())
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

func (w *accessWorld) fingerprint(t testing.TB) dbFingerprint {
	t.Helper()
	rows, err := w.s.Pool.Query(context.Background(), w.fingerprintQuery)
	require.NoError(t, err)
	defer rows.Close()
	out := dbFingerprint{}
	for rows.Next() {
		var table, hash string
		require.NoError(t, rows.Scan(&table, &hash))
		out[table] = hash
	}
	require.NoError(t, rows.Err())
	return out
}

// changedTables names the tables whose rows differ, with their row counts.
func (before dbFingerprint) changedTables(after dbFingerprint) []string {
	var out []string
	for table, h := range after {
		if before[table] != h {
			out = append(out, fmt.Sprintf("%s (%s → %s)", table, rowCount(before[table]), rowCount(h)))
		}
	}
	sort.Strings(out)
	return out
}

func rowCount(hash string) string {
	n, _, _ := strings.Cut(hash, " ")
	return n + " rows"
}

// awaitQuiet waits until nothing writes to the database any more (the setup's
// checkouts have parked or ended).
func (w *accessWorld) awaitQuiet(t *testing.T) {
	t.Helper()
	// Every order pushes itself to the stack's ERP in the background, with
	// steps that may be further apart under load than the quiet window
	// below: wait for every push to end first.
	require.Eventually(t, func() bool { return w.pushesEnded(t) }, 30*time.Second, 50*time.Millisecond,
		"the setup's orders never all reached the ERP")
	last := w.fingerprint(t)
	require.Eventually(t, func() bool {
		now := w.fingerprint(t)
		quiet := len(last.changedTables(now)) == 0
		last = now
		return quiet
	}, 15*time.Second, 200*time.Millisecond, "the database never stopped changing")
}

// pushesEnded tells whether every order's ERP push has completed.
func (w *accessWorld) pushesEnded(t *testing.T) bool {
	t.Helper()
	rows, err := w.s.Pool.Query(t.Context(), `SELECT id FROM orders`)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	require.NoError(t, err)
	for _, id := range ids {
		d, err := w.s.Temporal.DescribeWorkflowExecution(t.Context(), erpsync.WorkflowID(id), "")
		if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			return false
		}
	}
	return true
}

// checkoutStarted tells whether the cart ever had a checkout workflow.
func (w *accessWorld) checkoutStarted(t testing.TB, cartID uuid.UUID) bool {
	t.Helper()
	_, err := w.s.Temporal.DescribeWorkflowExecution(context.Background(), checkout.WorkflowID(cartID), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

var pathUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// withUnknownIDs is path with every ID in it replaced by one that exists nowhere.
func withUnknownIDs(path string) string {
	return pathUUID.ReplaceAllStringFunc(path, func(string) string { return uuid.NewString() })
}

// contractRecorder collects what checkContract finds instead of failing the
// test at once, so that the matrix reports each gap in api/openapi.yaml once
// rather than once per principal.
type contractRecorder struct {
	testing.TB
	problems []string
}

func (r *contractRecorder) Helper() {}

func (r *contractRecorder) Errorf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// contractGaps gathers the answers api/openapi.yaml does not document, by
// route and status, with who got them.
type contractGaps struct {
	mu   sync.Mutex
	gaps map[string]*contractGap
}

type contractGap struct {
	example    string
	principals []string
}

func (g *contractGaps) check(t testing.TB, route string, p accessPrincipal, req *http.Request, res response) {
	t.Helper()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		// Only GET /openapi.yaml answers anything else; the validator would
		// read that YAML body as an object, not as the string it documents.
		return
	}
	rec := &contractRecorder{TB: t}
	checkContract(rec, req, res.Status, res.Header, res.Body)
	if len(rec.problems) == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gaps == nil {
		g.gaps = map[string]*contractGap{}
	}
	key := fmt.Sprintf("%s answered %d", route, res.Status)
	gap, ok := g.gaps[key]
	if !ok {
		gap = &contractGap{example: rec.problems[0]}
		g.gaps[key] = gap
	}
	gap.principals = append(gap.principals, p.name)
}

func (g *contractGaps) report(t *testing.T) {
	t.Helper()
	keys := make([]string, 0, len(g.gaps))
	for k := range g.gaps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		gap := g.gaps[k]
		t.Errorf("%s to %s, which api/openapi.yaml does not allow:\n%s", k, strings.Join(gap.principals, ", "), gap.example)
	}
}
