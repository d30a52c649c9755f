package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// approvals lists what waits for the caller's decision.
func (c buyerClient) approvals() api.ApprovalPage {
	c.t.Helper()
	res := c.do("GET", "/v1/approvals", nil)
	require.Equal(c.t, http.StatusOK, res.Status, "list approvals: %s", res.Body)
	var page api.ApprovalPage
	res.decode(c.t, &page)
	return page
}

// decide approves or rejects the cart's checkout; comment "" sends no body.
func (c buyerClient) decide(cartID uuid.UUID, decision, comment string) response {
	c.t.Helper()
	var body any
	if comment != "" {
		body = map[string]any{"comment": comment}
	}
	return c.do("POST", "/v1/approvals/"+cartID.String()+"/"+decision, body)
}

// withdraw withdraws the cart's checkout that waits for approval.
func (c buyerClient) withdraw(cartID uuid.UUID) response {
	c.t.Helper()
	return c.do("POST", cartPath(cartID, "checkout", "withdraw"), nil)
}

// setCartDetails PATCHes the cart's ship-to, shipping method and references.
func (c buyerClient) setCartDetails(cartID uuid.UUID, details map[string]any) response {
	c.t.Helper()
	return c.do("PATCH", cartPath(cartID), details)
}

// checkoutStatus reads the cart's checkout state.
func (c buyerClient) checkoutStatus(cartID uuid.UUID) api.Checkout {
	c.t.Helper()
	res := c.do("GET", cartPath(cartID, "checkout"), nil)
	require.Equal(c.t, http.StatusOK, res.Status, "checkout status: %s", res.Body)
	var status api.Checkout
	res.decode(c.t, &status)
	return status
}

// awaitCheckoutStatus polls the cart's checkout until it reaches status.
func (c buyerClient) awaitCheckoutStatus(cartID uuid.UUID, status string) api.Checkout {
	c.t.Helper()
	var last api.Checkout
	require.Eventually(c.t, func() bool {
		last = c.checkoutStatus(cartID)
		return last.Status == status
	}, 15*time.Second, 50*time.Millisecond, "checkout of %s never became %s", cartID, status)
	return last
}

// startAwaitingApproval checks the cart out and requires it to wait for
// approval (202, status awaiting_approval, with the approval).
func (c buyerClient) startAwaitingApproval(cartID uuid.UUID) api.Checkout {
	c.t.Helper()
	res := c.checkout(cartID)
	require.Equal(c.t, http.StatusAccepted, res.Status, "checkout: %s", res.Body)
	var status api.Checkout
	res.decode(c.t, &status)
	require.Equal(c.t, "awaiting_approval", status.Status, "body: %s", res.Body)
	require.Equal(c.t, checkoutURL(cartID), status.StatusURL)
	require.Equal(c.t, checkoutURL(cartID), res.Header.Get("Location"))
	require.NotNil(c.t, status.Approval, "body: %s", res.Body)
	require.Equal(c.t, "pending", status.Approval.Status)
	return status
}

func checkoutURL(cartID uuid.UUID) string { return cartPath(cartID, "checkout") }

// checkoutFoundByStatus waits until a visibility query, as ops would type it in
// the Temporal UI, finds the cart's checkout with CheckoutStatus = status.
// Visibility is eventually consistent, so it polls.
func checkoutFoundByStatus(t testing.TB, s *testenv.Stack, cartID uuid.UUID, status string) {
	t.Helper()
	query := fmt.Sprintf(`CheckoutStatus=%q AND CartId=%q`, status, cartID.String())
	require.Eventually(t, func() bool {
		res, err := s.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.Namespace, Query: query,
		})
		return err == nil && len(res.Executions) == 1 &&
			res.Executions[0].Execution.WorkflowId == checkout.WorkflowID(cartID)
	}, 10*time.Second, 100*time.Millisecond, "no checkout found by %s", query)
}

// acceptedUpdates counts the updates the cart's checkout accepted: refused
// ones (by the validator) leave no trace in its history.
func acceptedUpdates(t testing.TB, s *testenv.Stack, cartID uuid.UUID) int {
	t.Helper()
	iter := s.Temporal.GetWorkflowHistory(context.Background(), checkout.WorkflowID(cartID), "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	return countEvents(t, iter, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
}

func countEvents(t testing.TB, iter client.HistoryEventIterator, kind enumspb.EventType) int {
	t.Helper()
	n := 0
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		if e.GetEventType() == kind {
			n++
		}
	}
	return n
}

// approvalRequest is the latest approval request of the cart, from Postgres.
func approvalRequest(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) db.ApprovalRequest {
	t.Helper()
	a, err := db.New(pool).ApprovalRequestGetLatestByCart(context.Background(), cartID)
	require.NoError(t, err)
	return a
}

// spendOfCart lists the cart's spend reservations as status → amount summed.
func spendOfCart(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) map[string]int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT status, sum(amount)::bigint FROM spend_reservations WHERE cart_id = $1 GROUP BY status`, cartID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var status string
		var amount int64
		require.NoError(t, rows.Scan(&status, &amount))
		out[status] = amount
	}
	require.NoError(t, rows.Err())
	return out
}

// approvedByOfCart is orders.approved_by of the order made from the cart.
func approvedByOfCart(t testing.TB, pool *pgxpool.Pool, cartID uuid.UUID) uuid.NullUUID {
	t.Helper()
	o, err := db.New(pool).OrderGetByCart(context.Background(), cartID)
	require.NoError(t, err)
	return o.ApprovedBy
}

// notification is what notification_outbox holds for a mailer, in short.
type notification struct {
	Kind     string
	Customer uuid.UUID // uuid.Nil when sent to a role
	ToRole   string
}

// notificationsAbout lists the company's notifications whose body names the cart.
func notificationsAbout(t testing.TB, pool *pgxpool.Pool, company testenv.Company, cartID uuid.UUID) []notification {
	t.Helper()
	rows, err := db.New(pool).NotificationListByCompany(context.Background(), company.ID)
	require.NoError(t, err)
	var out []notification
	for _, r := range rows {
		if !strings.Contains(r.Body, cartID.String()) {
			continue
		}
		require.NotEmpty(t, r.Subject)
		out = append(out, notification{Kind: r.Kind, Customer: r.CustomerID.UUID, ToRole: r.ToRole})
	}
	return out
}

// requireCartReopened checks a cart whose checkout failed with code: open again,
// the failure on its last checkout, and nothing held (order, stock, payment,
// spend).
func requireCartReopened(t testing.TB, c buyerClient, pool *pgxpool.Pool, cartID uuid.UUID, sku, code string) {
	t.Helper()
	cart := c.getCart(cartID)
	require.Equal(t, "open", cart.Status)
	require.NotNil(t, cart.Checkout)
	require.Equal(t, "failed", cart.Checkout.Status)
	require.NotNil(t, cart.Checkout.Failure)
	require.Equal(t, code, cart.Checkout.Failure.Code)
	requireNothingHeld(t, pool, cartID)
	require.Zero(t, stockReserved(t, pool, sku))
	spend := spendOfCart(t, pool, cartID)
	require.Zero(t, spend["reserved"], "spend still reserved: %v", spend)
	require.Zero(t, spend["committed"], "spend committed: %v", spend)
}

// uniqueName is a name no other test uses: shipping codes, customer groups and
// price list names are global in a stack's database, which subtests share.
func uniqueName(prefix string) string { return prefix + uuid.NewString()[:8] }

func int64p(v int64) *int64 { return &v }
