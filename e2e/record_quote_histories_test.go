package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/quote"
)

// quoteHistoriesDir is where the quote's replay test reads its histories.
const quoteHistoriesDir = "../workflows/quote/testdata"

// TestRecordQuoteHistories drives one real quote down each main branch of the
// quote workflow and writes its history for the replay test (see
// TestRecordCheckoutHistories; `make record-histories` runs both).
func TestRecordQuoteHistories(t *testing.T) {
	if os.Getenv("RECORD_HISTORIES") == "" {
		t.Skip("records histories only with RECORD_HISTORIES=1 (make record-histories)")
	}
	require.NoError(t, os.MkdirAll(quoteHistoriesDir, 0o755))
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	ctx := context.Background()

	company := testenv.NewCompany(t, s.Pool, "EUR", 10_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, company)
	repStaff := testenv.NewStaff(t, s.Pool, "sales_rep")
	testenv.SetAccountRep(t, s.Pool, company, repStaff.ID)
	managerStaff := testenv.NewStaff(t, s.Pool, "sales_manager")
	bolt := testenv.NewProduct(t, s.Pool, "EUR", 10_00, 1_000)
	testenv.SetCostPrice(t, s.Pool, bolt, "EUR", 6_00)

	buyerActor := quote.Actor{ID: buyer.ID, Role: commerce.RoleBuyer, CompanyID: company.ID}
	rep := quote.Actor{ID: repStaff.ID, Role: commerce.RoleSalesRep}
	manager := quote.Actor{ID: managerStaff.ID, Role: commerce.RoleSalesManager}
	discount := func(bp int64) quote.DraftInput {
		return quote.DraftInput{Actor: rep, ValidDays: 14,
			Lines: []commerce.RevisionLineInput{{SKU: bolt, Quantity: 10, DiscountBP: &bp}}}
	}
	type step struct {
		name string
		arg  any
	}
	offer := []step{{quote.DraftUpdate, discount(500)}, {quote.SendUpdate, quote.ActorInput{Actor: rep}}}

	scenarios := []struct {
		name       string
		steps      []step
		wantStatus commerce.QuoteStatus
	}{
		{name: "ordered_after_manager_and_changes", wantStatus: commerce.QuoteOrdered, steps: []step{
			{quote.DraftUpdate, discount(2000)}, {quote.SendUpdate, quote.ActorInput{Actor: rep}},
			{quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager, Approve: true, Comment: "ok"}},
			{quote.RequestChangesUpdate, quote.ReasonInput{Actor: buyerActor, Reason: "lower?"}},
			{quote.DraftUpdate, discount(800)}, {quote.SendUpdate, quote.ActorInput{Actor: rep}},
			{quote.AcceptUpdate, quote.AcceptInput{Actor: buyerActor, Revision: 2}},
		}},
		{name: "discount_rejected_then_offered_and_declined", wantStatus: commerce.QuoteDeclined, steps: []step{
			{quote.DraftUpdate, discount(2000)}, {quote.SendUpdate, quote.ActorInput{Actor: rep}},
			{quote.DecideDiscountUpdate, quote.DecideDiscountInput{Actor: manager, Comment: "too deep"}},
			{quote.DraftUpdate, discount(500)}, {quote.SendUpdate, quote.ActorInput{Actor: rep}},
			{quote.ExtendValidityUpdate, quote.ExtendValidityInput{Actor: rep, ValidDays: 30}},
			{quote.DeclineUpdate, quote.ReasonInput{Actor: buyerActor, Reason: "bought elsewhere"}},
		}},
		{name: "withdrawn", wantStatus: commerce.QuoteWithdrawn, steps: append(offer,
			step{quote.WithdrawUpdate, quote.ActorInput{Actor: buyerActor}})},
		{name: "cancelled", wantStatus: commerce.QuoteCancelled, steps: []step{
			{quote.AssignUpdate, quote.AssignInput{Actor: manager, AssigneeID: manager.ID}},
			{quote.CancelUpdate, quote.ReasonInput{Actor: manager, Reason: "duplicate request"}},
		}},
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			in := quote.Input{QuoteID: quote.QuoteIDFor(buyer.ID, sc.name), CompanyID: company.ID, CustomerID: buyer.ID,
				Currency: "EUR", Lines: []commerce.CartLine{{SKU: bolt, Quantity: 10}}, Message: "scenario " + sc.name}
			_, err := quote.Start(ctx, s.Temporal, in, "Quote · "+sc.name)
			require.NoError(t, err)
			for _, st := range sc.steps {
				_, err := quote.Update(ctx, s.Temporal, in.QuoteID, st.name, st.arg)
				require.NoError(t, err, "%s (scenario %d)", st.name, i)
			}
			q := db.New(s.Pool)
			require.Eventually(t, func() bool {
				row, err := q.QuoteGet(ctx, in.QuoteID)
				return err == nil && row.Status == string(sc.wantStatus)
			}, 15*time.Second, 50*time.Millisecond)
			waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			var end quote.State
			require.NoError(t, s.Temporal.GetWorkflow(waitCtx, quote.WorkflowID(in.QuoteID), "").Get(waitCtx, &end))
			require.Equal(t, sc.wantStatus, end.Status)
			recordHistory(t, s, quote.WorkflowID(in.QuoteID), filepath.Join(quoteHistoriesDir, sc.name+".json"))
		})
	}
}
