package db

import (
	"context"

	"github.com/google/uuid"
)

// RecountTotals sets a company's running totals (credit used, spend per month)
// from its history, as migration 0014 did: the repair for totals that drifted,
// and how rows written past the queries (bulk-loaded history) are brought into
// them. It holds the company's lock, which every writer of its holds, invoices
// and reservations waits for, so nothing moves between the count and the write.
func RecountTotals(ctx context.Context, b Beginner, companyID uuid.UUID) error {
	return InTx(ctx, b, func(q *Queries) error {
		if _, err := q.CompanyLock(ctx, companyID); err != nil {
			return err
		}
		if err := q.CompanyRecountCredit(ctx, companyID); err != nil {
			return err
		}
		if err := q.SpendTotalDeleteByCompany(ctx, companyID); err != nil {
			return err
		}
		return q.SpendTotalRecountByCompany(ctx, companyID)
	})
}
