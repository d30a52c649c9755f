package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/quote"
)

// TestQuoteNegotiationToOrder drives one quote through the real worker,
// Temporal and Postgres: requested → revision 1 over the rep's authority → a
// sales manager approves → offered → the buyer asks for changes → revision 2
// within authority → offered → accepted → the order is placed at revision 2's
// prices, with stock and credit held as for any order.
func TestQuoteNegotiationToOrder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ctx := context.Background()
	q := db.New(s.Pool)

	company := testenv.NewCompany(t, s.Pool, "EUR", 10_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	repStaff := testenv.NewStaff(t, s.Pool, "sales_rep")
	managerStaff := testenv.NewStaff(t, s.Pool, "sales_manager")
	testenv.SetAccountRep(t, s.Pool, company, repStaff.ID)
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 500) // list EUR 10.00
	testenv.SetCostPrice(t, s.Pool, bolt, "EUR", 6_00)
	nut := testenv.NewProduct(t, s.Pool, "EUR", 2_00, 500)

	buyerActor := quote.Actor{ID: buyer.ID, Role: commerce.RoleBuyer, CompanyID: company.ID}
	rep := quote.Actor{ID: repStaff.ID, Role: commerce.RoleSalesRep}
	manager := quote.Actor{ID: managerStaff.ID, Role: commerce.RoleSalesManager}
	id := quote.QuoteIDFor(buyer.ID, "request-1")
	in := quote.Input{QuoteID: id, CompanyID: company.ID, CustomerID: buyer.ID, Currency: "EUR",
		Lines: []commerce.CartLine{{SKU: bolt, Quantity: 100}, {SKU: nut, Quantity: 50}}, Message: "volume price?"}

	st, err := quote.Start(ctx, s.Temporal, in, "Quote · Test Buyer · 2 lines · EUR")
	require.NoError(t, err)
	require.Equal(t, commerce.QuoteRequested, st.Status)
	require.Equal(t, repStaff.ID, st.AssigneeID, "the account rep gets the quote")
	again, err := quote.Start(ctx, s.Temporal, in, "")
	require.NoError(t, err, "a retried request joins the quote")
	require.Equal(t, st, again)

	update := func(name string, arg any) quote.State {
		t.Helper()
		st, err := quote.Update(ctx, s.Temporal, id, name, arg)
		require.NoError(t, err, name)
		return st
	}
	deep := int64(2000) // 20 % off: over the rep's 10 %
	st = update(quote.DraftUpdate, quote.DraftInput{Actor: rep, ValidDays: 14, Shipping: 15_00, Note: "volume price",
		Lines: []commerce.RevisionLineInput{{SKU: bolt, Quantity: 100, DiscountBP: &deep}, {SKU: nut, Quantity: 50}}})
	require.True(t, st.Draft.NeedsManager, "reasons: %v", st.Draft.Reasons)
	require.Equal(t, commerce.QuoteAwaitingManager, update(quote.SendUpdate, quote.ActorInput{Actor: rep}).Status)
	st = update(quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager, Approve: true, Comment: "strategic account"})
	require.Equal(t, commerce.QuoteOffered, st.Status)
	require.Equal(t, 1, st.OfferedRevision)
	require.Equal(t, int64(100*8_00+50*2_00+15_00), st.OfferedTotal)

	require.Equal(t, commerce.QuoteChangesRequested,
		update(quote.RequestChangesUpdate, quote.ReasonInput{Actor: buyerActor, Reason: "can you do 9.20 on bolts?"}).Status)
	price := int64(9_20) // 8 % off, margin 34.8 %: within the rep's authority
	st = update(quote.DraftUpdate, quote.DraftInput{Actor: rep, ValidDays: 14, Shipping: 0,
		Lines: []commerce.RevisionLineInput{{SKU: bolt, Quantity: 100, UnitPrice: &price}, {SKU: nut, Quantity: 50}}})
	require.False(t, st.Draft.NeedsManager)
	require.Equal(t, 2, st.Draft.Revision)
	st = update(quote.SendUpdate, quote.ActorInput{Actor: rep})
	require.Equal(t, commerce.QuoteOffered, st.Status)
	require.Equal(t, 2, st.OfferedRevision)

	_, err = quote.Update(ctx, s.Temporal, id, quote.AcceptUpdate, quote.AcceptInput{Actor: buyerActor, Revision: 1})
	require.Error(t, err, "revision 1 is stale")
	st = update(quote.AcceptUpdate, quote.AcceptInput{Actor: buyerActor, Revision: 2})
	require.Equal(t, commerce.QuoteAccepted, st.Status)

	var row db.Quote
	require.Eventually(t, func() bool {
		row, err = q.QuoteGet(ctx, id)
		return err == nil && row.Status == string(commerce.QuoteOrdered)
	}, 15*time.Second, 50*time.Millisecond, "the quote became an order")
	require.True(t, row.OrderID.Valid)

	order, err := q.OrderGetByCart(ctx, quote.OrderCartID(id, 2))
	require.NoError(t, err)
	require.Equal(t, row.OrderID.UUID, order.ID)
	require.Equal(t, int64(100*9_20+50*2_00), order.Total, "revision 2's prices, its free shipping, no tax without ship-to")
	lines, err := q.OrderLineListByOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	for _, l := range lines {
		require.Equal(t, uuid.NullUUID{UUID: id, Valid: true}, l.QuoteID, "the line names the quote")
		require.Equal(t, int32(2), l.QuoteRevision)
		if l.Sku == bolt {
			require.Equal(t, int64(9_20), l.UnitPrice)
			require.Equal(t, int64(10_00), l.BaseUnitPrice)
		}
	}
	require.Equal(t, int64(100), stockReserved(t, s.Pool, bolt))
	require.Equal(t, int64(50), stockReserved(t, s.Pool, nut))
	used, err := q.CreditHoldSumAuthorizedByCompany(ctx, company.ID)
	require.NoError(t, err)
	require.Equal(t, order.Total, used, "the order's credit is held, once")

	events, err := q.QuoteEventListByQuote(ctx, id)
	require.NoError(t, err)
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	require.Equal(t, []string{"quote_requested", "revision_drafted", "discount_approval_requested", "discount_approved",
		"revision_offered", "changes_requested", "revision_drafted", "revision_offered", "quote_accepted", "order_placed"}, kinds)
	revs, err := q.QuoteRevisionListByQuote(ctx, id)
	require.NoError(t, err)
	require.Len(t, revs, 2)
	for _, r := range revs {
		require.Equal(t, "sent", r.Status)
	}
	require.Equal(t, uuid.NullUUID{UUID: managerStaff.ID, Valid: true}, revs[0].DecidedBy)
}
