package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/webhooks"
)

const malformedReturnID = "0c0a1e00-0000-4000-8000-0000000000r1"

func TestReturnReceivedData(t *testing.T) {
	ret := uuid.NewString()
	e, err := webhooks.ParseEvent(envelope("return.received", `{"order_id":"`+shipOrder+`","return_id":"`+ret+`",
		"lines":[{"sku":"GLV-100","condition":"write_off"},{"sku":"TAPE-1","condition":"restock"}],
		"received_at":"2026-01-10T10:00:00+01:00"}`))
	require.NoError(t, err)
	require.Equal(t, uuid.MustParse(shipOrder), e.OrderID.UUID)
	d, err := e.ReturnReceived()
	require.NoError(t, err)
	require.Equal(t, webhooks.ReturnReceivedData{OrderID: uuid.MustParse(shipOrder), ReturnID: uuid.MustParse(ret),
		Lines:      []webhooks.ReturnReceivedLine{{SKU: "GLV-100", Condition: "write_off"}, {SKU: "TAPE-1", Condition: "restock"}},
		ReceivedAt: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}, d)

	e, err = webhooks.ParseEvent(envelope("return.received", `{"order_id":"`+shipOrder+`","return_id":"`+ret+`"}`))
	require.NoError(t, err)
	d, err = e.ReturnReceived()
	require.NoError(t, err)
	require.Empty(t, d.Lines, "lines are optional: the return's SKUs are restocked")
	require.Equal(t, e.Created, d.ReceivedAt, "received when the event was made, unless it says otherwise")
}

// A return.received whose data cannot be applied is refused where the
// envelope is read, naming the field of data.
func TestReturnReceivedDataRefusals(t *testing.T) {
	head := `"order_id":"` + shipOrder + `","return_id":"` + uuid.NewString() + `"`
	for name, tc := range map[string]struct {
		data, field string
	}{
		"no order":                 {`{"return_id":"` + uuid.NewString() + `"}`, "data.order_id"},
		"no return_id":             {`{"order_id":"` + shipOrder + `"}`, "data.return_id"},
		"return_id not a UUID":     {`{"order_id":"` + shipOrder + `","return_id":"` + malformedReturnID + `"}`, "data.return_id"},
		"return_id not a string":   {`{"order_id":"` + shipOrder + `","return_id":7}`, "data.return_id"},
		"lines not an array":       {`{` + head + `,"lines":{}}`, "data.lines"},
		"line without sku":         {`{` + head + `,"lines":[{"condition":"restock"}]}`, "data.lines[0].sku"},
		"long sku":                 {`{` + head + `,"lines":[{"sku":"` + strings.Repeat("s", 65) + `","condition":"restock"}]}`, "data.lines[0].sku"},
		"line without condition":   {`{` + head + `,"lines":[{"sku":"A","condition":"restock"},{"sku":"B"}]}`, "data.lines[1].condition"},
		"unknown condition":        {`{` + head + `,"lines":[{"sku":"A","condition":"broken"}]}`, "data.lines[0].condition"},
		"received_at not RFC 3339": {`{` + head + `,"received_at":"2026-01-10"}`, "data.received_at"},
		"received_at not a string": {`{` + head + `,"received_at":1767225600}`, "data.received_at"},
		"too many lines":           {`{` + head + `,"lines":[` + strings.Repeat(`{"sku":"A","condition":"restock"},`, 200) + `{"sku":"A","condition":"restock"}]}`, "data.lines"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhooks.ParseEvent(envelope("return.received", tc.data))
			var fe *webhooks.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, tc.field, fe.Field)
			require.True(t, strings.HasPrefix(fe.Message, tc.field), fe.Message)
		})
	}
}
