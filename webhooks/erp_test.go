package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/webhooks"
)

func TestErpNewsData(t *testing.T) {
	order := uuid.MustParse(shipOrder)
	for name, tc := range map[string]struct {
		typ, data string
		want      webhooks.ErpNewsData
	}{
		"acknowledged": {"erp.order.acknowledged", `{"order_id":"` + shipOrder + `","erp_number":"SO-000001","acknowledged_at":"2026-01-02T11:00:00+01:00"}`,
			webhooks.ErpNewsData{OrderID: order, Ref: "SO-000001", At: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}},
		"invoiced": {"erp.order.invoiced", `{"order_id":"` + shipOrder + `","invoice_number":"INV-1","amount_minor":2500,"currency":"EUR"}`,
			webhooks.ErpNewsData{OrderID: order, Ref: "INV-1", Amount: 2500, Currency: "EUR", At: time.Unix(1767225600, 0).UTC()}},
		"paid": {"erp.order.paid", `{"order_id":"` + shipOrder + `","payment_ref":"PAY-1","amount_minor":1,"currency":"EUR","paid_at":"2026-01-05T00:00:00Z"}`,
			webhooks.ErpNewsData{OrderID: order, Ref: "PAY-1", Amount: 1, Currency: "EUR", At: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(name, func(t *testing.T) {
			e, err := webhooks.ParseEvent(envelope(tc.typ, tc.data))
			require.NoError(t, err)
			require.Equal(t, order, e.OrderID.UUID)
			d, err := e.ErpNews()
			require.NoError(t, err)
			require.Equal(t, tc.want, d)
		})
	}
}

// The ERP's shipped news carries a shipment's data, read as one.
func TestErpOrderShippedIsAShipment(t *testing.T) {
	e, err := webhooks.ParseEvent(envelope("erp.order.shipped", `{"order_id":"`+shipOrder+`","shipment_ref":"SO-1-1",
		"lines":[{"sku":"GLV-100","quantity":2}],"carrier":"DHL","tracking_number":"JD1"}`))
	require.NoError(t, err)
	d, err := e.ShipmentCreated()
	require.NoError(t, err)
	require.Equal(t, "SO-1-1", d.ShipmentRef)

	_, err = webhooks.ParseEvent(envelope("erp.order.shipped", `{"order_id":"`+shipOrder+`","shipment_ref":"SO-1-1","tracking_number":"JD1"}`))
	var fe *webhooks.FieldError
	require.True(t, errors.As(err, &fe))
	require.Equal(t, "data.lines", fe.Field)
}

// ERP news that cannot be applied is refused where the envelope is read,
// naming the field of data.
func TestErpNewsRefusals(t *testing.T) {
	o := `"order_id":"` + shipOrder + `"`
	for name, tc := range map[string]struct {
		typ, data, field string
	}{
		"no order":            {"erp.order.acknowledged", `{"erp_number":"SO-1"}`, "data.order_id"},
		"order not a uuid":    {"erp.order.acknowledged", `{"order_id":"SO-1","erp_number":"SO-1"}`, "data.order_id"},
		"order a number":      {"erp.order.acknowledged", `{"order_id":7,"erp_number":"SO-1"}`, "data.order_id"},
		"no erp number":       {"erp.order.acknowledged", `{` + o + `}`, "data.erp_number"},
		"erp number too long": {"erp.order.acknowledged", `{` + o + `,"erp_number":"` + strings.Repeat("x", 101) + `"}`, "data.erp_number"},
		"no invoice number":   {"erp.order.invoiced", `{` + o + `,"amount_minor":1,"currency":"EUR"}`, "data.invoice_number"},
		"no amount":           {"erp.order.invoiced", `{` + o + `,"invoice_number":"I","currency":"EUR"}`, "data.amount_minor"},
		"negative invoice":    {"erp.order.invoiced", `{` + o + `,"invoice_number":"I","amount_minor":-1,"currency":"EUR"}`, "data.amount_minor"},
		"float amount":        {"erp.order.paid", `{` + o + `,"payment_ref":"P","amount_minor":12.5,"currency":"EUR"}`, "data.amount_minor"},
		"zero payment":        {"erp.order.paid", `{` + o + `,"payment_ref":"P","amount_minor":0,"currency":"EUR"}`, "data.amount_minor"},
		"bad currency":        {"erp.order.paid", `{` + o + `,"payment_ref":"P","amount_minor":5,"currency":"euro"}`, "data.currency"},
		"no payment ref":      {"erp.order.paid", `{` + o + `,"amount_minor":5,"currency":"EUR"}`, "data.payment_ref"},
		"bad time":            {"erp.order.paid", `{` + o + `,"payment_ref":"P","amount_minor":5,"currency":"EUR","paid_at":"yesterday"}`, "data.paid_at"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhooks.ParseEvent(envelope(tc.typ, tc.data))
			var fe *webhooks.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, tc.field, fe.Field, fe.Message)
		})
	}
}

// What an ERP signs with the contract's SignWebhook verifies here.
func TestErpSignatureVerifies(t *testing.T) {
	body := []byte(`{"id":"e1"}`)
	now := time.Now()
	require.Equal(t, erpapi.SignatureHeader, webhooks.SignatureHeader)
	require.Equal(t, webhooks.Sign("whsec_x", now, body), erpapi.SignWebhook("whsec_x", now, body))
	require.NoError(t, webhooks.Verify(erpapi.SignWebhook("whsec_x", now, body), body, now, webhooks.Tolerance, "whsec_x"))
}
