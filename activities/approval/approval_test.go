package approval_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

func TestOpenApprovalRecordsRequestAndNotifiesOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	in := f.OpenApprovalInput(cartID, begun.Attempt)

	for range 2 {
		require.NoError(t, f.OpenApproval(t, in))
	}

	req := f.ApprovalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalPending), req.Status)
	require.Equal(t, string(commerce.RoleApprover), req.RequiredRole)
	require.Equal(t, in.Decision.Reasons, req.Reasons)
	require.Equal(t, in.Decision.BuyerReasons, req.BuyerReasons)
	require.Equal(t, f.Company.ID, req.CompanyID)
	require.Equal(t, f.Buyer.ID, req.CustomerID)
	require.EqualValues(t, 1500, req.Total)
	require.Equal(t, "EUR", req.Currency)
	require.True(t, in.Deadline.Equal(req.Deadline), "deadline %v, want %v", req.Deadline, in.Deadline)
	require.False(t, req.DecidedBy.Valid)
	require.Nil(t, req.DecidedAt)
	require.Equal(t, 1, f.Count(t, "SELECT count(*) FROM approval_requests"))

	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CheckoutAwaitingApproval), cart.CheckoutStatus)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)

	events := f.Timeline(t, cartID)
	require.Equal(t, []string{"checkout_started", "approval_requested"}, f.TimelineKinds(t, cartID))
	require.Contains(t, events[1].Detail, "approver")
	require.Contains(t, events[1].Detail, in.Decision.BuyerReasons[0])
	require.Contains(t, events[1].Detail, in.Decision.BuyerReasons[1])
	require.NotContains(t, events[1].Detail, "EUR 5.00", "the timeline, which the buyer reads, has no company figures")

	notes := f.Notifications(t)
	require.Len(t, notes, 2)
	toApprovers, toBuyer := notes[0], notes[1]
	require.Equal(t, "approval_requested", toApprovers.Kind)
	require.Equal(t, string(commerce.RoleApprover), toApprovers.ToRole)
	require.False(t, toApprovers.CustomerID.Valid, "approvers are reached by role")
	require.Contains(t, toApprovers.Subject, "EUR 15.00")
	require.Contains(t, toApprovers.Body, cartID.String())
	require.Nil(t, toApprovers.SentAt)
	require.Equal(t, "approval_requested", toBuyer.Kind)
	require.Equal(t, uuid.NullUUID{UUID: f.Buyer.ID, Valid: true}, toBuyer.CustomerID)
	require.Empty(t, toBuyer.ToRole)
	require.Nil(t, toBuyer.SentAt)
	require.Contains(t, toApprovers.Body, "EUR 5.00 by EUR 10.00", "approvers are told the figures")
	require.Contains(t, toBuyer.Body, in.Decision.BuyerReasons[1])
	require.NotContains(t, toBuyer.Body, "EUR 5.00", "the buyer is not")
}

func TestCloseApprovalRecordsDecisionOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	approver := f.Colleague(t, commerce.RoleApprover)
	admin := f.Colleague(t, commerce.RoleCompanyAdmin)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.OpenApproval(t, f.OpenApprovalInput(cartID, begun.Attempt)))

	in := approval.CloseApprovalInput{
		CartID: cartID, Attempt: begun.Attempt, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID,
		Status: commerce.ApprovalApproved, DecidedBy: approver.ID, Comment: "within this quarter's budget",
	}
	require.NoError(t, f.CloseApproval(t, in))

	req := f.ApprovalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalApproved), req.Status)
	require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, req.DecidedBy)
	require.NotNil(t, req.DecidedAt)
	require.Equal(t, in.Comment, req.Comment)
	require.Empty(t, f.Cart(t, cartID).CheckoutStatus)

	require.Equal(t, []string{"checkout_started", "approval_requested", "approval_approved"}, f.TimelineKinds(t, cartID))
	closed := f.Timeline(t, cartID)[2]
	require.Equal(t, "customer:"+approver.ID.String(), closed.Actor)
	require.Contains(t, closed.Detail, in.Comment)

	notes := f.Notifications(t)
	require.Len(t, notes, 3)
	toBuyer := notes[2]
	require.Equal(t, "approval_approved", toBuyer.Kind)
	require.Equal(t, uuid.NullUUID{UUID: f.Buyer.ID, Valid: true}, toBuyer.CustomerID)
	require.Empty(t, toBuyer.ToRole)
	require.Contains(t, toBuyer.Subject, "approved")

	// Closed again (a retry, or a late second decider): the first decision stands.
	again := in
	again.DecidedBy, again.Comment = admin.ID, "me too"
	require.NoError(t, f.CloseApproval(t, again))
	require.Equal(t, req, f.ApprovalRequest(t, cartID, begun.Attempt))
	require.Len(t, f.Timeline(t, cartID), 3)
	require.Len(t, f.Notifications(t), 3)
}

// A closed approval of an expired or withdrawn checkout has nobody as decider.
func TestCloseApprovalWithoutDeciderIsTheSystems(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.OpenApproval(t, f.OpenApprovalInput(cartID, begun.Attempt)))

	require.NoError(t, f.CloseApproval(t, approval.CloseApprovalInput{
		CartID: cartID, Attempt: begun.Attempt, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID,
		Status: commerce.ApprovalExpired,
	}))
	req := f.ApprovalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalExpired), req.Status)
	require.False(t, req.DecidedBy.Valid)
	events := f.Timeline(t, cartID)
	require.Equal(t, "approval_expired", events[len(events)-1].Kind)
	require.Equal(t, "system:checkout", events[len(events)-1].Actor)
	require.Empty(t, f.Cart(t, cartID).CheckoutStatus)
}
