package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// TestRunningTotalsMigrationCountsTheHistory takes a database back to before
// migration 0014 (no running totals), gives a company a history of holds,
// invoices and reservations in every status, and applies 0014: the totals it
// computes are the history's, company by company, month by month.
func TestRunningTotalsMigrationCountsTheHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := testenv.NewDatabase(t)
	company := testenv.NewCompany(t, pool, "EUR", 1_000_000)
	other := testenv.NewCompany(t, pool, "EUR", 1_000_000)
	alice, bob := testenv.NewBuyer(t, pool, company), testenv.NewBuyer(t, pool, company)
	carol := testenv.NewBuyer(t, pool, other)
	cart := testenv.NewCart(t, pool, alice, "EUR", nil)
	otherCart := testenv.NewCart(t, pool, carol, "EUR", nil)

	_, err := pool.Exec(ctx, `ALTER TABLE companies DROP COLUMN credit_used; DROP TABLE spend_totals`)
	require.NoError(t, err)
	orderID := uuid.New()
	for _, stmt := range []string{
		`INSERT INTO orders (id, cart_id, company_id, customer_id, status, currency, subtotal, total, placed_at)
		 VALUES (@order, @cart, @company, @alice, 'placed', 'EUR', 500, 500, now())`,
		`INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency, status) VALUES
		 ('h1', @cart, @company, 100, 'EUR', 'authorized'), ('h2', @cart, @company, 50, 'EUR', 'released'),
		 ('h3', @other_cart, @other, 30, 'EUR', 'authorized')`,
		`INSERT INTO invoices (number, order_id, company_id, amount, currency, issued_at, due_at, paid_amount, status) VALUES
		 ('I1', @order, @company, 200, 'EUR', now(), now(), 50, 'open'), ('I2', @order, @company, 70, 'EUR', now(), now(), 70, 'paid')`,
		`INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, status, reserved_at) VALUES
		 ('s1', @cart, @company, @alice, 10, 'EUR', 'reserved',  '2025-05-01T00:00:00Z'),
		 ('s2', @cart, @company, @bob,   20, 'EUR', 'committed', '2025-05-31T23:59:59Z'),
		 ('s3', @cart, @company, @alice, 40, 'EUR', 'released',  '2025-05-15T12:00:00Z'),
		 ('s4', @cart, @company, @alice,  5, 'EUR', 'committed', '2025-06-01T00:00:00Z'),
		 ('s5', @other_cart, @other, @carol, 7, 'EUR', 'reserved', '2025-05-20T00:00:00Z')`,
	} {
		_, err := pool.Exec(ctx, stmt, pgx.NamedArgs{"order": orderID, "cart": cart, "other_cart": otherCart,
			"company": company.ID, "other": other.ID, "alice": alice.ID, "bob": bob.ID, "carol": carol.ID})
		require.NoError(t, err, stmt)
	}

	migrations, err := db.Migrations()
	require.NoError(t, err)
	var applied bool
	for _, m := range migrations {
		if m.Version == 14 {
			_, err := pool.Exec(ctx, m.SQL)
			require.NoError(t, err)
			applied = true
		}
	}
	require.True(t, applied, "migration 0014 is embedded")

	drift, err := testenv.TotalsDrift(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, drift)
	q := db.New(pool)
	c, err := q.CompanyGet(ctx, company.ID)
	require.NoError(t, err)
	require.EqualValues(t, 100+150, c.CreditUsed, "the authorized hold and what the open invoice still owes")
	c, err = q.CompanyGet(ctx, other.ID)
	require.NoError(t, err)
	require.EqualValues(t, 30, c.CreditUsed)

	may, june := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		who        uuid.NullUUID
		from, to   time.Time
		want       int64
		whatItHeld string
	}{
		{uuid.NullUUID{}, may, june, 30, "the company in May: reserved and committed, not released"},
		{uuid.NullUUID{UUID: alice.ID, Valid: true}, may, june, 10, "Alice in May"},
		{uuid.NullUUID{UUID: bob.ID, Valid: true}, may, june, 20, "Bob in May, to the last second"},
		{uuid.NullUUID{}, june, june.AddDate(0, 1, 0), 5, "the company in June"},
		{uuid.NullUUID{}, may.AddDate(0, -1, 0), june.AddDate(0, 2, 0), 35, "the company from April to July"},
	} {
		sums, err := q.SpendTotalSumWindows(ctx, db.SpendTotalSumWindowsParams{CompanyID: company.ID, CustomerID: tc.who,
			ByCustomer: []bool{tc.who.Valid}, WindowStarts: []time.Time{tc.from}, WindowEnds: []time.Time{tc.to}})
		require.NoError(t, err)
		require.Len(t, sums, 1)
		require.Equal(t, tc.want, sums[0].Spent, tc.whatItHeld)
	}
	// Several windows in one statement come back in the order asked.
	sums, err := q.SpendTotalSumWindows(ctx, db.SpendTotalSumWindowsParams{CompanyID: company.ID,
		CustomerID: uuid.NullUUID{UUID: alice.ID, Valid: true}, ByCustomer: []bool{false, true, false, true},
		WindowStarts: []time.Time{may, may, may.AddDate(0, -1, 0), june},
		WindowEnds:   []time.Time{june, june, june.AddDate(0, 2, 0), june.AddDate(0, 1, 0)}})
	require.NoError(t, err)
	var got []int64
	for i, s := range sums {
		require.EqualValues(t, i+1, s.Ord)
		got = append(got, s.Spent)
	}
	require.Equal(t, []int64{30, 10, 35, 5}, got, "company May, Alice May, company April to July, Alice June")
}

// TestCompanyLockLetsNewRowsOfTheCompanyIn: while one transaction holds the
// company for a decision, another may still create rows that refer to the
// company (a cart, here), which FOR UPDATE would have made wait; a second
// decision and any change to the company's row still wait.
func TestCompanyLockLetsNewRowsOfTheCompanyIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := testenv.NewDatabase(t)
	company := testenv.NewCompany(t, pool, "EUR", 1000)
	buyer := testenv.NewBuyer(t, pool, company)

	holder, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer holder.Rollback(ctx) //nolint:errcheck // the test ends it
	_, err = db.New(holder).CompanyLock(ctx, company.ID)
	require.NoError(t, err)

	// Each attempt gives up after a moment rather than wait for the holder.
	attempt := func(fn func(q *db.Queries) error) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '300ms'"); err != nil {
				return err
			}
			return fn(db.New(tx))
		})
	}
	err = attempt(func(q *db.Queries) error {
		_, err := q.CartCreate(ctx, db.CartCreateParams{ID: uuid.New(), CompanyID: company.ID, CustomerID: buyer.ID, Currency: "EUR"})
		return err
	})
	require.NoError(t, err, "a new cart of the company does not wait for the decision")

	err = attempt(func(q *db.Queries) error { _, err := q.CompanyLock(ctx, company.ID); return err })
	requireLockNotAvailable(t, err, "a second decision waits")
	err = attempt(func(q *db.Queries) error { return q.CompanyRecountCredit(ctx, company.ID) })
	requireLockNotAvailable(t, err, "a change to the company's row waits")
}

func requireLockNotAvailable(t *testing.T, err error, msg string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, msg)
	require.Equal(t, "55P03", pgErr.Code, msg) // lock_not_available: lock_timeout ran out
}
