package fulfilment

import (
	"context"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// RecordErpNewsInput is a piece of the ERP's news the order workflow took
// (acknowledged, invoiced, shipped, paid, or a held ERP payment applied), and
// the order after it.
type RecordErpNewsInput struct {
	Step Step `json:"step"`
	// Kind is the timeline event: erp_acknowledged, erp_invoiced,
	// erp_shipped, erp_paid or erp_payment_applied.
	Kind string `json:"kind"`
	// Status is the ERP status the news reports (none: it leaves it).
	Status commerce.ErpStatus `json:"status"`
	// Source says who told us: "webhook:<integration>/<event id>".
	Source string `json:"source"`
	Detail string `json:"detail"`
	// Payment is what the news pays of the order's invoices now (0: none),
	// under PaymentRef; Held is the ERP payment the order holds after it.
	Payment    int64  `json:"payment,omitempty"`
	PaymentRef string `json:"payment_ref,omitempty"`
	Held       int64  `json:"held"`
	// Order is the order after the news; it is saved only when the news pays.
	Order OrderState `json:"order"`
}

// RecordErpNews records, once, the ERP's news of an order: a timeline event,
// erp_status moved forward only (never back, whatever order news comes in),
// the ERP payment the order holds, and a payment of its invoices through the
// same path as ops' payments (payment_recorded, invoices settled oldest
// first) when the news pays.
func (a *Activities) RecordErpNews(ctx context.Context, in RecordErpNewsInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		fresh, err := claim(ctx, q, in.Step, in.Kind, in.Source, in.Detail)
		if err != nil || !fresh {
			return err
		}
		if in.Payment > 0 {
			if _, err := recordPayment(ctx, q, in.Step, in.Source, in.Payment, in.PaymentRef); err != nil {
				return err
			}
			if err := save(ctx, q, in.Step.OrderID, in.Order); err != nil {
				return err
			}
		}
		return q.OrderUpdateErpNews(ctx, db.OrderUpdateErpNewsParams{ID: in.Step.OrderID, ErpStatus: string(in.Status),
			ErpPaymentHeld: in.Held})
	}))
}
