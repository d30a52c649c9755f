package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/erpapi"
)

// EventType is what happened, as the sender names it in the envelope's type.
type EventType string

// The event types Orderflow accepts. EventTypes lists them all; a type not
// listed there is refused.
const (
	// ShipmentCreated: goods of an order left the warehouse (data: the order,
	// lines and quantities, carrier and tracking number).
	ShipmentCreated EventType = "shipment.created"
	// ShipmentDelivered: a shipment reached the buyer.
	ShipmentDelivered EventType = "shipment.delivered"
	// ReturnReceived: returned goods arrived back at the warehouse.
	ReturnReceived EventType = "return.received"
	// ErpOrderAcknowledged: the ERP has the order, under its own number
	// (data: ErpNewsData).
	ErpOrderAcknowledged EventType = erpapi.EventOrderAcknowledged
	// ErpOrderInvoiced: the ERP invoiced the order (data: ErpNewsData).
	ErpOrderInvoiced EventType = erpapi.EventOrderInvoiced
	// ErpOrderShipped: the ERP reports goods of the order shipped, with lines
	// and tracking (data: a shipment.created's, ShipmentCreatedData).
	ErpOrderShipped EventType = erpapi.EventOrderShipped
	// ErpOrderPaid: the ERP received a payment for the order (data:
	// ErpNewsData).
	ErpOrderPaid EventType = erpapi.EventOrderPaid
)

// EventTypes is every accepted event type: the one list the API, its
// documentation and tests read.
var EventTypes = []EventType{ShipmentCreated, ShipmentDelivered, ReturnReceived,
	ErpOrderAcknowledged, ErpOrderInvoiced, ErpOrderShipped, ErpOrderPaid}

// Known tells whether t is one of EventTypes.
func (t EventType) Known() bool { return slices.Contains(EventTypes, t) }

// IntegrationKind is what kind of system posts an integration's webhooks.
type IntegrationKind string

// The kinds of integration. IntegrationKinds lists them all.
const (
	KindWarehouse IntegrationKind = "warehouse"
	KindCarrier   IntegrationKind = "carrier"
	KindERP       IntegrationKind = "erp"
)

// IntegrationKinds is every kind of integration ops may create.
var IntegrationKinds = []IntegrationKind{KindWarehouse, KindCarrier, KindERP}

// Known tells whether k is one of IntegrationKinds.
func (k IntegrationKind) Known() bool { return slices.Contains(IntegrationKinds, k) }

// Event is one webhook event: the envelope the sender posted, and which
// integration sent it. It is what a delivery hands to the workflow that owns
// the event's order.
type Event struct {
	// IntegrationID and Integration (its name) are who sent it.
	IntegrationID uuid.UUID
	Integration   string
	// ID is the sender's event ID, unique per integration: a second event
	// with the same ID is a replay.
	ID string
	// Type is what happened.
	Type EventType
	// Created is when the sender made the event (its envelope's created).
	Created time.Time
	// OrderID is the order the event is about (data.order_id), when it names
	// one.
	OrderID uuid.NullUUID
	// Data is the type's payload as sent (the envelope's data object).
	Data json.RawMessage
	// ReceivedAt is when Orderflow recorded it.
	ReceivedAt time.Time
}

// MaxEventID is the longest event ID accepted.
const MaxEventID = 255

// FieldError is an envelope that cannot be accepted, naming the field at
// fault (data.order_id for a field of data).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ErrMalformedJSON is a body that is not one JSON object.
var ErrMalformedJSON = errors.New("the body must be one JSON object")

// envelope is the body of every webhook:
//
//	{"id": "evt_…", "type": "shipment.created", "created": 1767225600, "data": {…}}
type envelope struct {
	ID      *string         `json:"id"`
	Type    *string         `json:"type"`
	Created *int64          `json:"created"`
	Data    json.RawMessage `json:"data"`
}

// ParseEvent reads an envelope and checks the data of its type (see
// ShipmentCreatedData): an error is ErrMalformedJSON or a *FieldError.
// The returned Event has no integration nor reception time yet.
func ParseEvent(body []byte) (Event, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return Event{}, &FieldError{Field: typeErr.Field, Message: fmt.Sprintf("%s has the wrong type", typeErr.Field)}
		}
		return Event{}, ErrMalformedJSON
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Event{}, ErrMalformedJSON // anything after the one value, even a stray '}'
	}
	switch {
	case env.ID == nil || strings.TrimSpace(*env.ID) == "":
		return Event{}, &FieldError{Field: "id", Message: "id is required: the sender's unique event ID"}
	case utf8.RuneCountInString(*env.ID) > MaxEventID || !utf8.ValidString(*env.ID):
		return Event{}, &FieldError{Field: "id", Message: fmt.Sprintf("id must be at most %d characters", MaxEventID)}
	case env.Type == nil:
		return Event{}, &FieldError{Field: "type", Message: "type is required"}
	case !EventType(*env.Type).Known():
		return Event{}, &FieldError{Field: "type", Message: "type must be one of " + typeList()}
	case env.Created == nil || *env.Created <= 0:
		return Event{}, &FieldError{Field: "created", Message: "created is required: when the event happened, in Unix seconds"}
	case len(env.Data) == 0 || env.Data[0] != '{':
		return Event{}, &FieldError{Field: "data", Message: "data is required and must be a JSON object"}
	}
	e := Event{ID: *env.ID, Type: EventType(*env.Type), Created: time.Unix(*env.Created, 0).UTC(), Data: env.Data}
	var ref struct {
		OrderID *string `json:"order_id"`
	}
	if err := json.Unmarshal(env.Data, &ref); err != nil {
		return Event{}, &FieldError{Field: "data.order_id", Message: "data.order_id must be a string"}
	}
	if ref.OrderID != nil {
		id, err := uuid.Parse(*ref.OrderID)
		if err != nil {
			return Event{}, &FieldError{Field: "data.order_id", Message: "data.order_id must be an order's UUID"}
		}
		e.OrderID = uuid.NullUUID{UUID: id, Valid: true}
	}
	if err := checkData(e); err != nil {
		return Event{}, err
	}
	return e, nil
}

func typeList() string {
	names := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// ErrRejected is what a delivery wraps when the owning workflow refused the
// event for good (shipping more than was ordered, a delivery of a shipment it
// never had): the event is recorded as rejected, with the reason, for ops.
var ErrRejected = errors.New("the event was rejected by its order")
