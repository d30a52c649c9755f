package e2e_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// TestApprovals drives checkouts that wait for an approver through the API, the
// worker and Temporal: every way out of awaiting_approval, and every refusal
// of the workflow's validator. Each subtest has a company of its own.
func TestApprovals(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Second})

	t.Run("approved by an approver, the order is placed", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		// approver_max at the total: an approver may still decide.
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{
			Kind: "total_above", Threshold: 100_00, ApproverMax: int64p(120_00)})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, approver)
		cartID := b.createCart(sku, 2)

		waiting := b.startAwaitingApproval(cartID)
		require.Equal(t, "approver", waiting.Approval.RequiredRole)
		again := b.startAwaitingApproval(cartID) // a second click joins the waiting checkout
		require.Equal(t, waiting.Approval.CreatedAt, again.Approval.CreatedAt)
		require.Equal(t, int32(1), approvalRequest(t, s.Pool, cartID).Attempt)
		require.Equal(t, []string{"the order total EUR 120.00 is above EUR 100.00"}, waiting.Approval.Reasons)
		require.Equal(t, eur(120_00), waiting.Approval.Total)
		require.Equal(t, buyer.ID, waiting.Approval.BuyerID)
		checkoutFoundByStatus(t, s, cartID, "awaiting_approval")
		require.Regexp(t, `^waiting for approval \(role: approver\) since .+, deadline .+: the order total EUR 120.00 is above EUR 100.00$`,
			currentDetails(t, s, checkout.WorkflowID(cartID)))
		require.Zero(t, stockReserved(t, s.Pool, sku), "stock is not held while the order waits")
		require.Equal(t, map[string]int64{"reserved": 120_00}, spendOfCart(t, s.Pool, cartID), "spend is held while it waits")
		b.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": sku, "quantity": 1}).
			requireError(t, http.StatusConflict, "cart_not_open", "")

		page := a.approvals()
		require.Len(t, page.Approvals, 1)
		listed := page.Approvals[0]
		require.Equal(t, cartID, listed.CartID)
		require.Equal(t, "pending", listed.Status)
		require.Equal(t, buyer.ID, listed.BuyerID)
		require.Equal(t, "Test Buyer", listed.BuyerName)
		require.Equal(t, eur(120_00), listed.Total)
		require.Equal(t, "approver", listed.RequiredRole)
		require.Equal(t, waiting.Approval.Reasons, listed.Reasons)
		require.Nil(t, listed.DecidedBy)

		approve := "/v1/approvals/" + cartID.String() + "/approve"
		// Neither a comment Postgres cannot store nor a body with trailing
		// garbage is a decision: refused at the edge, the checkout still waits
		// and can be decided.
		a.do("POST", approve, `{"comment": "A\u0000B"}`).requireError(t, http.StatusBadRequest, "invalid_field", "comment")
		a.do("POST", approve, `{"comment": "ok"}}`).requireError(t, http.StatusBadRequest, "malformed_json", "")
		require.Equal(t, "pending", a.approvals().Approvals[0].Status)
		res := a.do("POST", approve, map[string]any{"comment": "fine for Q3"}, "Idempotency-Key", "decide-1")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		retried := a.do("POST", approve, map[string]any{"comment": "fine for Q3"}, "Idempotency-Key", "decide-1")
		require.Equal(t, http.StatusOK, retried.Status, "a retried decision gets the first answer: %s", retried.Body)
		require.Equal(t, "true", retried.Header.Get("Idempotent-Replayed"))
		require.Equal(t, string(res.Body), string(retried.Body))
		var decided api.Approval
		res.decode(t, &decided)
		require.Equal(t, cartID, decided.CartID)
		require.Equal(t, "approved", decided.Status)
		require.NotNil(t, decided.DecidedBy)
		require.Equal(t, approver.ID, *decided.DecidedBy)
		require.Equal(t, "fine for Q3", decided.Comment)
		require.Equal(t, eur(120_00), decided.Total)

		status := b.awaitCheckoutStatus(cartID, "placed")
		require.NotNil(t, status.OrderID)
		require.NotNil(t, status.Approval, "the decided approval stays on the checkout")
		require.Equal(t, "approved", status.Approval.Status)
		order := b.getOrder(*status.OrderID)
		require.Equal(t, eur(120_00), order.Totals.Total)
		require.Equal(t, []string{"checkout_started", "approval_requested", "approval_approved",
			"stock_reserved", "payment_authorized", "order_placed"}, timelineKinds(order.Timeline))
		require.Equal(t, "customer:"+approver.ID.String(), order.Timeline[2].Actor)
		require.Contains(t, order.Timeline[2].Detail, "fine for Q3")
		require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, approvedByOfCart(t, s.Pool, cartID))
		requirePlacedOnce(t, s.Pool, cartID, 2, 120_00)
		require.Equal(t, map[string]int64{"committed": 120_00}, spendOfCart(t, s.Pool, cartID))

		request := approvalRequest(t, s.Pool, cartID)
		require.Equal(t, "approved", request.Status)
		require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, request.DecidedBy)
		require.NotNil(t, request.DecidedAt)
		require.Equal(t, "fine for Q3", request.Comment)
		require.ElementsMatch(t, []notification{
			{Kind: "approval_requested", ToRole: "approver"},
			{Kind: "approval_requested", Customer: buyer.ID},
			{Kind: "approval_approved", Customer: buyer.ID},
		}, notificationsAbout(t, s.Pool, company, cartID))
		require.Equal(t, int64(120_00), placedCheckoutTotal(t, s, cartID))
		require.Empty(t, a.approvals().Approvals, "nothing waits any more")
		require.Equal(t, 1, acceptedUpdates(t, s, cartID))
	})

	t.Run("rejected with a comment, the cart is open again", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, approver)
		cartID := b.createCart(sku, 2)
		b.startAwaitingApproval(cartID)

		res := a.decide(cartID, "reject", "  over budget, split the order  ")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var decided api.Approval
		res.decode(t, &decided)
		require.Equal(t, "rejected", decided.Status)
		require.Equal(t, "over budget, split the order", decided.Comment)

		status := b.awaitCheckoutStatus(cartID, "failed")
		require.NotNil(t, status.Failure)
		require.Equal(t, "approval_rejected", status.Failure.Code)
		require.Contains(t, status.Failure.Message, "over budget, split the order")
		requireCartReopened(t, b, s.Pool, cartID, sku, "approval_rejected")
		require.Equal(t, map[string]int64{"released": 120_00}, spendOfCart(t, s.Pool, cartID))
		require.Subset(t, cartTimeline(t, s.Pool, cartID), []string{"approval_requested", "approval_rejected", "checkout_failed"})
		request := approvalRequest(t, s.Pool, cartID)
		require.Equal(t, "rejected", request.Status)
		require.Equal(t, "over budget, split the order", request.Comment)
		require.Contains(t, notificationsAbout(t, s.Pool, company, cartID),
			notification{Kind: "approval_rejected", Customer: buyer.ID})
		checkoutFoundByStatus(t, s, cartID, "failed")

		// The buyer splits the order: below the threshold it needs no approval.
		res = b.do("PUT", cartPath(cartID, "lines", sku), map[string]any{"quantity": 1})
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		b.placeOrder(cartID)
		requirePlacedOnce(t, s.Pool, cartID, 1, 60_00)
		require.Equal(t, uuid.NullUUID{}, approvedByOfCart(t, s.Pool, cartID))
		require.Equal(t, map[string]int64{"released": 120_00, "committed": 60_00}, spendOfCart(t, s.Pool, cartID))
	})

	t.Run("the workflow refuses who may not decide", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{
			Kind: "total_above", Threshold: 100_00, ApproverMax: int64p(150_00)})
		buyerAdmin := testenv.NewEmployee(t, s.Pool, company, "company_admin")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		admin := testenv.NewEmployee(t, s.Pool, company, "company_admin")
		colleague := testenv.NewEmployee(t, s.Pool, company, "buyer")
		otherCompany := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		otherApprover := testenv.NewEmployee(t, s.Pool, otherCompany, "approver")
		otherAdmin := testenv.NewEmployee(t, s.Pool, otherCompany, "company_admin")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 100_00, 10)
		b := newBuyerClient(t, s, buyerAdmin)
		a, adm, col := newBuyerClient(t, s, approver), newBuyerClient(t, s, admin), newBuyerClient(t, s, colleague)
		cartID := b.createCart(sku, 2)

		waiting := b.startAwaitingApproval(cartID)
		require.Equal(t, "company_admin", waiting.Approval.RequiredRole, "EUR 200.00 is above the approvers' EUR 150.00")

		b.decide(cartID, "approve", "").requireError(t, http.StatusForbidden, "not_allowed", "")
		a.decide(cartID, "approve", "").requireError(t, http.StatusForbidden, "not_allowed", "")
		a.decide(cartID, "reject", "no").requireError(t, http.StatusForbidden, "not_allowed", "")
		require.Empty(t, a.approvals().Approvals, "an approver is not offered what only an admin may decide")
		require.Len(t, adm.approvals().Approvals, 1)
		for _, other := range []testenv.Buyer{otherApprover, otherAdmin} {
			o := newBuyerClient(t, s, other)
			o.decide(cartID, "approve", "").requireError(t, http.StatusNotFound, "not_found", "")
			require.Empty(t, o.approvals().Approvals)
		}
		adm.decide(cartID, "reject", "").requireError(t, http.StatusUnprocessableEntity, "invalid_field", "comment")
		adm.decide(cartID, "reject", "   ").requireError(t, http.StatusUnprocessableEntity, "invalid_field", "comment")
		adm.decide(cartID, "approve", strings.Repeat("x", 2001)).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "comment")
		col.do("GET", "/v1/approvals", nil).requireError(t, http.StatusForbidden, "forbidden", "")
		col.decide(cartID, "approve", "").requireError(t, http.StatusForbidden, "forbidden", "")

		request := approvalRequest(t, s.Pool, cartID)
		require.Equal(t, "pending", request.Status, "refusals record nothing")
		require.False(t, request.DecidedBy.Valid)
		require.Zero(t, acceptedUpdates(t, s, cartID), "refused decisions leave no trace in the history")
		require.Equal(t, "awaiting_approval", b.checkoutStatus(cartID).Status)

		res := adm.decide(cartID, "approve", "")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		adm.decide(cartID, "approve", "").requireError(t, http.StatusConflict, "approval_closed", "")
		adm.decide(cartID, "reject", "changed my mind").requireError(t, http.StatusConflict, "approval_closed", "")

		b.awaitCheckoutStatus(cartID, "placed")
		adm.decide(cartID, "reject", "too late").requireError(t, http.StatusConflict, "approval_closed", "")
		require.Equal(t, uuid.NullUUID{UUID: admin.ID, Valid: true}, approvedByOfCart(t, s.Pool, cartID))
		requirePlacedOnce(t, s.Pool, cartID, 2, 200_00)
		require.Equal(t, 1, acceptedUpdates(t, s, cartID))
	})

	// GET /v1/approvals lists only decisions the caller may make: an approver or
	// company admin who ordered is not offered their own order.
	t.Run("nobody is offered their own order to decide", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		ordering := testenv.NewEmployee(t, s.Pool, company, "approver")
		colleague := testenv.NewEmployee(t, s.Pool, company, "approver")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, col := newBuyerClient(t, s, ordering), newBuyerClient(t, s, colleague)
		cartID := b.createCart(sku, 2)
		b.startAwaitingApproval(cartID)

		require.Len(t, col.approvals().Approvals, 1, "a colleague may decide")
		b.decide(cartID, "approve", "").requireError(t, http.StatusForbidden, "not_allowed", "")
		require.Empty(t, b.approvals().Approvals, "the approver's own order is offered to them")
	})

	t.Run("approvals are listed oldest first, a page at a time", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		admin := testenv.NewEmployee(t, s.Pool, company, "company_admin")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, adm := newBuyerClient(t, s, buyer), newBuyerClient(t, s, admin)
		var carts []uuid.UUID
		for range 3 {
			id := b.createCart(sku, 2)
			b.startAwaitingApproval(id)
			carts = append(carts, id)
		}

		var listed []uuid.UUID
		path := "/v1/approvals?limit=2"
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3, "too many pages")
			res := adm.do("GET", path, nil)
			require.Equal(t, http.StatusOK, res.Status, string(res.Body))
			var page api.ApprovalPage
			res.decode(t, &page)
			require.LessOrEqual(t, len(page.Approvals), 2)
			for _, a := range page.Approvals {
				listed = append(listed, a.CartID)
			}
			if page.NextCursor == "" {
				break
			}
			path = "/v1/approvals?limit=2&cursor=" + page.NextCursor
		}
		require.Equal(t, carts, listed)
		adm.do("GET", "/v1/approvals?limit=0", nil).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "limit")
		adm.do("GET", "/v1/approvals?cursor=nonsense", nil).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "cursor")
	})

	t.Run("withdrawn by the buyer, not by a colleague", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		colleague := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, col, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, colleague), newBuyerClient(t, s, approver)
		cartID := b.createCart(sku, 2)
		b.startAwaitingApproval(cartID)

		col.withdraw(cartID).requireError(t, http.StatusForbidden, "not_allowed", "")
		a.withdraw(cartID).requireError(t, http.StatusForbidden, "not_allowed", "")
		require.Equal(t, "awaiting_approval", b.checkoutStatus(cartID).Status)

		res := b.withdraw(cartID)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var withdrawn api.Approval
		res.decode(t, &withdrawn)
		require.Equal(t, "withdrawn", withdrawn.Status)

		status := b.awaitCheckoutStatus(cartID, "failed")
		require.NotNil(t, status.Failure)
		require.Equal(t, "approval_withdrawn", status.Failure.Code)
		requireCartReopened(t, b, s.Pool, cartID, sku, "approval_withdrawn")
		require.Equal(t, map[string]int64{"released": 120_00}, spendOfCart(t, s.Pool, cartID))
		require.Equal(t, "withdrawn", approvalRequest(t, s.Pool, cartID).Status)
		require.Contains(t, notificationsAbout(t, s.Pool, company, cartID),
			notification{Kind: "approval_withdrawn", Customer: buyer.ID})
		require.Empty(t, a.approvals().Approvals)
		b.withdraw(cartID).requireError(t, http.StatusConflict, "approval_closed", "")
		a.decide(cartID, "approve", "").requireError(t, http.StatusConflict, "approval_closed", "")
		require.Equal(t, 1, acceptedUpdates(t, s, cartID))
	})

	t.Run("expires when nobody decides in time", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "total_above", Threshold: 100_00})
		testenv.SetApprovalTimeout(t, s.Pool, company, 2*time.Second)
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, approver)
		cartID := b.createCart(sku, 2)

		waiting := b.startAwaitingApproval(cartID)
		require.WithinDuration(t, time.Now().Add(2*time.Second), waiting.Approval.Deadline, 2*time.Second)

		status := b.awaitCheckoutStatus(cartID, "failed")
		require.NotNil(t, status.Failure)
		require.Equal(t, "approval_expired", status.Failure.Code)
		requireCartReopened(t, b, s.Pool, cartID, sku, "approval_expired")
		require.Equal(t, map[string]int64{"released": 120_00}, spendOfCart(t, s.Pool, cartID))
		require.Equal(t, "expired", approvalRequest(t, s.Pool, cartID).Status)
		require.Contains(t, notificationsAbout(t, s.Pool, company, cartID),
			notification{Kind: "approval_expired", Customer: buyer.ID})
		a.decide(cartID, "approve", "").requireError(t, http.StatusConflict, "approval_closed", "")
	})

	t.Run("over the spending limit with an over_spending_limit rule", func(t *testing.T) {
		t.Parallel()
		company := testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
		testenv.NewApprovalRule(t, s.Pool, company, testenv.ApprovalRule{Kind: "over_spending_limit"})
		buyer := testenv.NewEmployee(t, s.Pool, company, "buyer")
		approver := testenv.NewEmployee(t, s.Pool, company, "approver")
		testenv.SetSpendingLimit(t, s.Pool, company, buyer.ID, "month", 100_00)
		sku := testenv.NewProduct(t, s.Pool, "EUR", 60_00, 10)
		b, a := newBuyerClient(t, s, buyer), newBuyerClient(t, s, approver)

		first := b.createCart(sku, 1)
		b.placeOrder(first) // EUR 60.00 of 100.00: within the limit, no approval
		require.Equal(t, uuid.NullUUID{}, approvedByOfCart(t, s.Pool, first))

		second := b.createCart(sku, 1)
		waiting := b.startAwaitingApproval(second)
		require.Equal(t, "approver", waiting.Approval.RequiredRole)
		require.Equal(t, []string{"the order would exceed the buyer's monthly spending limit"}, waiting.Approval.Reasons,
			"the buyer is told which limit, not its figures")
		require.Equal(t, []string{"the order would exceed the buyer's monthly spending limit of EUR 100.00 by EUR 20.00"},
			a.checkoutStatus(second).Approval.Reasons, "an approver is told the figures")
		require.Equal(t, []string{"the order would exceed the buyer's monthly spending limit of EUR 100.00 by EUR 20.00"},
			a.approvals().Approvals[0].Reasons)
		require.Equal(t, map[string]int64{"reserved": 60_00}, spendOfCart(t, s.Pool, second))

		res := a.decide(second, "approve", "one-off")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		b.awaitCheckoutStatus(second, "placed")
		requirePlacedOnce(t, s.Pool, second, 1, 60_00)
		require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, approvedByOfCart(t, s.Pool, second))
		require.Equal(t, map[string]int64{"committed": 60_00}, spendOfCart(t, s.Pool, second))
		require.Subset(t, cartTimeline(t, s.Pool, second), []string{"spend_reserved", "approval_requested", "approval_approved", "order_placed"})
	})
}
