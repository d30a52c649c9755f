package testenv

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// TotalsDrift describes every running total in the database that differs from
// the history it stands for: a company's credit used (authorized holds plus
// what open invoices owe) and its spend per month and employee (reserved or
// committed reservations). Empty when every writer kept them. Each check is one
// statement, so it may run while checkouts do.
func TotalsDrift(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	q := db.New(pool)
	credit, err := q.CompanyListCreditDrift(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range credit {
		out = append(out, fmt.Sprintf("company %s: credit_used %d, its holds and open invoices add up to %d", c.ID, c.Kept, c.Recounted))
	}
	spend, err := q.SpendTotalListDrift(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range spend {
		who := "the whole company"
		if s.CustomerID.Valid {
			who = "employee " + s.CustomerID.UUID.String()
		}
		out = append(out, fmt.Sprintf("company %s, %s, month %s: spend total %d, its reservations add up to %d",
			s.CompanyID, who, s.Month.UTC().Format("2006-01"), s.Kept, s.Recounted))
	}
	return out, nil
}

// RequireTotalsAgree fails the test when a running total differs from the
// history it stands for (TotalsDrift).
func RequireTotalsAgree(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	drift, err := TotalsDrift(context.Background(), pool)
	if err != nil {
		t.Fatalf("check running totals: %v", err)
	}
	for _, d := range drift {
		t.Errorf("running totals drifted: %s", d)
	}
}
