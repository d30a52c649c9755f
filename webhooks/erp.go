package webhooks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MaxErpRef is the longest ERP number, invoice number or payment reference an
// ERP may send.
const MaxErpRef = 100

// ErpNewsData is the data of the ERP's acknowledged, invoiced and paid events
// (erpapi.OrderAcknowledgedData, OrderInvoicedData, OrderPaidData), checked:
//
//	{"order_id": "…", "erp_number": "SO-000123", "acknowledged_at": "2026-01-02T10:00:00Z"}
//	{"order_id": "…", "invoice_number": "INV-77", "amount_minor": 2500, "currency": "EUR", "invoiced_at": "…"}
//	{"order_id": "…", "payment_ref": "PAY-9", "amount_minor": 2500, "currency": "EUR", "paid_at": "…"}
//
// Ref is the type's reference (erp_number, invoice_number or payment_ref);
// Amount and Currency are zero for acknowledged. At is the type's time
// (acknowledged_at, invoiced_at, paid_at), optional: the envelope's created
// when absent.
type ErpNewsData struct {
	OrderID  uuid.UUID
	Ref      string
	Amount   int64
	Currency string
	At       time.Time
}

// erpNewsFields are the names of each ERP news type's reference and time.
var erpNewsFields = map[EventType]struct{ ref, at string }{
	ErpOrderAcknowledged: {"erp_number", "acknowledged_at"},
	ErpOrderInvoiced:     {"invoice_number", "invoiced_at"},
	ErpOrderPaid:         {"payment_ref", "paid_at"},
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ErpNews reads the data of an erp.order.acknowledged, erp.order.invoiced or
// erp.order.paid event. An error is a *FieldError naming the field of data at
// fault (data.amount_minor). The data of erp.order.shipped is a shipment's,
// read with ShipmentCreated.
func (e Event) ErpNews() (ErpNewsData, error) {
	names, ok := erpNewsFields[e.Type]
	if !ok {
		return ErpNewsData{}, fmt.Errorf("%s is not ERP news", e.Type)
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return ErpNewsData{}, &FieldError{Field: "data", Message: "data must be a JSON object"}
	}
	var out ErpNewsData
	var orderID string
	if err := stringField(d, "order_id", &orderID); err != nil {
		return out, err
	}
	if orderID == "" {
		return out, dataField("order_id", "is required: the order's ID, the reference it was pushed with")
	}
	id, err := uuid.Parse(orderID)
	if err != nil {
		return out, dataField("order_id", "must be an order's UUID")
	}
	out.OrderID = id
	if err := stringField(d, names.ref, &out.Ref); err != nil {
		return ErpNewsData{}, err
	}
	switch {
	case strings.TrimSpace(out.Ref) == "":
		return ErpNewsData{}, dataField(names.ref, "is required")
	case utf8.RuneCountInString(out.Ref) > MaxErpRef || !utf8.ValidString(out.Ref):
		return ErpNewsData{}, dataField(names.ref, fmt.Sprintf("must be at most %d characters", MaxErpRef))
	}
	if e.Type != ErpOrderAcknowledged {
		raw, ok := d["amount_minor"]
		if !ok || string(raw) == "null" {
			return ErpNewsData{}, dataField("amount_minor", "is required: integer minor units (cents)")
		}
		if err := json.Unmarshal(raw, &out.Amount); err != nil {
			return ErpNewsData{}, dataField("amount_minor", "must be an integer number of minor units")
		}
		switch {
		case e.Type == ErpOrderPaid && out.Amount < 1:
			return ErpNewsData{}, dataField("amount_minor", "must be at least 1")
		case out.Amount < 0:
			return ErpNewsData{}, dataField("amount_minor", "must not be negative")
		}
		if err := stringField(d, "currency", &out.Currency); err != nil {
			return ErpNewsData{}, err
		}
		if !currencyCode.MatchString(out.Currency) {
			return ErpNewsData{}, dataField("currency", "must be an ISO 4217 code such as EUR")
		}
	}
	var at *string
	if raw, ok := d[names.at]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ErpNewsData{}, dataField(names.at, "must be an RFC 3339 time such as 2026-01-02T10:00:00Z")
		}
		at = &s
	}
	if out.At, err = e.eventTime(names.at, at); err != nil {
		return ErpNewsData{}, err
	}
	return out, nil
}

// stringField reads an optional string of data into dst ("" when absent).
func stringField(d map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := d[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return dataField(name, "must be a string")
	}
	return nil
}
