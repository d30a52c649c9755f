package fulfilment

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/notify"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// RequestReturnInput is a buyer's return request the workflow accepted.
type RequestReturnInput struct {
	Step      Step                  `json:"step"`
	CompanyID uuid.UUID             `json:"company_id"`
	ReturnID  uuid.UUID             `json:"return_id"`
	Number    int                   `json:"number"`
	Actor     string                `json:"actor"`
	Lines     []commerce.ReturnLine `json:"lines"`
}

// RequestReturn records, once, a return request and tells ops.
func (a *Activities) RequestReturn(ctx context.Context, in RequestReturnInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		n, err := q.ReturnCreate(ctx, db.ReturnCreateParams{ID: in.ReturnID, OrderID: in.Step.OrderID, Number: int32(in.Number), RequestedBy: in.Actor})
		if err != nil || n == 0 {
			return err
		}
		lines := db.ReturnLineCreateManyParams{ReturnID: in.ReturnID}
		var parts []commerce.ShipLine
		for _, l := range in.Lines {
			lines.Skus = append(lines.Skus, l.SKU)
			lines.Quantities = append(lines.Quantities, l.Quantity)
			lines.Reasons = append(lines.Reasons, l.Reason)
			parts = append(parts, commerce.ShipLine{SKU: l.SKU, Quantity: l.Quantity})
		}
		if err := q.ReturnLineCreateMany(ctx, lines); err != nil {
			return err
		}
		detail := fmt.Sprintf("return %d requested: %s", in.Number, describe(parts))
		if _, err := claim(ctx, q, in.Step, "return_requested", in.Actor, detail); err != nil {
			return err
		}
		return notify.Queue(ctx, q, notify.Message{DedupKey: in.Step.dedup("return_requested"), Kind: "return_requested",
			CompanyID: in.CompanyID, ToRole: string(commerce.RoleOps),
			Subject: fmt.Sprintf("Return %d of order %s waits for a decision", in.Number, in.Step.OrderID), Body: detail})
	}))
}

// DecideReturnInput is ops' decision on a return request, and the order after
// it (an approved return counts as returned).
type DecideReturnInput struct {
	Step     Step       `json:"step"`
	ReturnID uuid.UUID  `json:"return_id"`
	Number   int        `json:"number"`
	Approve  bool       `json:"approve"`
	Actor    string     `json:"actor"`
	Comment  string     `json:"comment"`
	Credit   int64      `json:"credit"`
	Order    OrderState `json:"order"`
}

// DecideReturn records, once, the decision; an approval changes the order's
// returned quantities and statuses.
func (a *Activities) DecideReturn(ctx context.Context, in DecideReturnInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		status, kind := "rejected", "return_rejected"
		if in.Approve {
			status, kind = "approved", "return_approved"
		}
		detail := fmt.Sprintf("return %d %s", in.Number, status)
		if in.Comment != "" {
			detail += ": " + in.Comment
		}
		fresh, err := claim(ctx, q, in.Step, kind, in.Actor, detail)
		if err != nil || !fresh {
			return err
		}
		if _, err := q.ReturnDecide(ctx, db.ReturnDecideParams{ID: in.ReturnID, Status: status, DecidedBy: in.Actor,
			Comment: in.Comment, Credit: in.Credit}); err != nil {
			return err
		}
		if !in.Approve {
			return nil
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	}))
}

// ReceivedLine is a returned SKU as it came back: back on the shelf
// (restock) or not (write_off).
type ReceivedLine struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Condition string `json:"condition"`
}

// ReceiveReturnInput is an approved return's goods received, and the credit
// note that follows.
type ReceiveReturnInput struct {
	Step       Step           `json:"step"`
	CompanyID  uuid.UUID      `json:"company_id"`
	Currency   string         `json:"currency"`
	ReturnID   uuid.UUID      `json:"return_id"`
	Number     int            `json:"number"`
	Lines      []ReceivedLine `json:"lines"`
	Source     string         `json:"source"`
	CreditNote string         `json:"credit_note"`
	Credit     int64          `json:"credit"`
	ReceivedAt time.Time      `json:"received_at"`
	Order      OrderState     `json:"order"`
}

// ReceiveReturn records, once, the goods received (restocked ones back on
// hand at the location they shipped from) and issues the credit note, which settles the order's open invoices,
// oldest first.
func (a *Activities) ReceiveReturn(ctx context.Context, in ReceiveReturnInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		fresh, err := claim(ctx, q, in.Step, "return_received", in.Source, fmt.Sprintf("return %d received; credit note %s of %s",
			in.Number, in.CreditNote, money(in.Credit, in.Currency)))
		if err != nil || !fresh {
			return err
		}
		if _, err := q.ReturnReceive(ctx, in.ReturnID); err != nil {
			return err
		}
		for _, l := range in.Lines {
			if err := q.ReturnLineUpdateCondition(ctx, db.ReturnLineUpdateConditionParams{ReturnID: in.ReturnID, Sku: l.SKU, Condition: l.Condition}); err != nil {
				return err
			}
			if l.Condition == "restock" {
				if err := restock(ctx, q, in.Step.OrderID, in.ReturnID, l); err != nil {
					return err
				}
			}
		}
		if _, err := q.CreditNoteCreate(ctx, db.CreditNoteCreateParams{Number: in.CreditNote, OrderID: in.Step.OrderID,
			ReturnID: uuid.NullUUID{UUID: in.ReturnID, Valid: true}, CompanyID: in.CompanyID, Amount: in.Credit,
			Currency: in.Currency, IssuedAt: in.ReceivedAt}); err != nil {
			return err
		}
		if err := settle(ctx, q, in.Step.OrderID, in.Credit); err != nil {
			return err
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	}))
}

// restock puts a returned line's units back on hand where they shipped from
// (of several locations, the one that shipped most of the SKU), or at the
// default location for an order shipped before there were locations' records,
// and records the location on the return line.
func restock(ctx context.Context, q *db.Queries, orderID, returnID uuid.UUID, l ReceivedLine) error {
	location, err := q.ShipmentStockRestockLocation(ctx, db.ShipmentStockRestockLocationParams{OrderID: orderID, Sku: l.SKU})
	if db.IsNotFound(err) {
		var d db.StockLocation
		d, err = q.StockLocationGetDefault(ctx)
		location = d.ID
	}
	if err != nil {
		return err
	}
	if err := q.StockRestock(ctx, db.StockRestockParams{Sku: l.SKU, LocationID: location, Quantity: l.Quantity}); err != nil {
		return err
	}
	return q.ReturnLineSetRestockLocation(ctx, db.ReturnLineSetRestockLocationParams{ReturnID: returnID, Sku: l.SKU,
		RestockLocationID: uuid.NullUUID{UUID: location, Valid: true}})
}

// settle applies an amount (a payment or a credit note) to the order's open
// invoices, oldest first; what is left over settles nothing (it was paid
// already).
func settle(ctx context.Context, q *db.Queries, orderID uuid.UUID, amount int64) error {
	open, err := q.InvoiceListOpenByOrder(ctx, orderID)
	if err != nil {
		return err
	}
	for _, inv := range open {
		if amount == 0 {
			break
		}
		part := min(amount, inv.Amount-inv.PaidAmount)
		if err := q.InvoiceSettle(ctx, db.InvoiceSettleParams{Number: inv.Number, Amount: part}); err != nil {
			return err
		}
		amount -= part
	}
	return nil
}

// RecordPaymentInput is a payment of the order's invoices ops recorded, and
// the order after it.
type RecordPaymentInput struct {
	Step   Step       `json:"step"`
	Actor  string     `json:"actor"`
	Amount int64      `json:"amount"`
	Ref    string     `json:"ref"`
	Order  OrderState `json:"order"`
}

// RecordPayment records, once, a payment: it settles the order's open
// invoices, oldest first, which gives the company's credit back.
func (a *Activities) RecordPayment(ctx context.Context, in RecordPaymentInput) error {
	return activities.Classify(db.InTx(ctx, a.DB, func(q *db.Queries) error {
		fresh, err := recordPayment(ctx, q, in.Step, in.Actor, in.Amount, in.Ref)
		if err != nil || !fresh {
			return err
		}
		return save(ctx, q, in.Step.OrderID, in.Order)
	}))
}

// recordPayment claims the step's payment_recorded event and settles the
// order's open invoices with the amount; false means an earlier try did.
func recordPayment(ctx context.Context, q *db.Queries, step Step, actor string, amount int64, ref string) (bool, error) {
	fresh, err := claim(ctx, q, step, "payment_recorded", actor, fmt.Sprintf("paid %d (%s)", amount, ref))
	if err != nil || !fresh {
		return fresh, err
	}
	return true, settle(ctx, q, step.OrderID, amount)
}
