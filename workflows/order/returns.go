package order

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// Returns (RMA) and payments. A return is requested by the buyer (or a
// company admin) within the return window after delivery, decided by ops (an
// approved return counts as returned, and fixes its credit: the returned
// units' share of what was invoiced), and received by ops or a warehouse
// webhook: restocked goods go back on hand, and a credit note settles the
// order's open invoices. Payments settle them too.

// returnRun is one return of the order.
type returnRun struct {
	id     uuid.UUID
	number int
	status string // requested, approved, rejected, received
	lines  []commerce.ReturnLine
	credit int64
}

// open: a return the workflow still waits on (a decision or the goods).
func (r *returnRun) open() bool { return r.status == "requested" || r.status == "approved" }

func (w *orderRun) openReturns() bool {
	for _, r := range w.returns {
		if r.open() {
			return true
		}
	}
	return false
}

// requestable are the order's lines with pending requests counted as
// returned, so the same units cannot be asked for twice.
func (w *orderRun) requestable() []commerce.OrderLine {
	lines := append([]commerce.OrderLine(nil), w.st.Lines...)
	for _, r := range w.returns {
		if r.status != "requested" {
			continue
		}
		for _, rl := range r.lines {
			for i := range lines {
				if lines[i].SKU == rl.SKU {
					lines[i].Returned += rl.Quantity
				}
			}
		}
	}
	return lines
}

func returnLines(in []ReturnLine) []commerce.ReturnLine {
	out := make([]commerce.ReturnLine, len(in))
	for i, l := range in {
		out[i] = commerce.ReturnLine{SKU: l.SKU, Quantity: l.Quantity, Reason: l.Reason}
	}
	return out
}

func (w *orderRun) validateReturnRequest(in ReturnRequestInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	isBuyer := in.Actor.ID == w.in.CustomerID
	sameCompany := in.Actor.CompanyID != uuid.Nil && in.Actor.CompanyID == w.in.CompanyID
	if !commerce.CanCancelOrder(in.Actor.Role, isBuyer, sameCompany) {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeNotAllowed,
			Message: "only the buyer, a company admin of the buyer's company or ops may ask to return goods"})
	}
	if in.ReturnID == uuid.Nil {
		return workflows.RefuseField("return_id", "is required")
	}
	if w.findReturn(in.ReturnID) != nil {
		return nil // asked again: answered as it is
	}
	if w.deliveredAt.IsZero() {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState, Message: "nothing of the order was delivered yet"})
	}
	return workflows.AsUpdateError(commerce.CheckReturn(w.requestable(), returnLines(in.Lines), w.deliveredAt,
		workflow.Now(w.rootCtx), w.o.ReturnWindow))
}

func (w *orderRun) requestReturn(ctx workflow.Context, in ReturnRequestInput) error {
	if w.findReturn(in.ReturnID) != nil {
		return nil
	}
	r := &returnRun{id: in.ReturnID, number: len(w.returns) + 1, status: "requested", lines: returnLines(in.Lines)}
	if err := workflows.RunLocal(ctx, fulfilmentActs.RequestReturn, fulfilment.RequestReturnInput{
		Step: w.nextStep(), CompanyID: w.o.CompanyID, ReturnID: r.id, Number: r.number, Actor: actorName(in.Actor), Lines: r.lines,
	}); err != nil {
		return err
	}
	w.returns = append(w.returns, r)
	return nil
}

func (w *orderRun) validateReturnDecision(in ReturnDecisionInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	if in.Actor.Role != commerce.RoleOps {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeNotAllowed, Message: "only ops decide returns"})
	}
	r := w.findReturn(in.ReturnID)
	if r == nil || r.status != "requested" {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState, Message: "no return request waits for a decision under that ID"})
	}
	return workflows.AsUpdateError(commerce.ValidateQuoteText("comment", in.Comment, commerce.MaxQuoteTextBytes, !in.Approve))
}

func (w *orderRun) decideReturn(ctx workflow.Context, in ReturnDecisionInput) error {
	r := w.findReturn(in.ReturnID)
	prev, prevStatus := w.st, r.status
	d := fulfilment.DecideReturnInput{Step: w.nextStep(), ReturnID: r.id, Number: r.number, Approve: in.Approve,
		Actor: actorName(in.Actor), Comment: in.Comment}
	if in.Approve {
		credit, err := commerce.CreditNoteAmount(w.st.Lines, w.o.Totals, r.lines)
		if err != nil {
			return workflows.AsUpdateError(err)
		}
		next, err := commerce.ApplyReturn(w.st.Lines, r.lines)
		if err != nil {
			return workflows.AsUpdateError(err)
		}
		w.st.Lines, r.credit, d.Credit = next, credit.Total, credit.Total
		w.deriveStatuses(false)
		d.Order = w.orderState()
	}
	r.status = map[bool]string{true: "approved", false: "rejected"}[in.Approve]
	if err := workflows.RunLocal(ctx, fulfilmentActs.DecideReturn, d); err != nil {
		w.st, r.status, r.credit = prev, prevStatus, 0
		return err
	}
	return w.setAttributes(ctx)
}

func (w *orderRun) validateReturnReceipt(in ReturnReceiptInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	r := w.findReturn(in.ReturnID)
	if r == nil || r.status != "approved" {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState, Message: "no approved return waits for its goods under that ID"})
	}
	if in.ReceivedAt.IsZero() {
		return workflows.RefuseField("received_at", "is required")
	}
	if err := commerce.ValidateQuoteText("source", in.Source, maxSourceBytes, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	for i, l := range in.Lines {
		if l.Condition != "restock" && l.Condition != "write_off" {
			return workflows.RefuseField(fmt.Sprintf("lines[%d].condition", i), "must be restock or write_off")
		}
		if !strings.Contains(skusOf(r.lines), "\x00"+l.SKU+"\x00") {
			return workflows.RefuseField(fmt.Sprintf("lines[%d].sku", i), "is not in the return")
		}
	}
	return nil
}

func skusOf(lines []commerce.ReturnLine) string {
	var b strings.Builder
	b.WriteString("\x00")
	for _, l := range lines {
		b.WriteString(l.SKU + "\x00")
	}
	return b.String()
}

func (w *orderRun) receiveReturn(ctx workflow.Context, in ReturnReceiptInput) error {
	r := w.findReturn(in.ReturnID)
	received := make([]fulfilment.ReceivedLine, len(r.lines))
	for i, l := range r.lines {
		received[i] = fulfilment.ReceivedLine{SKU: l.SKU, Quantity: l.Quantity, Condition: "restock"}
		for _, c := range in.Lines {
			if c.SKU == l.SKU {
				received[i].Condition = c.Condition
			}
		}
	}
	prevPay := w.pay
	w.pay.Credited += r.credit
	w.deriveStatuses(false)
	if err := workflows.RunLocal(ctx, fulfilmentActs.ReceiveReturn, fulfilment.ReceiveReturnInput{
		Step: w.nextStep(), CompanyID: w.o.CompanyID, Currency: w.o.Currency, ReturnID: r.id, Number: r.number,
		Lines: received, Source: in.Source, CreditNote: CreditNoteNumber(w.o.OrderID, r.number), Credit: r.credit,
		ReceivedAt: in.ReceivedAt.UTC(), Order: w.orderState(),
	}); err != nil {
		w.pay = prevPay
		return err
	}
	r.status = "received"
	if err := workflows.RunLocal(ctx, paymentActs.RefundPayment, payment.AdjustPaymentInput{
		PaymentKey: w.o.PaymentKey, ID: CreditNoteNumber(w.o.OrderID, r.number),
		Amount: commerce.Money{Amount: r.credit, Currency: w.o.Currency}, CartID: w.o.CartID, OrderID: w.o.OrderID,
	}); err != nil {
		return err
	}
	return w.setAttributes(ctx)
}

func (w *orderRun) validatePayment(in PaymentInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	if in.Actor.Role != commerce.RoleOps {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeNotAllowed, Message: "only ops record payments"})
	}
	if err := commerce.ValidateQuoteText("ref", in.Ref, 200, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	return workflows.AsUpdateError(commerce.CheckPayment(w.pay, in.Amount))
}

func (w *orderRun) recordPayment(ctx workflow.Context, in PaymentInput) error {
	if err := commerce.CheckPayment(w.pay, in.Amount); err != nil {
		return workflows.AsUpdateError(err)
	}
	prevPay := w.pay
	w.pay.Paid += in.Amount
	w.deriveStatuses(false)
	if err := workflows.RunLocal(ctx, fulfilmentActs.RecordPayment, fulfilment.RecordPaymentInput{
		Step: w.nextStep(), Actor: actorName(in.Actor), Amount: in.Amount, Ref: in.Ref, Order: w.orderState(),
	}); err != nil {
		w.pay = prevPay
		return err
	}
	return w.setAttributes(ctx)
}

// CreditNoteNumber names a return's credit note.
func CreditNoteNumber(orderID uuid.UUID, ret int) string {
	return fmt.Sprintf("CN-%s-%d", strings.ToUpper(strings.ReplaceAll(orderID.String(), "-", "")[:12]), ret)
}

// findReturn is the return with the ID, or nil.
func (w *orderRun) findReturn(id uuid.UUID) *returnRun {
	for _, r := range w.returns {
		if r.id == id {
			return r
		}
	}
	return nil
}

// returnStates are the returns for State, in their order.
func (w *orderRun) returnStates() []ReturnState {
	out := make([]ReturnState, 0, len(w.returns))
	for _, r := range w.returns {
		lines := make([]ReturnLine, len(r.lines))
		for i, l := range r.lines {
			lines[i] = ReturnLine{SKU: l.SKU, Quantity: l.Quantity, Reason: l.Reason}
		}
		out = append(out, ReturnState{ReturnID: r.id, Number: r.number, Status: r.status, Lines: lines, Credit: r.credit})
	}
	return out
}
