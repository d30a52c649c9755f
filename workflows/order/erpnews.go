package order

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// The ERP's news of an order (its signed webhooks) arrives in any order and
// perhaps more than once. Each piece is taken once (by its key, carried over
// continue-as-new), the ERP status only moves forward, and a payment is
// never refused nor lost: what the invoices owe now is paid at once, the rest
// is held in the order's state and paid as later shipments invoice.

// erpNewsKinds are the timeline events of the news.
var erpNewsKinds = map[commerce.ErpStatus]string{
	commerce.ErpStatusOpen:     "erp_acknowledged",
	commerce.ErpStatusInvoiced: "erp_invoiced",
	commerce.ErpStatusShipped:  "erp_shipped",
	commerce.ErpStatusPaid:     "erp_paid",
}

// maxErpRefBytes bounds the ERP's references (the webhooks take 100
// characters).
const maxErpRefBytes = 400

func (w *orderRun) validateErpNews(in ErpNewsInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	switch {
	case in.Resync && in.Status == commerce.ErpStatusShipped:
	case in.Status == commerce.ErpStatusOpen, in.Status == commerce.ErpStatusInvoiced, in.Status == commerce.ErpStatusPaid:
	case in.Resync:
		return workflows.RefuseField("status", "must be open, invoiced, shipped or paid")
	default:
		return workflows.RefuseField("status", "must be open, invoiced or paid")
	}
	if err := commerce.ValidateQuoteText("ref", in.Ref, maxErpRefBytes, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	if w.erpNewsSeen[in.Key()] {
		return nil // sent again: the order answers as it is
	}
	if in.At.IsZero() {
		return workflows.RefuseField("at", "is required")
	}
	if err := commerce.ValidateQuoteText("source", in.Source, maxSourceBytes, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	switch {
	case in.Resync && in.Amount != 0:
		return workflows.RefuseField("amount", "a resync carries no amount")
	case in.Resync:
	case in.Status == commerce.ErpStatusPaid && in.Amount < 1:
		return workflows.RefuseField("amount", "must be at least 1")
	case in.Amount < 0:
		return workflows.RefuseField("amount", "must not be negative")
	case in.Status != commerce.ErpStatusOpen && w.opened && in.Currency != w.o.Currency:
		return workflows.RefuseField("currency", "must be the order's currency, "+w.o.Currency)
	}
	return nil
}

// erpNews takes one piece of the ERP's news.
func (w *orderRun) erpNews(ctx workflow.Context, in ErpNewsInput) error {
	if w.erpNewsSeen[in.Key()] {
		return nil
	}
	if !in.Resync && in.Status != commerce.ErpStatusOpen && in.Currency != w.o.Currency {
		return workflows.RefuseField("currency", "must be the order's currency, "+w.o.Currency)
	}
	record := fulfilment.RecordErpNewsInput{Kind: erpNewsKinds[in.Status], Status: in.Status, Source: in.Source,
		Held: w.st.ErpPaymentHeld}
	prevSt, prevPay := w.st, w.pay
	switch {
	case in.Resync:
		record.Kind = "erp_status_resynced"
		record.Detail = fmt.Sprintf("reconciliation found the order %s in the ERP; its news had not reached us", in.Status)
	case in.Status == commerce.ErpStatusOpen:
		record.Detail = "the ERP acknowledged the order as " + in.Ref
	case in.Status == commerce.ErpStatusInvoiced:
		record.Detail = fmt.Sprintf("the ERP invoiced %s of %s", in.Ref, commerce.Money{Amount: in.Amount, Currency: in.Currency})
	case in.Status == commerce.ErpStatusPaid:
		pay := min(in.Amount, max(w.pay.Due(), 0))
		record.Held += in.Amount - pay
		record.Payment, record.PaymentRef = pay, in.Ref
		record.Detail = fmt.Sprintf("the ERP reports %s paid: %s", in.Ref, commerce.Money{Amount: in.Amount, Currency: in.Currency})
		if held := in.Amount - pay; held > 0 {
			record.Detail += fmt.Sprintf("; %s held until shipments invoice it", commerce.Money{Amount: held, Currency: in.Currency})
		}
		w.pay.Paid += pay
		w.deriveStatuses(false)
	}
	record.Step, record.Order = w.nextStep(), w.orderState()
	if err := workflows.RunLocal(ctx, fulfilmentActs.RecordErpNews, record); err != nil {
		w.st, w.pay = prevSt, prevPay
		return err
	}
	w.markErpNews(in.Key())
	w.st.ErpStatus = commerce.ErpStatusAfter(w.st.ErpStatus, in.Status)
	w.st.ErpPaymentHeld = record.Held
	return w.setAttributes(ctx)
}

// afterShipment records what a shipment means for the ERP's news: reported
// by the ERP, the ERP status moves to shipped; and an ERP payment held pays
// what the shipment invoiced. Neither happens to an order without ERP news,
// so an order's history before the ERP's webhooks replays unchanged.
func (w *orderRun) afterShipment(ctx workflow.Context, in ShipmentInput) error {
	pay := min(w.st.ErpPaymentHeld, max(w.pay.Due(), 0))
	if !in.FromERP && pay == 0 {
		return nil
	}
	record := fulfilment.RecordErpNewsInput{Kind: "erp_payment_applied", Source: in.Source,
		Held: w.st.ErpPaymentHeld - pay, Payment: pay, PaymentRef: "held ERP payment"}
	if in.FromERP {
		record.Kind, record.Status = erpNewsKinds[commerce.ErpStatusShipped], commerce.ErpStatusShipped
		record.Detail = fmt.Sprintf("the ERP reports shipment %d shipped", w.st.Shipments)
	}
	if pay > 0 {
		if record.Detail != "" {
			record.Detail += "; "
		}
		record.Detail += fmt.Sprintf("%s of the held ERP payment pays its invoice", commerce.Money{Amount: pay, Currency: w.o.Currency})
	}
	prevSt, prevPay := w.st, w.pay
	w.pay.Paid += pay
	w.deriveStatuses(false)
	record.Step, record.Order = w.nextStep(), w.orderState()
	if err := workflows.RunLocal(ctx, fulfilmentActs.RecordErpNews, record); err != nil {
		w.st, w.pay = prevSt, prevPay
		return err
	}
	w.st.ErpStatus = commerce.ErpStatusAfter(w.st.ErpStatus, record.Status)
	w.st.ErpPaymentHeld = record.Held
	return w.setAttributes(ctx)
}

// markErpNews remembers news taken, in the order taken (carried as a list).
func (w *orderRun) markErpNews(key string) {
	if w.erpNewsSeen == nil {
		w.erpNewsSeen = map[string]bool{}
	}
	if !w.erpNewsSeen[key] {
		w.erpNewsSeen[key] = true
		w.erpNewsOrder = append(w.erpNewsOrder, key)
	}
}
