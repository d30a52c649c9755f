package spend_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

// TestCompanyQuarterlyLimitUnderConcurrentReservationsAndReleases races the
// checkouts of three employees, spread over the quarter's three months,
// against the company's quarterly limit, whose figure is added up from three
// months' totals of the whole company: exactly as many fit as the limit holds.
// Then some of them are released while a second wave reserves, and again the
// limit is reached and never passed.
func TestCompanyQuarterlyLimitUnderConcurrentReservationsAndReleases(t *testing.T) {
	t.Parallel()
	const limit, amount, wave = 1000, 100, 20
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, uuid.Nil, commerce.PeriodQuarter, limit)
	employees := []testenv.Buyer{f.Buyer, f.Colleague(t, commerce.RoleBuyer), f.Colleague(t, commerce.RoleBuyer)}
	months := []time.Time{ // Q2 2025
		time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 15, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 30, 23, 59, 59, 0, time.UTC),
	}
	cfg := f.Pool.Config()
	cfg.MaxConns = wave + 5
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	acts := &spend.Activities{DB: pool}

	type checkout struct {
		cartID uuid.UUID
		in     spend.ReserveSpendInput
	}
	newWave := func() []checkout {
		out := make([]checkout, wave)
		for i := range out {
			e := employees[i%len(employees)]
			id := testenv.NewCart(t, f.Pool, e, "EUR", nil)
			out[i] = checkout{cartID: id, in: spend.ReserveSpendInput{CartID: id, Attempt: 1, CompanyID: f.Company.ID,
				CustomerID: e.ID, Amount: activitytest.EUR(amount), At: months[i%len(months)]}}
		}
		return out
	}
	// run reserves the wave at once, while release gives back the spend of
	// the carts given, and returns the carts that got their spend.
	run := func(checkouts []checkout, release []uuid.UUID) []uuid.UUID {
		errs := make([]error, len(checkouts))
		releaseErrs := make([]error, len(release))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range checkouts {
			wg.Go(func() { <-start; _, errs[i] = acts.ReserveSpend(context.Background(), c.in) })
		}
		for i, id := range release {
			wg.Go(func() {
				<-start
				releaseErrs[i] = acts.ReleaseSpend(context.Background(), spend.ReleaseSpendInput{CartID: id, Attempt: 1})
			})
		}
		close(start)
		wg.Wait()
		var placed []uuid.UUID
		for i, err := range errs {
			if err == nil {
				placed = append(placed, checkouts[i].cartID)
				continue
			}
			activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
		}
		for _, err := range releaseErrs {
			require.NoError(t, err)
		}
		return placed
	}
	held := func() int64 {
		return int64(f.Count(t, `SELECT COALESCE(SUM(amount), 0) FROM spend_reservations WHERE company_id = $1 AND status <> 'released'`, f.Company.ID))
	}

	first := run(newWave(), nil)
	require.Len(t, first, limit/amount, "the first wave fills the limit exactly")
	require.EqualValues(t, limit, held())

	// Three are given back while a second wave races for the room.
	second := run(newWave(), first[:3])
	require.LessOrEqual(t, held(), int64(limit), "never over the limit")
	require.LessOrEqual(t, len(second), 3, "at most the room given back")
	// Whatever the second wave found, the room left is taken by a third.
	run(newWave(), nil)
	require.EqualValues(t, limit, held(), "the limit is reached again, not passed")
	testenv.RequireTotalsAgree(t, f.Pool)
}
