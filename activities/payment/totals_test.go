package payment_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// TestRunningTotalsFollowAMixedHistory runs many checkouts of one company at
// once, each down a different road: refused by a spending limit or by credit,
// compensated (spend released, authorization voided), or placed and then
// invoiced, captured, partly cancelled and paid. Afterwards the running totals
// (companies.credit_used, spend_totals) equal what the history adds up to, and
// neither the credit limit nor any spending limit was ever overshot.
func TestRunningTotalsFollowAMixedHistory(t *testing.T) {
	t.Parallel()
	const (
		creditLimit  = 12_000
		companyLimit = 15_000 // monthly, the whole company
		buyerLimit   = 6_000  // quarterly, each buyer
		workers      = 8
		checkouts    = 12 // per worker
	)
	f := activitytest.New(t, creditLimit)
	ctx := context.Background()
	buyers := []testenv.Buyer{f.Buyer, f.Colleague(t, commerce.RoleBuyer), f.Colleague(t, commerce.RoleBuyer)}
	f.AddSpendingLimit(t, uuid.Nil, commerce.PeriodMonth, companyLimit)
	for _, b := range buyers {
		f.AddSpendingLimit(t, b.ID, commerce.PeriodQuarter, buyerLimit)
	}
	// Checkouts in three months of one quarter, so monthly and quarterly
	// windows both span several months' totals.
	months := []time.Time{
		time.Date(2025, 4, 10, 9, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	}

	// The fixture's pool has as few connections as the machine has CPUs; this
	// one lets every worker's transaction run at once.
	cfg := f.Pool.Config()
	cfg.MaxConns = workers + 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	spendActs := &spend.Activities{DB: pool}
	payActs := &payment.Activities{DB: pool, Provider: payment.OnAccount{DB: pool}}
	q := db.New(pool)

	carts := make([][]uuid.UUID, workers)
	for w := range carts {
		for i := range checkouts {
			carts[w] = append(carts[w], testenv.NewCart(t, f.Pool, buyers[(w+i)%len(buyers)], "EUR", nil))
		}
	}

	var mu sync.Mutex
	roads := map[string]int{}
	took := func(road string) { mu.Lock(); roads[road]++; mu.Unlock() }
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			rnd := rand.New(rand.NewPCG(uint64(w), 11))
			for i, cartID := range carts[w] {
				buyer := buyers[(w+i)%len(buyers)]
				road, err := mixedCheckout(ctx, q, spendActs, payActs, rnd, f.Company.ID, buyer.ID, cartID,
					months[rnd.IntN(len(months))], int64(200+rnd.IntN(12)*100))
				if err != nil {
					errs[w] = fmt.Errorf("worker %d, checkout %d: %w", w, i, err)
					return
				}
				took(road)
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	t.Logf("roads taken: %v", roads)
	for _, road := range []string{"refused_spend", "compensated", "placed"} {
		require.Positive(t, roads[road], "some checkouts were %s", road)
	}

	testenv.RequireTotalsAgree(t, f.Pool)
	company, err := f.Q.CompanyGet(ctx, f.Company.ID)
	require.NoError(t, err)
	require.LessOrEqual(t, company.CreditUsed, int64(creditLimit), "credit used")
	for _, at := range months {
		start, end := commerce.PeriodWindow(commerce.PeriodMonth, at)
		spent, err := f.Q.SpendReservationSumInWindow(ctx, db.SpendReservationSumInWindowParams{
			CompanyID: f.Company.ID, WindowStart: start, WindowEnd: end})
		require.NoError(t, err)
		require.LessOrEqual(t, spent, int64(companyLimit), "the company's spend in %s", start.Format("2006-01"))
	}
	for _, b := range buyers {
		start, end := commerce.PeriodWindow(commerce.PeriodQuarter, months[0])
		spent, err := f.Q.SpendReservationSumInWindow(ctx, db.SpendReservationSumInWindowParams{
			CompanyID: f.Company.ID, CustomerID: uuid.NullUUID{UUID: b.ID, Valid: true}, WindowStart: start, WindowEnd: end})
		require.NoError(t, err)
		require.LessOrEqual(t, spent, int64(buyerLimit), "buyer %s's spend in the quarter", b.ID)
	}
}

// mixedCheckout takes one checkout down a road chosen by rnd, through the
// production activities and queries, and names the road it took.
func mixedCheckout(ctx context.Context, q *db.Queries, spendActs *spend.Activities, payActs *payment.Activities,
	rnd *rand.Rand, companyID, buyerID, cartID uuid.UUID, at time.Time, amount int64,
) (string, error) {
	money := commerce.Money{Amount: amount, Currency: "EUR"}
	_, err := spendActs.ReserveSpend(ctx, spend.ReserveSpendInput{CartID: cartID, Attempt: 1, CompanyID: companyID,
		CustomerID: buyerID, Amount: money, At: at})
	if _, refused := commerce.AsRejection(err); refused {
		return "refused_spend", nil
	} else if err != nil {
		return "", err
	}
	key := checkout.PaymentKey(cartID, 1)
	_, err = payActs.AuthorizePayment(ctx, payment.AuthorizePaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1,
		CompanyID: companyID, Amount: money})
	_, refused := commerce.AsRejection(err)
	if err != nil && !refused {
		return "", err
	}
	if refused || rnd.IntN(3) == 0 {
		// Compensation, twice (a retried step): void, then give the spend back.
		for range 2 {
			if err := payActs.VoidPayment(ctx, payment.VoidPaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1}); err != nil {
				return "", err
			}
			if err := spendActs.ReleaseSpend(ctx, spend.ReleaseSpendInput{CartID: cartID, Attempt: 1}); err != nil {
				return "", err
			}
		}
		if refused {
			return "refused_credit", nil
		}
		return "compensated", nil
	}

	// Placed: the spend is committed, then the order's life moves the credit
	// from the hold to an invoice, cancels a part, and pays some of it.
	orderID := uuid.New()
	if _, err := q.OrderCreate(ctx, db.OrderCreateParams{ID: orderID, CartID: cartID, CompanyID: companyID,
		CustomerID: buyerID, Status: "placed", Currency: "EUR", Subtotal: amount, Total: amount, PlacedAt: at,
		ShipTo: []byte("{}")}); err != nil {
		return "", err
	}
	if err := q.SpendReservationCommit(ctx, spend.Key(cartID, 1)); err != nil {
		return "", err
	}
	if rnd.IntN(4) == 0 {
		return "placed", nil // not shipped yet: the hold keeps the credit
	}
	invoiced := amount / 2
	invoice := "INV-" + cartID.String()
	for range 2 { // each step retried: once is what counts
		if _, err := q.InvoiceCreate(ctx, db.InvoiceCreateParams{Number: invoice, OrderID: orderID, CompanyID: companyID,
			Amount: invoiced, Currency: "EUR", IssuedAt: at, DueAt: at.Add(30 * 24 * time.Hour)}); err != nil {
			return "", err
		}
		if err := payActs.CapturePayment(ctx, payment.AdjustPaymentInput{PaymentKey: key, ID: invoice,
			Amount: commerce.Money{Amount: invoiced, Currency: "EUR"}, CartID: cartID, OrderID: orderID}); err != nil {
			return "", err
		}
		if err := payActs.ReleasePayment(ctx, payment.AdjustPaymentInput{PaymentKey: key, ID: "cancel-" + cartID.String(),
			Amount: commerce.Money{Amount: amount - invoiced, Currency: "EUR"}, CartID: cartID, OrderID: orderID}); err != nil {
			return "", err
		}
	}
	if rnd.IntN(2) == 0 {
		if err := q.InvoiceSettle(ctx, db.InvoiceSettleParams{Number: invoice, Amount: invoiced / 2}); err != nil {
			return "", err
		}
	}
	return "placed", nil
}

// TestTotalsDriftSeesAMissedWriter proves the check can fail: a hold and a
// reservation written past the queries that keep the totals are reported,
// and db.RecountTotals repairs them.
func TestTotalsDriftSeesAMissedWriter(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	ctx := context.Background()
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.Pool.Exec(ctx, `INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency)
		VALUES ('rogue', $1, $2, 70, 'EUR')`, cartID, f.Company.ID)
	require.NoError(t, err)
	_, err = f.Pool.Exec(ctx, `INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, reserved_at)
		VALUES ('rogue', $1, $2, $3, 30, 'EUR', '2025-06-15T12:00:00Z')`, cartID, f.Company.ID, f.Buyer.ID)
	require.NoError(t, err)

	drift, err := testenv.TotalsDrift(ctx, f.Pool)
	require.NoError(t, err)
	require.Len(t, drift, 3, "credit, and the company's and the buyer's spend in June: %v", drift)
	require.Contains(t, drift[0], "credit_used 0, its holds and open invoices add up to 70")
	require.Contains(t, drift[1], "the whole company, month 2025-06: spend total 0, its reservations add up to 30")
	require.Contains(t, drift[2], "employee "+f.Buyer.ID.String())

	// The repair recounts them from the history; the fixture's own check at
	// the end then finds them equal.
	require.NoError(t, db.RecountTotals(ctx, f.Pool, f.Company.ID))
	drift, err = testenv.TotalsDrift(ctx, f.Pool)
	require.NoError(t, err)
	require.Empty(t, drift)
	company, err := f.Q.CompanyGet(ctx, f.Company.ID)
	require.NoError(t, err)
	require.EqualValues(t, 70, company.CreditUsed)
}
