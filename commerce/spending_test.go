package commerce_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

func utcTime(y int, m time.Month, d, h, min, s, ns int) time.Time {
	return time.Date(y, m, d, h, min, s, ns, time.UTC)
}

func TestPeriodWindow(t *testing.T) {
	t.Parallel()
	const lastNs = 999_999_999
	day := func(y int, m time.Month, d int) time.Time { return utcTime(y, m, d, 0, 0, 0, 0) }
	tests := []struct {
		name       string
		period     commerce.Period
		at         time.Time
		start, end time.Time
	}{
		{name: "month: last instant of January", period: commerce.PeriodMonth, at: utcTime(2025, 1, 31, 23, 59, 59, lastNs),
			start: day(2025, 1, 1), end: day(2025, 2, 1)},
		{name: "month: first instant of February", period: commerce.PeriodMonth, at: day(2025, 2, 1),
			start: day(2025, 2, 1), end: day(2025, 3, 1)},
		{name: "month: leap February", period: commerce.PeriodMonth, at: day(2024, 2, 29),
			start: day(2024, 2, 1), end: day(2024, 3, 1)},
		{name: "month: December ends next January", period: commerce.PeriodMonth, at: utcTime(2025, 12, 31, 23, 59, 59, lastNs),
			start: day(2025, 12, 1), end: day(2026, 1, 1)},
		{name: "month: in UTC whatever the caller's zone", period: commerce.PeriodMonth,
			at:    time.Date(2025, 2, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), // Jan 31 23:30 UTC
			start: day(2025, 1, 1), end: day(2025, 2, 1)},

		{name: "quarter: Jan 1 is Q1", period: commerce.PeriodQuarter, at: day(2025, 1, 1),
			start: day(2025, 1, 1), end: day(2025, 4, 1)},
		{name: "quarter: last instant of Mar 31 is Q1", period: commerce.PeriodQuarter, at: utcTime(2025, 3, 31, 23, 59, 59, lastNs),
			start: day(2025, 1, 1), end: day(2025, 4, 1)},
		{name: "quarter: Apr 1 is Q2", period: commerce.PeriodQuarter, at: day(2025, 4, 1),
			start: day(2025, 4, 1), end: day(2025, 7, 1)},
		{name: "quarter: Jun 30 is Q2", period: commerce.PeriodQuarter, at: utcTime(2025, 6, 30, 23, 59, 59, lastNs),
			start: day(2025, 4, 1), end: day(2025, 7, 1)},
		{name: "quarter: Jul 1 is Q3", period: commerce.PeriodQuarter, at: day(2025, 7, 1),
			start: day(2025, 7, 1), end: day(2025, 10, 1)},
		{name: "quarter: Sep 30 is Q3", period: commerce.PeriodQuarter, at: utcTime(2025, 9, 30, 12, 0, 0, 0),
			start: day(2025, 7, 1), end: day(2025, 10, 1)},
		{name: "quarter: Oct 1 is Q4", period: commerce.PeriodQuarter, at: day(2025, 10, 1),
			start: day(2025, 10, 1), end: day(2026, 1, 1)},
		{name: "quarter: December is Q4, ending next Jan 1", period: commerce.PeriodQuarter, at: utcTime(2025, 12, 31, 23, 59, 59, lastNs),
			start: day(2025, 10, 1), end: day(2026, 1, 1)},
		{name: "quarter: in UTC whatever the caller's zone", period: commerce.PeriodQuarter,
			at:    time.Date(2025, 4, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), // Mar 31 23:00 UTC
			start: day(2025, 1, 1), end: day(2025, 4, 1)},

		{name: "order: empty window at the instant", period: commerce.PeriodOrder, at: utcTime(2025, 5, 17, 10, 11, 12, 13),
			start: utcTime(2025, 5, 17, 10, 11, 12, 13), end: utcTime(2025, 5, 17, 10, 11, 12, 13)},
		{name: "unknown period: empty window", period: "week", at: day(2025, 5, 17),
			start: day(2025, 5, 17), end: day(2025, 5, 17)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start, end := commerce.PeriodWindow(tt.period, tt.at)
			require.Equal(t, tt.start, start) // require.Equal on time.Time also compares the location
			require.Equal(t, tt.end, end)
			// The window holds at: [start, end), or is empty at at.
			require.False(t, tt.at.Before(start))
			if !start.Equal(end) {
				require.True(t, tt.at.Before(end))
			}
		})
	}
}

func TestValidatePeriod(t *testing.T) {
	t.Parallel()
	for _, p := range []commerce.Period{commerce.PeriodOrder, commerce.PeriodMonth, commerce.PeriodQuarter} {
		require.NoError(t, commerce.ValidatePeriod("limits[0].period", p))
	}
	for _, p := range []commerce.Period{"", "week", "Month", "year"} {
		requireFieldError(t, commerce.ValidatePeriod("limits[0].period", p), "limits[0].period", `must be "order", "month" or "quarter"`)
	}
}

func TestValidateSpendingLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		limit     commerce.SpendingLimit
		wantField string // "" means valid
		wantMsg   string
	}{
		{name: "company monthly", limit: commerce.SpendingLimit{Period: commerce.PeriodMonth, Amount: 100_000, Currency: "EUR"}},
		{name: "buyer per order, zero", limit: commerce.SpendingLimit{CustomerID: "c-1", Period: commerce.PeriodOrder, Amount: 0, Currency: "EUR"}},
		{name: "unknown period", limit: commerce.SpendingLimit{Period: "week", Amount: 1, Currency: "EUR"}, wantField: "period", wantMsg: "must be"},
		{name: "negative amount", limit: commerce.SpendingLimit{Period: commerce.PeriodMonth, Amount: -1, Currency: "EUR"}, wantField: "amount", wantMsg: "must not be negative"},
		{name: "bad currency", limit: commerce.SpendingLimit{Period: commerce.PeriodMonth, Amount: 1, Currency: "euro"}, wantField: "currency", wantMsg: "ISO 4217"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateSpendingLimit(tt.limit)
			if tt.wantField == "" {
				require.NoError(t, err)
				return
			}
			requireFieldError(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

func TestCheckSpendingLimits(t *testing.T) {
	t.Parallel()
	const maxI = math.MaxInt64
	limit := func(id string, p commerce.Period, amount int64) commerce.SpendingLimit {
		return commerce.SpendingLimit{ID: id, Period: p, Amount: amount, Currency: "EUR"}
	}
	monthly := limit("m", commerce.PeriodMonth, 1000)
	perOrder := limit("o", commerce.PeriodOrder, 1000)
	quarterly := limit("q", commerce.PeriodQuarter, 5000)
	usd := commerce.SpendingLimit{ID: "usd", Period: commerce.PeriodMonth, Amount: 1_000_000, Currency: "USD"}
	tests := []struct {
		name   string
		order  int64
		usages []commerce.LimitUsage
		want   []commerce.LimitBreach
	}{
		{name: "no limits", order: 1_000_000},
		{name: "exactly at the limit with spend", order: 400, usages: []commerce.LimitUsage{{Limit: monthly, Spent: 600}}},
		{name: "one over with spend", order: 401, usages: []commerce.LimitUsage{{Limit: monthly, Spent: 600}},
			want: []commerce.LimitBreach{{Limit: monthly, Spent: 600, Order: 401, Over: 1}}},
		{name: "exactly at the limit, nothing spent", order: 1000, usages: []commerce.LimitUsage{{Limit: monthly}}},
		{name: "one over, nothing spent", order: 1001, usages: []commerce.LimitUsage{{Limit: monthly}},
			want: []commerce.LimitBreach{{Limit: monthly, Order: 1001, Over: 1}}},
		{name: "already over before this order", order: 1, usages: []commerce.LimitUsage{{Limit: monthly, Spent: 1500}},
			want: []commerce.LimitBreach{{Limit: monthly, Spent: 1500, Order: 1, Over: 501}}},
		{name: "per order ignores spent", order: 1000, usages: []commerce.LimitUsage{{Limit: perOrder, Spent: 5000}}},
		{name: "per order one over", order: 1001, usages: []commerce.LimitUsage{{Limit: perOrder, Spent: 5000}},
			want: []commerce.LimitBreach{{Limit: perOrder, Spent: 0, Order: 1001, Over: 1}}},
		{name: "zero limit, free order", order: 0, usages: []commerce.LimitUsage{{Limit: limit("z", commerce.PeriodMonth, 0)}}},
		{name: "zero limit, one cent", order: 1, usages: []commerce.LimitUsage{{Limit: limit("z", commerce.PeriodMonth, 0)}},
			want: []commerce.LimitBreach{{Limit: limit("z", commerce.PeriodMonth, 0), Order: 1, Over: 1}}},
		{name: "other currency cannot be checked: breach of the whole order", order: 1,
			usages: []commerce.LimitUsage{{Limit: usd, Spent: 7}},
			want:   []commerce.LimitBreach{{Limit: usd, Spent: 7, Order: 1, Over: 1}}},
		{name: "several breaches in usage order, passing limits left out", order: 1200,
			usages: []commerce.LimitUsage{
				{Limit: monthly, Spent: 0},
				{Limit: quarterly, Spent: 3000},
				{Limit: usd},
				{Limit: perOrder, Spent: 99_999},
			},
			want: []commerce.LimitBreach{
				{Limit: monthly, Order: 1200, Over: 200},
				{Limit: usd, Order: 1200, Over: 1200},
				{Limit: perOrder, Order: 1200, Over: 200},
			}},

		// Sums beyond int64 must not wrap into "within the limit".
		{name: "spent + order overflows, exceeded", order: 1, usages: []commerce.LimitUsage{{Limit: limit("x", commerce.PeriodMonth, 0), Spent: maxI}},
			want: []commerce.LimitBreach{{Limit: limit("x", commerce.PeriodMonth, 0), Spent: maxI, Order: 1, Over: maxI}}},
		{name: "spent + order overflows, over fits", order: 1, usages: []commerce.LimitUsage{{Limit: limit("x", commerce.PeriodMonth, maxI), Spent: maxI}},
			want: []commerce.LimitBreach{{Limit: limit("x", commerce.PeriodMonth, maxI), Spent: maxI, Order: 1, Over: 1}}},
		{name: "max spent, free order, max limit", order: 0, usages: []commerce.LimitUsage{{Limit: limit("x", commerce.PeriodMonth, maxI), Spent: maxI}}},
		{name: "over itself beyond int64 is capped", order: maxI, usages: []commerce.LimitUsage{{Limit: limit("x", commerce.PeriodMonth, 0), Spent: maxI}},
			want: []commerce.LimitBreach{{Limit: limit("x", commerce.PeriodMonth, 0), Spent: maxI, Order: maxI, Over: maxI}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := commerce.CheckSpendingLimits(eur(tt.order), tt.usages)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLimitBreachCurrencyMismatch(t *testing.T) {
	t.Parallel()
	b := commerce.LimitBreach{Limit: commerce.SpendingLimit{Currency: "USD"}}
	require.True(t, b.CurrencyMismatch("EUR"))
	require.False(t, b.CurrencyMismatch("USD"))
}
