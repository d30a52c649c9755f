package quotes_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// quoteWorld is a fixture with a sales rep as the company's account rep and a
// product with a list price (EUR 10.00) and a cost (EUR 6.00).
type quoteWorld struct {
	*activitytest.Fixture
	rep quotes.Actor
	sku string
}

func newQuoteWorld(t *testing.T) quoteWorld {
	t.Helper()
	f := activitytest.New(t, 1_000_000)
	rep := testenv.NewStaff(t, f.Pool, "sales_rep")
	testenv.SetAccountRep(t, f.Pool, f.Company, rep.ID)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 10_00, 100)
	testenv.SetCostPrice(t, f.Pool, sku, "EUR", 6_00)
	return quoteWorld{Fixture: f, rep: quotes.Actor{ID: rep.ID, Role: commerce.RoleSalesRep}, sku: sku}
}

func (w quoteWorld) open(t *testing.T, id uuid.UUID, seq int, in quotes.OpenQuoteInput) (quotes.OpenQuoteResult, error) {
	t.Helper()
	in.Step = quotes.Step{QuoteID: id, Seq: seq}
	in.CompanyID, in.CustomerID, in.Currency = w.Company.ID, w.Buyer.ID, "EUR"
	return activitytest.ExecuteFor[quotes.OpenQuoteResult](t, w.Fixture, w.Acts.Quotes.OpenQuote, in)
}

func (w quoteWorld) quote(t *testing.T, id uuid.UUID) db.Quote {
	t.Helper()
	q, err := w.Q.QuoteGet(context.Background(), id)
	require.NoError(t, err)
	return q
}

func (w quoteWorld) events(t *testing.T, id uuid.UUID) []string {
	t.Helper()
	rows, err := w.Q.QuoteEventListByQuote(context.Background(), id)
	require.NoError(t, err)
	var kinds []string
	for _, r := range rows {
		kinds = append(kinds, r.Kind)
	}
	return kinds
}

func TestOpenQuoteRecordsOnceAndAssignsTheAccountRep(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	id := uuid.New()
	in := quotes.OpenQuoteInput{Lines: []commerce.CartLine{{SKU: w.sku, Quantity: 40}}, Message: "price for 40?"}
	for range 2 { // a retried activity records nothing twice
		res, err := w.open(t, id, 1, in)
		require.NoError(t, err)
		require.Equal(t, w.rep.ID, res.AssigneeID)
	}
	q := w.quote(t, id)
	require.Equal(t, string(commerce.QuoteRequested), q.Status)
	require.Equal(t, uuid.NullUUID{UUID: w.rep.ID, Valid: true}, q.AssigneeID)
	lines, err := w.Q.QuoteRequestLineListByQuote(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, lines, 1)
	require.Equal(t, int32(40), lines[0].Quantity)
	require.Equal(t, []string{"quote_requested"}, w.events(t, id))
	require.Equal(t, 1, w.Count(t, `SELECT count(*) FROM notification_outbox WHERE staff_id = $1`, w.rep.ID))
}

func TestOpenQuoteFromCartFreezesItAndRefusesACartNotOpen(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	cart := testenv.NewCart(t, w.Pool, w.Buyer, "EUR", map[string]int32{w.sku: 7})
	id := uuid.New()
	_, err := w.open(t, id, 1, quotes.OpenQuoteInput{SourceCartID: cart})
	require.NoError(t, err)
	c := w.Cart(t, cart)
	require.Equal(t, "quoted", c.Status)
	require.Equal(t, uuid.NullUUID{UUID: id, Valid: true}, c.QuoteID)
	lines, err := w.Q.QuoteRequestLineListByQuote(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, int32(7), lines[0].Quantity, "the lines are the cart's")

	_, err = w.open(t, uuid.New(), 1, quotes.OpenQuoteInput{SourceCartID: cart})
	activitytest.RequireRejection(t, err, commerce.CodeCartNotOpen)

	// The quote ends without an order: the buyer gets the cart back.
	require.NoError(t, w.Execute(w.Acts.Quotes.MoveQuote, quotes.MoveQuoteInput{Step: quotes.Step{QuoteID: id, Seq: 2},
		Actor: quotes.Actor{ID: w.Buyer.ID, Role: commerce.RoleBuyer}, Status: commerce.QuoteWithdrawn, Kind: "quote_withdrawn"}))
	require.Equal(t, "open", w.Cart(t, cart).Status)
}

func (w quoteWorld) draft(t *testing.T, id uuid.UUID, seq, revision int, bp int64) (quotes.DraftRevisionResult, error) {
	t.Helper()
	return activitytest.ExecuteFor[quotes.DraftRevisionResult](t, w.Fixture, w.Acts.Quotes.DraftRevision, quotes.DraftRevisionInput{
		Step: quotes.Step{QuoteID: id, Seq: seq}, Actor: w.rep, Revision: revision, ValidDays: 10, Shipping: 5_00,
		Lines: []commerce.RevisionLineInput{{SKU: w.sku, Quantity: 40, DiscountBP: &bp}},
	})
}

func TestDraftRevisionPricesJudgesAndSaves(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	id := uuid.New()
	_, err := w.open(t, id, 1, quotes.OpenQuoteInput{Lines: []commerce.CartLine{{SKU: w.sku, Quantity: 40}}})
	require.NoError(t, err)

	within, err := w.draft(t, id, 2, 1, 500)
	require.NoError(t, err)
	require.False(t, within.Decision.NeedsManager)
	require.Equal(t, int64(9_50), within.Revision.Lines[0].UnitPrice)
	require.Equal(t, int64(10_00), within.Revision.Lines[0].ListUnitPrice)
	require.Equal(t, int64(40*9_50+5_00), within.Revision.Total)

	over, err := w.draft(t, id, 3, 1, 2000) // the same draft, saved again: 20 % off
	require.NoError(t, err)
	require.True(t, over.Decision.NeedsManager)
	rev, err := w.Q.QuoteRevisionGet(context.Background(), db.QuoteRevisionGetParams{QuoteID: id, Revision: 1})
	require.NoError(t, err)
	require.Equal(t, "draft", rev.Status)
	require.True(t, rev.NeedsManager)
	require.Equal(t, int64(40*8_00+5_00), rev.Total)
	lines, err := w.Q.QuoteRevisionLineListByRevision(context.Background(), db.QuoteRevisionLineListByRevisionParams{QuoteID: id, Revision: 1})
	require.NoError(t, err)
	require.Len(t, lines, 1, "the second save replaced the first's lines")
	require.Equal(t, int64(6_00), lines[0].CostPrice.Int64)
	require.Equal(t, string(commerce.QuoteDrafting), w.quote(t, id).Status)

	_, err = w.draft(t, id, 4, 1, 3000) // beyond even a manager's 25 %
	activitytest.RequireRejection(t, err, commerce.CodeBeyondAuthority)

	// Once sent, revision 1 never changes.
	now := time.Now().UTC()
	require.NoError(t, w.Execute(w.Acts.Quotes.SendRevision, quotes.SendRevisionInput{Step: quotes.Step{QuoteID: id, Seq: 5},
		Actor: w.rep, Revision: 1, SentAt: now, ValidUntil: now.Add(10 * 24 * time.Hour)}))
	q := w.quote(t, id)
	require.Equal(t, string(commerce.QuoteOffered), q.Status)
	require.Equal(t, int32(1), q.OfferedRevision)
	require.Equal(t, int64(40*8_00+5_00), q.OfferedTotal.Int64)
	_, err = w.draft(t, id, 6, 1, 500)
	activitytest.RequireRejection(t, err, commerce.CodeQuoteState)
}

func TestDraftRevisionRefusesUnknownProducts(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	id := uuid.New()
	_, err := w.open(t, id, 1, quotes.OpenQuoteInput{Lines: []commerce.CartLine{{SKU: w.sku, Quantity: 1}}})
	require.NoError(t, err)
	_, err = activitytest.ExecuteFor[quotes.DraftRevisionResult](t, w.Fixture, w.Acts.Quotes.DraftRevision, quotes.DraftRevisionInput{
		Step: quotes.Step{QuoteID: id, Seq: 2}, Actor: w.rep, Revision: 1, ValidDays: 10,
		Lines: []commerce.RevisionLineInput{{SKU: "NO-SUCH-SKU", Quantity: 1}},
	})
	activitytest.RequireRejection(t, err, commerce.CodeUnknownSKU)
}

func TestAcceptQuoteCreatesTheOrderCartOnce(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	id := uuid.New()
	_, err := w.open(t, id, 1, quotes.OpenQuoteInput{Lines: []commerce.CartLine{{SKU: w.sku, Quantity: 40}}})
	require.NoError(t, err)
	_, err = w.draft(t, id, 2, 1, 500)
	require.NoError(t, err)
	now := time.Now().UTC()
	require.NoError(t, w.Execute(w.Acts.Quotes.SendRevision, quotes.SendRevisionInput{Step: quotes.Step{QuoteID: id, Seq: 3},
		Actor: w.rep, Revision: 1, SentAt: now, ValidUntil: now.Add(24 * time.Hour)}))

	cartID := uuid.New()
	in := quotes.AcceptQuoteInput{Step: quotes.Step{QuoteID: id, Seq: 4}, Actor: quotes.Actor{ID: w.Buyer.ID, Role: commerce.RoleBuyer},
		Revision: 1, OrderCartID: cartID}
	require.NoError(t, w.Execute(w.Acts.Quotes.AcceptQuote, in))
	require.NoError(t, w.Execute(w.Acts.Quotes.AcceptQuote, in), "a retried acceptance")

	cart := w.Cart(t, cartID)
	require.Equal(t, "open", cart.Status)
	require.Equal(t, uuid.NullUUID{UUID: id, Valid: true}, cart.QuoteID)
	require.Equal(t, int32(1), cart.QuoteRevision)
	require.Equal(t, 1, w.Count(t, `SELECT count(*) FROM cart_lines WHERE cart_id = $1 AND quantity = 40`, cartID))
	q := w.quote(t, id)
	require.Equal(t, string(commerce.QuoteAccepted), q.Status)
	require.Equal(t, uuid.NullUUID{UUID: cartID, Valid: true}, q.OrderCartID)

	// The cart sells at the revision's price.
	begun := w.MustBegin(t, cartID)
	require.Equal(t, activitytest.EUR(9_50), begun.Cart.Lines[0].UnitPrice)
	require.Equal(t, commerce.PriceSource{QuoteID: id.String(), QuoteRevision: 1}, begun.Cart.Lines[0].Source)
	require.Equal(t, activitytest.EUR(5_00), begun.Cart.Totals.Shipping, "the revision's shipping")

	orderID := uuid.New()
	require.NoError(t, w.Execute(w.Acts.Quotes.RecordOrder, quotes.RecordOrderInput{Step: quotes.Step{QuoteID: id, Seq: 5}, OrderID: orderID}))
	q = w.quote(t, id)
	require.Equal(t, string(commerce.QuoteOrdered), q.Status)
	require.Equal(t, uuid.NullUUID{UUID: orderID, Valid: true}, q.OrderID)
	require.Equal(t, []string{"quote_requested", "revision_drafted", "revision_offered", "quote_accepted", "order_placed"}, w.events(t, id))
}
