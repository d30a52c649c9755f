package webhooks_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/webhooks"
)

const shipOrder = "0c0a1e00-0000-4000-8000-000000000001"

func envelope(typ, data string) []byte {
	return fmt.Appendf(nil, `{"id":"evt_1","type":%q,"created":1767225600,"data":%s}`, typ, data)
}

func TestShipmentCreatedData(t *testing.T) {
	e, err := webhooks.ParseEvent(envelope("shipment.created", `{"order_id":"`+shipOrder+`","shipment_ref":"WH-1",
		"lines":[{"sku":"GLV-100","quantity":2},{"sku":"TAPE-1","quantity":1}],"carrier":"DHL","tracking_number":"JD0001",
		"shipped_at":"2026-01-02T11:00:00+01:00","note":"extra fields are ignored"}`))
	require.NoError(t, err)
	d, err := e.ShipmentCreated()
	require.NoError(t, err)
	require.Equal(t, webhooks.ShipmentCreatedData{OrderID: uuid.MustParse(shipOrder), ShipmentRef: "WH-1",
		Lines:   []webhooks.ShipmentLine{{SKU: "GLV-100", Quantity: 2}, {SKU: "TAPE-1", Quantity: 1}},
		Carrier: "DHL", TrackingNumber: "JD0001", ShippedAt: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}, d)

	e, err = webhooks.ParseEvent(envelope("shipment.created", `{"order_id":"`+shipOrder+`","shipment_ref":"WH-1",
		"lines":[{"sku":"GLV-100","quantity":2}],"tracking_number":"JD0001"}`))
	require.NoError(t, err)
	d, err = e.ShipmentCreated()
	require.NoError(t, err)
	require.Equal(t, e.Created, d.ShippedAt, "shipped when the event was made, unless it says otherwise")
	require.Empty(t, d.Carrier, "the carrier is optional")
}

func TestShipmentDeliveredData(t *testing.T) {
	e, err := webhooks.ParseEvent(envelope("shipment.delivered", `{"order_id":"`+shipOrder+`","shipment_ref":"WH-1",
		"delivered_at":"2026-01-03T15:00:00Z"}`))
	require.NoError(t, err)
	d, err := e.ShipmentDelivered()
	require.NoError(t, err)
	require.Equal(t, webhooks.ShipmentDeliveredData{OrderID: uuid.MustParse(shipOrder), ShipmentRef: "WH-1",
		DeliveredAt: time.Date(2026, 1, 3, 15, 0, 0, 0, time.UTC)}, d)
}

// A shipment event whose data cannot be applied is refused where the envelope
// is read, naming the field of data.
func TestShipmentDataRefusals(t *testing.T) {
	head := `"order_id":"` + shipOrder + `","shipment_ref":"WH-1"`
	line := `"lines":[{"sku":"GLV-100","quantity":2}]`
	for name, tc := range map[string]struct {
		typ, data, field string
	}{
		"created without order":     {"shipment.created", `{"shipment_ref":"WH-1",` + line + `,"tracking_number":"T"}`, "data.order_id"},
		"delivered without order":   {"shipment.delivered", `{"shipment_ref":"WH-1"}`, "data.order_id"},
		"no shipment_ref":           {"shipment.created", `{"order_id":"` + shipOrder + `",` + line + `,"tracking_number":"T"}`, "data.shipment_ref"},
		"blank shipment_ref":        {"shipment.delivered", `{"order_id":"` + shipOrder + `","shipment_ref":" "}`, "data.shipment_ref"},
		"long shipment_ref":         {"shipment.delivered", `{"order_id":"` + shipOrder + `","shipment_ref":"` + strings.Repeat("r", 256) + `"}`, "data.shipment_ref"},
		"shipment_ref not a string": {"shipment.delivered", `{"order_id":"` + shipOrder + `","shipment_ref":4711}`, "data.shipment_ref"},
		"no lines":                  {"shipment.created", `{` + head + `,"tracking_number":"T"}`, "data.lines"},
		"empty lines":               {"shipment.created", `{` + head + `,"lines":[],"tracking_number":"T"}`, "data.lines"},
		"line without sku":          {"shipment.created", `{` + head + `,"lines":[{"quantity":1}],"tracking_number":"T"}`, "data.lines[0].sku"},
		"line without quantity":     {"shipment.created", `{` + head + `,"lines":[{"sku":"A"},{"sku":"B"}],"tracking_number":"T"}`, "data.lines[0].quantity"},
		"zero quantity":             {"shipment.created", `{` + head + `,"lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":0}],"tracking_number":"T"}`, "data.lines[1].quantity"},
		"quantity a string":         {"shipment.created", `{` + head + `,"lines":[{"sku":"A","quantity":"2"}],"tracking_number":"T"}`, "data.lines.quantity"},
		"no tracking_number":        {"shipment.created", `{` + head + `,` + line + `}`, "data.tracking_number"},
		"blank tracking_number":     {"shipment.created", `{` + head + `,` + line + `,"tracking_number":""}`, "data.tracking_number"},
		"long carrier":              {"shipment.created", `{` + head + `,` + line + `,"tracking_number":"T","carrier":"` + strings.Repeat("c", 101) + `"}`, "data.carrier"},
		"shipped_at not RFC 3339":   {"shipment.created", `{` + head + `,` + line + `,"tracking_number":"T","shipped_at":"yesterday"}`, "data.shipped_at"},
		"delivered_at not RFC 3339": {"shipment.delivered", `{` + head + `,"delivered_at":"2026-01-03"}`, "data.delivered_at"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhooks.ParseEvent(envelope(tc.typ, tc.data))
			var fe *webhooks.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, tc.field, fe.Field)
			require.True(t, strings.HasPrefix(fe.Message, tc.field), fe.Message)
		})
	}
}
