package webhooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
)

// MaxShipmentRef is the longest shipment reference a sender may give.
const MaxShipmentRef = 255

// ShipmentLine is a quantity of one SKU in a shipment event.
type ShipmentLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// ShipmentCreatedData is the data of a shipment.created event:
//
//	{"order_id": "…", "shipment_ref": "WH-4711", "lines": [{"sku": "GLV-100", "quantity": 2}],
//	 "carrier": "DHL", "tracking_number": "JD0001", "shipped_at": "2026-01-02T10:00:00Z"}
//
// ShipmentRef is the sender's own name for the shipment: with the integration
// it names the shipment, so shipment.delivered can refer to it. ShippedAt is
// optional (the envelope's created when absent).
type ShipmentCreatedData struct {
	OrderID        uuid.UUID
	ShipmentRef    string
	Lines          []ShipmentLine
	Carrier        string
	TrackingNumber string
	ShippedAt      time.Time
}

// ShipmentDeliveredData is the data of a shipment.delivered event:
//
//	{"order_id": "…", "shipment_ref": "WH-4711", "delivered_at": "2026-01-03T15:00:00Z"}
//
// DeliveredAt is optional (the envelope's created when absent).
type ShipmentDeliveredData struct {
	OrderID     uuid.UUID
	ShipmentRef string
	DeliveredAt time.Time
}

// shipmentData is the data of both shipment events as sent: pointers tell a
// missing field from an empty one.
type shipmentData struct {
	OrderID     *string `json:"order_id"`
	ShipmentRef *string `json:"shipment_ref"`
	Lines       *[]struct {
		SKU      *string `json:"sku"`
		Quantity *int64  `json:"quantity"`
	} `json:"lines"`
	Carrier        *string `json:"carrier"`
	TrackingNumber *string `json:"tracking_number"`
	ShippedAt      *string `json:"shipped_at"`
	DeliveredAt    *string `json:"delivered_at"`
}

// ShipmentCreated reads the data of a shipment.created event. An error is a
// *FieldError naming the field of data at fault (data.lines[1].quantity).
func (e Event) ShipmentCreated() (ShipmentCreatedData, error) {
	d, out, err := e.shipmentHead()
	if err != nil {
		return ShipmentCreatedData{}, err
	}
	created := ShipmentCreatedData{OrderID: out.OrderID, ShipmentRef: out.ShipmentRef}
	if d.Lines == nil || len(*d.Lines) == 0 {
		return ShipmentCreatedData{}, dataField("lines", "is required: at least one {sku, quantity}")
	}
	if len(*d.Lines) > commerce.MaxCartLines {
		return ShipmentCreatedData{}, dataField("lines", fmt.Sprintf("may hold at most %d lines", commerce.MaxCartLines))
	}
	for i, l := range *d.Lines {
		switch {
		case l.SKU == nil || strings.TrimSpace(*l.SKU) == "":
			return ShipmentCreatedData{}, dataField(fmt.Sprintf("lines[%d].sku", i), "is required")
		case len(*l.SKU) > 64 || !utf8.ValidString(*l.SKU):
			return ShipmentCreatedData{}, dataField(fmt.Sprintf("lines[%d].sku", i), "must be a SKU of at most 64 characters")
		case l.Quantity == nil:
			return ShipmentCreatedData{}, dataField(fmt.Sprintf("lines[%d].quantity", i), "is required")
		}
		if err := commerce.ValidateQuantity(fmt.Sprintf("lines[%d].quantity", i), *l.Quantity); err != nil {
			return ShipmentCreatedData{}, asDataField(err)
		}
		created.Lines = append(created.Lines, ShipmentLine{SKU: *l.SKU, Quantity: *l.Quantity})
	}
	if d.TrackingNumber == nil {
		return ShipmentCreatedData{}, dataField("tracking_number", "is required")
	}
	if d.Carrier != nil {
		created.Carrier = *d.Carrier
	}
	created.TrackingNumber = *d.TrackingNumber
	if err := commerce.ValidateShipmentInfo(created.Carrier, created.TrackingNumber); err != nil {
		return ShipmentCreatedData{}, asDataField(err)
	}
	if created.ShippedAt, err = e.eventTime("shipped_at", d.ShippedAt); err != nil {
		return ShipmentCreatedData{}, err
	}
	return created, nil
}

// ShipmentDelivered reads the data of a shipment.delivered event. An error is
// a *FieldError naming the field of data at fault.
func (e Event) ShipmentDelivered() (ShipmentDeliveredData, error) {
	d, out, err := e.shipmentHead()
	if err != nil {
		return ShipmentDeliveredData{}, err
	}
	if out.DeliveredAt, err = e.eventTime("delivered_at", d.DeliveredAt); err != nil {
		return ShipmentDeliveredData{}, err
	}
	return out, nil
}

// shipmentHead reads what both shipment events carry: the order and the
// sender's shipment reference.
func (e Event) shipmentHead() (shipmentData, ShipmentDeliveredData, error) {
	var d shipmentData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return d, ShipmentDeliveredData{}, dataField(typeErr.Field, "has the wrong type")
		}
		return d, ShipmentDeliveredData{}, &FieldError{Field: "data", Message: "data must be a JSON object"}
	}
	var out ShipmentDeliveredData
	if d.OrderID == nil {
		return d, out, dataField("order_id", "is required: the order the shipment belongs to")
	}
	id, err := uuid.Parse(*d.OrderID)
	if err != nil {
		return d, out, dataField("order_id", "must be an order's UUID")
	}
	out.OrderID = id
	switch {
	case d.ShipmentRef == nil || strings.TrimSpace(*d.ShipmentRef) == "":
		return d, out, dataField("shipment_ref", "is required: the sender's own reference for the shipment")
	case utf8.RuneCountInString(*d.ShipmentRef) > MaxShipmentRef || !utf8.ValidString(*d.ShipmentRef):
		return d, out, dataField("shipment_ref", fmt.Sprintf("must be at most %d characters", MaxShipmentRef))
	}
	out.ShipmentRef = *d.ShipmentRef
	return d, out, nil
}

// eventTime reads an optional RFC 3339 time of data; absent, it is when the
// sender made the event.
func (e Event) eventTime(field string, v *string) (time.Time, error) {
	if v == nil {
		return e.Created, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, dataField(field, "must be an RFC 3339 time such as 2026-01-02T10:00:00Z")
	}
	return t.UTC(), nil
}

// checkData checks the data of the event's type, so that a sender learns of a
// malformed event at once (422 naming the field) rather than from ops.
func checkData(e Event) error {
	var err error
	switch e.Type {
	case ShipmentCreated, ErpOrderShipped:
		_, err = e.ShipmentCreated()
	case ShipmentDelivered:
		_, err = e.ShipmentDelivered()
	case ReturnReceived:
		_, err = e.ReturnReceived()
	case ErpOrderAcknowledged, ErpOrderInvoiced, ErpOrderPaid:
		_, err = e.ErpNews()
	}
	return err
}

func dataField(field, msg string) *FieldError {
	return &FieldError{Field: "data." + field, Message: "data." + field + " " + msg}
}

// asDataField names a commerce field error as a field of data.
func asDataField(err error) error {
	var fe *commerce.FieldError
	if errors.As(err, &fe) {
		return dataField(fe.Field, fe.Message)
	}
	return err
}
