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

// Return conditions: how a returned SKU came back.
const (
	// ConditionRestock: back on the shelf, on hand again.
	ConditionRestock = "restock"
	// ConditionWriteOff: not sellable; the units do not come back on hand.
	ConditionWriteOff = "write_off"
)

// ReturnReceivedLine is how one SKU of a return came back.
type ReturnReceivedLine struct {
	SKU       string
	Condition string
}

// ReturnReceivedData is the data of a return.received event:
//
//	{"order_id": "…", "return_id": "…", "lines": [{"sku": "GLV-100", "condition": "write_off"}],
//	 "received_at": "2026-01-10T09:00:00Z"}
//
// ReturnID is Orderflow's ID of the return, as the buyer's request answered
// it (the order's returns[].id). Lines are optional: a SKU of the return not
// named is restocked. ReceivedAt is optional (the envelope's created when
// absent).
type ReturnReceivedData struct {
	OrderID    uuid.UUID
	ReturnID   uuid.UUID
	Lines      []ReturnReceivedLine
	ReceivedAt time.Time
}

// returnData is the data of return.received as sent: pointers tell a missing
// field from an empty one.
type returnData struct {
	OrderID  *string `json:"order_id"`
	ReturnID *string `json:"return_id"`
	Lines    *[]struct {
		SKU       *string `json:"sku"`
		Condition *string `json:"condition"`
	} `json:"lines"`
	ReceivedAt *string `json:"received_at"`
}

// ReturnReceived reads the data of a return.received event. An error is a
// *FieldError naming the field of data at fault (data.lines[0].condition).
func (e Event) ReturnReceived() (ReturnReceivedData, error) {
	var d returnData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return ReturnReceivedData{}, dataField(typeErr.Field, "has the wrong type")
		}
		return ReturnReceivedData{}, &FieldError{Field: "data", Message: "data must be a JSON object"}
	}
	var out ReturnReceivedData
	var err error
	if d.OrderID == nil {
		return out, dataField("order_id", "is required: the order the return belongs to")
	}
	if out.OrderID, err = uuid.Parse(*d.OrderID); err != nil {
		return ReturnReceivedData{}, dataField("order_id", "must be an order's UUID")
	}
	if d.ReturnID == nil {
		return ReturnReceivedData{}, dataField("return_id", "is required: the return's ID, as the buyer's request answered it")
	}
	if out.ReturnID, err = uuid.Parse(*d.ReturnID); err != nil {
		return ReturnReceivedData{}, dataField("return_id", "must be a return's UUID")
	}
	if d.Lines != nil {
		if len(*d.Lines) > commerce.MaxCartLines {
			return ReturnReceivedData{}, dataField("lines", fmt.Sprintf("may hold at most %d lines", commerce.MaxCartLines))
		}
		for i, l := range *d.Lines {
			switch {
			case l.SKU == nil || strings.TrimSpace(*l.SKU) == "":
				return ReturnReceivedData{}, dataField(fmt.Sprintf("lines[%d].sku", i), "is required")
			case len(*l.SKU) > 64 || !utf8.ValidString(*l.SKU):
				return ReturnReceivedData{}, dataField(fmt.Sprintf("lines[%d].sku", i), "must be a SKU of at most 64 characters")
			case l.Condition == nil || (*l.Condition != ConditionRestock && *l.Condition != ConditionWriteOff):
				return ReturnReceivedData{}, dataField(fmt.Sprintf("lines[%d].condition", i), "must be restock or write_off")
			}
			out.Lines = append(out.Lines, ReturnReceivedLine{SKU: *l.SKU, Condition: *l.Condition})
		}
	}
	if out.ReceivedAt, err = e.eventTime("received_at", d.ReceivedAt); err != nil {
		return ReturnReceivedData{}, err
	}
	return out, nil
}
