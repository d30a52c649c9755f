package activities_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// BenchmarkCheckoutWithHistory runs a checkout's steps, as the checkout
// workflow runs them (BeginCheckout, ReserveSpend, ReserveInventory,
// AuthorizePayment, PlaceOrder), for a company with no earlier orders and for
// one with 100,000 placed this month. The company has a monthly and its buyer a
// quarterly spending limit, so ReserveSpend reads both windows, and it pays on
// account, so AuthorizePayment reads its credit. Besides the whole checkout
// (ns/op) it reports the two steps that used to add up the history:
// spend+credit-ms/op. `make bench-history` runs it (see docs/performance.md).
func BenchmarkCheckoutWithHistory(b *testing.B) {
	for _, history := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("orders=%d", history), func(b *testing.B) { benchCheckout(b, history) })
	}
}

func benchCheckout(b *testing.B, history int) {
	pool, _ := testenv.NewDatabase(b)
	company := testenv.NewCompany(b, pool, "EUR", 1_000_000_000_000_00)
	buyer := testenv.NewBuyer(b, pool, company)
	testenv.SetSpendingLimit(b, pool, company, uuid.Nil, "month", 1_000_000_000_000_00)
	testenv.SetSpendingLimit(b, pool, company, buyer.ID, "quarter", 1_000_000_000_000_00)
	sku := testenv.NewProduct(b, pool, "EUR", 12_50, 1_000_000_000)
	insertHistory(b, pool, company, buyer, history)

	cartsActs := &carts.Activities{DB: pool}
	spendActs := &spend.Activities{DB: pool}
	inventoryActs := &inventory.Activities{DB: pool}
	paymentActs := &payment.Activities{DB: pool, Provider: payment.OnAccount{DB: pool}}
	ordersActs := &orders.Activities{DB: pool}
	// Activities run in a test activity environment, as a worker runs them
	// (they log and count through their activity context).
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestActivityEnvironment()
	for _, capability := range []any{cartsActs, spendActs, inventoryActs, paymentActs, ordersActs} {
		env.RegisterActivity(capability)
	}
	run := func(step string, activity, in, out any) {
		val, err := env.ExecuteActivity(activity, in)
		if err == nil && out != nil {
			err = val.Get(out)
		}
		if err != nil {
			b.Fatalf("%s: %v", step, err)
		}
	}

	var policies, whole []time.Duration
	for b.Loop() { // runs this function once, so the history is inserted once
		b.StopTimer()
		cartID := testenv.NewCart(b, pool, buyer, "EUR", map[string]int32{sku: 2})
		b.StartTimer()
		began := time.Now()
		var begun carts.BeginCheckoutResult
		run("begin checkout", cartsActs.BeginCheckout, carts.BeginCheckoutInput{CartID: cartID, CompanyID: company.ID, CustomerID: buyer.ID}, &begun)
		if begun.Refusal != nil {
			b.Fatalf("begin checkout: %+v", begun.Refusal)
		}
		now := time.Now()
		run("reserve spend", spendActs.ReserveSpend, spend.ReserveSpendInput{CartID: cartID, Attempt: begun.Attempt,
			CompanyID: company.ID, CustomerID: buyer.ID, Amount: begun.Cart.Totals.Total, At: now}, nil)
		policy := time.Since(now)
		run("reserve inventory", inventoryActs.ReserveInventory, inventory.ReserveInventoryInput{CartID: cartID, Attempt: begun.Attempt,
			Lines: lines(begun.Cart)}, nil)
		started := time.Now()
		run("authorize payment", paymentActs.AuthorizePayment, payment.AuthorizePaymentInput{PaymentKey: checkout.PaymentKey(cartID, begun.Attempt),
			CartID: cartID, Attempt: begun.Attempt, CompanyID: company.ID, Amount: begun.Cart.Totals.Total}, nil)
		policies = append(policies, policy+time.Since(started))
		run("place order", ordersActs.PlaceOrder, orders.PlaceOrderInput{OrderID: checkout.OrderIDForCart(cartID), CartID: cartID,
			CompanyID: company.ID, CustomerID: buyer.ID, Attempt: begun.Attempt, Cart: begun.Cart, PlacedAt: now}, nil)
		whole = append(whole, time.Since(began))
	}
	b.ReportMetric(ms(mean(policies)), "spend+credit-ms/op")
	b.ReportMetric(ms(median(policies)), "spend+credit-p50-ms")
	b.ReportMetric(ms(median(whole)), "checkout-p50-ms")
}

// insertHistory gives the company n earlier orders of its buyer, placed this
// month (so they count against both spending limits' windows), in one
// statement per table: each with its committed spend, its credit hold (1 in
// 100 still authorized: not shipped yet, the rest captured into an invoice)
// and its invoice (1 in 4 still open). Rows are written past the queries, so
// the running totals are then brought up to date as migration 0014 did.
func insertHistory(b *testing.B, pool *pgxpool.Pool, company testenv.Company, buyer testenv.Buyer, n int) {
	if n == 0 {
		return
	}
	ctx := context.Background()
	started := time.Now()
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	args := pgx.NamedArgs{"n": n, "company": company.ID, "buyer": buyer.ID}
	for _, stmt := range []string{
		`CREATE TEMP TABLE history ON COMMIT DROP AS
		 SELECT i, gen_random_uuid() AS cart_id, gen_random_uuid() AS order_id, (1000 + i % 5000)::bigint AS amount,
		        date_trunc('month', now()) + (now() - date_trunc('month', now())) * (i::float8 / (@n + 1)) AS at
		 FROM generate_series(1, @n::int) AS i`,
		`INSERT INTO carts (id, company_id, customer_id, currency, status, order_id, checkout_attempt, created_at, updated_at)
		 SELECT cart_id, @company, @buyer, 'EUR', 'completed', order_id, 1, at, at FROM history`,
		`INSERT INTO orders (id, cart_id, company_id, customer_id, status, currency, subtotal, total, placed_at)
		 SELECT order_id, cart_id, @company, @buyer, 'delivered', 'EUR', amount, amount, at FROM history`,
		`INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, status, reserved_at)
		 SELECT 'checkout/' || cart_id || '/1', cart_id, @company, @buyer, amount, 'EUR', 'committed', at FROM history`,
		`INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency, status, created_at, released_at)
		 SELECT 'checkout/' || cart_id || '/1', cart_id, @company,
		        CASE WHEN i % 100 = 0 THEN amount ELSE 0 END, 'EUR',
		        CASE WHEN i % 100 = 0 THEN 'authorized' ELSE 'released' END, at,
		        CASE WHEN i % 100 = 0 THEN NULL ELSE at END
		 FROM history`,
		`INSERT INTO invoices (number, order_id, company_id, amount, currency, issued_at, due_at, paid_amount, status)
		 SELECT 'INV-H' || i, order_id, @company, amount, 'EUR', at, at + interval '30 days',
		        CASE WHEN i % 4 = 0 THEN 0 ELSE amount END, CASE WHEN i % 4 = 0 THEN 'open' ELSE 'paid' END
		 FROM history WHERE i % 100 <> 0`,
	} {
		if _, err := tx.Exec(ctx, stmt, args); err != nil {
			b.Fatalf("insert history: %v\n%s", err, stmt)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	keepTotals(b, pool, company)
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d earlier orders inserted in %v", n, time.Since(started).Round(time.Millisecond))
}

// keepTotals brings the company's running totals up to date with the history
// written past the queries (db.RecountTotals, as migration 0014 did), and
// checks them.
func keepTotals(b *testing.B, pool *pgxpool.Pool, company testenv.Company) {
	if err := db.RecountTotals(context.Background(), pool, company.ID); err != nil {
		b.Fatalf("keep totals: %v", err)
	}
	testenv.RequireTotalsAgree(b, pool)
}

// lines are the priced cart's SKUs and quantities, as the checkout workflow
// hands them to ReserveInventory.
func lines(c commerce.PricedCart) []commerce.CartLine {
	out := make([]commerce.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		out[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return out
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(max(len(ds), 1))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
