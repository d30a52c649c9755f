package commerce_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// fulfilmentLines is an order in the middle of its life: BOLT has 10 ordered,
// 2 cancelled, 5 shipped (3 open), 3 delivered (2 in transit), 1 returned (2
// returnable); NUT has 4 ordered and nothing done.
func fulfilmentLines() []commerce.OrderLine {
	return []commerce.OrderLine{line("BOLT", 10, 2, 5, 3, 1), line("NUT", 4, 0, 0, 0, 0)}
}

// ship builds change lines from SKU, quantity pairs.
func ship(pairs ...any) []commerce.ShipLine {
	var out []commerce.ShipLine
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, commerce.ShipLine{SKU: pairs[i].(string), Quantity: int64(pairs[i+1].(int))})
	}
	return out
}

// changeCheck is one kind of order change as the quantity tests drive it.
type changeCheck struct {
	name  string
	over  commerce.RejectionCode
	avail map[string]int64 // what fulfilmentLines allows per SKU
	check func([]commerce.OrderLine, []commerce.ShipLine) error
	apply func([]commerce.OrderLine, []commerce.ShipLine) ([]commerce.OrderLine, error)
	field func(*commerce.OrderLine) *int64 // the quantity the change adds to
}

func returnsOf(c []commerce.ShipLine) []commerce.ReturnLine {
	var ret []commerce.ReturnLine
	for _, x := range c {
		ret = append(ret, commerce.ReturnLine{SKU: x.SKU, Quantity: x.Quantity, Reason: "wrong size"})
	}
	return ret
}

var changeChecks = []changeCheck{
	{name: "shipment", over: commerce.CodeOverShipment, avail: map[string]int64{"BOLT": 3, "NUT": 4},
		check: commerce.CheckShipment, apply: commerce.ApplyShipment,
		field: func(l *commerce.OrderLine) *int64 { return &l.Shipped }},
	{name: "delivery", over: commerce.CodeOverDelivery, avail: map[string]int64{"BOLT": 2, "NUT": 0},
		check: commerce.CheckDelivery, apply: commerce.ApplyDelivery,
		field: func(l *commerce.OrderLine) *int64 { return &l.Delivered }},
	{name: "cancellation", over: commerce.CodeOverCancellation, avail: map[string]int64{"BOLT": 3, "NUT": 4},
		check: func(l []commerce.OrderLine, c []commerce.ShipLine) error {
			effective, err := commerce.CheckCancellation(l, c)
			if err == nil && !slices.Equal(c, effective) {
				return fmt.Errorf("an explicit cancellation came back as %v, want %v", effective, c)
			}
			return err
		},
		apply: commerce.ApplyCancellation,
		field: func(l *commerce.OrderLine) *int64 { return &l.Cancelled }},
	{name: "return", over: commerce.CodeOverReturn, avail: map[string]int64{"BOLT": 2, "NUT": 0},
		check: func(l []commerce.OrderLine, c []commerce.ShipLine) error {
			now := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
			return commerce.CheckReturn(l, returnsOf(c), now.Add(-time.Hour), now, commerce.DefaultReturnWindow)
		},
		apply: func(l []commerce.OrderLine, c []commerce.ShipLine) ([]commerce.OrderLine, error) {
			return commerce.ApplyReturn(l, returnsOf(c))
		},
		field: func(l *commerce.OrderLine) *int64 { return &l.Returned }},
}

// TestChangeQuantities tries every quantity from -1 to one above what each
// line allows, for every kind of change, against an independent statement of
// what is allowed, and checks that Apply adds exactly the quantities accepted
// and leaves its input alone.
func TestChangeQuantities(t *testing.T) {
	t.Parallel()
	for _, cc := range changeChecks {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			for _, sku := range []string{"BOLT", "NUT"} {
				for q := int64(-1); q <= cc.avail[sku]+1; q++ {
					lines := fulfilmentLines()
					change := []commerce.ShipLine{{SKU: sku, Quantity: q}}
					err := cc.check(lines, change)
					after, applyErr := cc.apply(lines, change)
					require.Equal(t, fulfilmentLines(), lines, "the input is unchanged")
					switch {
					case q < 1:
						requireFieldError(t, err, "lines[0].quantity", "at least 1")
						requireFieldError(t, applyErr, "lines[0].quantity", "at least 1")
					case q > cc.avail[sku]:
						r := requireRejection(t, err, cc.over)
						require.Equal(t, sku, r.SKU)
						require.Contains(t, r.Message, fmt.Sprintf("only %d", cc.avail[sku]))
						requireRejection(t, applyErr, cc.over)
					default:
						require.NoError(t, err)
						require.NoError(t, applyErr)
						want := fulfilmentLines()
						i := slices.IndexFunc(want, func(l commerce.OrderLine) bool { return l.SKU == sku })
						*cc.field(&want[i]) += q
						require.Equal(t, want, after)
						require.NoError(t, commerce.ValidateOrderLines(after))
					}
				}
			}
		})
	}
}

// TestChangeLinesRefused covers the shape of a change's lines, the same for
// every kind of change.
func TestChangeLinesRefused(t *testing.T) {
	t.Parallel()
	tooMany := make([]commerce.ShipLine, commerce.MaxCartLines+1)
	for i := range tooMany {
		tooMany[i] = commerce.ShipLine{SKU: fmt.Sprintf("SKU-%03d", i), Quantity: 1}
	}
	fieldTests := []struct {
		name   string
		change []commerce.ShipLine
		field  string
		msg    string
	}{
		{name: "too many lines", change: tooMany, field: "lines", msg: "at most 200 lines"},
		{name: "empty SKU", change: ship("BOLT", 1, "", 1), field: "lines[1].sku", msg: "is required"},
		{name: "SKU shape", change: ship("bolt m8", 1), field: "lines[0].sku", msg: "letters, digits"},
		{name: "duplicate SKU", change: ship("BOLT", 1, "BOLT", 1), field: "lines[1].sku", msg: "BOLT appears twice"},
		{name: "quantity above any line", change: ship("BOLT", commerce.MaxLineQuantity+1), field: "lines[0].quantity", msg: "at most 10000"},
		{name: "field errors before the order is asked", change: ship("GHOST", 1, "BOLT", 0), field: "lines[1].quantity", msg: "at least 1"},
	}
	for _, cc := range changeChecks {
		for _, tt := range fieldTests {
			t.Run(cc.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				requireFieldError(t, cc.check(fulfilmentLines(), tt.change), tt.field, tt.msg)
			})
		}
		t.Run(cc.name+"/not on the order", func(t *testing.T) {
			t.Parallel()
			r := requireRejection(t, cc.check(fulfilmentLines(), ship("BOLT", 1, "GHOST", 1)), commerce.CodeNotOnOrder)
			require.Equal(t, "GHOST", r.SKU)
		})
		t.Run(cc.name+"/corrupt order lines", func(t *testing.T) {
			t.Parallel()
			err := cc.check([]commerce.OrderLine{line("BOLT", 1, 0, 2, 0, 0)}, ship("BOLT", 1))
			require.ErrorContains(t, err, "exceed ordered")
			_, isRejection := commerce.AsRejection(err)
			require.False(t, isRejection)
		})
		t.Run(cc.name+"/two lines, the second over", func(t *testing.T) {
			t.Parallel()
			change := ship("BOLT", 1, "NUT", int(cc.avail["NUT"])+1)
			r := requireRejection(t, cc.check(fulfilmentLines(), change), cc.over)
			require.Equal(t, "NUT", r.SKU)
			_, err := cc.apply(fulfilmentLines(), change)
			requireRejection(t, err, cc.over)
		})
	}
	// An empty list is "nothing" for every change but a cancellation.
	for _, cc := range changeChecks[:2] {
		requireFieldError(t, cc.check(fulfilmentLines(), nil), "lines", "at least one line")
		requireFieldError(t, cc.check(fulfilmentLines(), []commerce.ShipLine{}), "lines", "at least one line")
	}
	requireFieldError(t, commerce.CheckReturn(fulfilmentLines(), nil, time.Now(), time.Now(), time.Hour), "lines", "at least one line")
}

func TestApplyShipmentOfSeveralLines(t *testing.T) {
	t.Parallel()
	lines := fulfilmentLines()
	after, err := commerce.ApplyShipment(lines, ship("NUT", 4, "BOLT", 3))
	require.NoError(t, err)
	require.Equal(t, []commerce.OrderLine{line("BOLT", 10, 2, 8, 3, 1), line("NUT", 4, 0, 4, 0, 0)}, after)
	require.True(t, commerce.AllShipped(after))
	require.Equal(t, commerce.OrderPartiallyReturned, commerce.DeriveOrderStatus(after, false))
	require.Equal(t, fulfilmentLines(), lines)
}

func TestCheckCancellationEverything(t *testing.T) {
	t.Parallel()
	for _, empty := range [][]commerce.ShipLine{nil, {}} {
		effective, err := commerce.CheckCancellation(fulfilmentLines(), empty)
		require.NoError(t, err)
		require.Equal(t, ship("BOLT", 3, "NUT", 4), effective)
		after, err := commerce.ApplyCancellation(fulfilmentLines(), empty)
		require.NoError(t, err)
		require.Equal(t, []commerce.OrderLine{line("BOLT", 10, 5, 5, 3, 1), line("NUT", 4, 4, 0, 0, 0)}, after)
		require.True(t, commerce.AllShipped(after))
	}

	// Lines with nothing open are left out of "everything".
	effective, err := commerce.CheckCancellation([]commerce.OrderLine{line("A", 2, 0, 2, 0, 0), line("B", 3, 1, 1, 0, 0)}, nil)
	require.NoError(t, err)
	require.Equal(t, ship("B", 1), effective)

	// Nothing open at all: nothing to cancel, however it is asked.
	done := []commerce.OrderLine{line("A", 2, 1, 1, 1, 0), line("B", 3, 3, 0, 0, 0)}
	r := requireRejection(t, func() error { _, err := commerce.CheckCancellation(done, nil); return err }(), commerce.CodeOrderState)
	require.Contains(t, r.Message, "nothing is left to cancel")
	_, err = commerce.ApplyCancellation(done, nil)
	requireRejection(t, err, commerce.CodeOrderState)
	_, err = commerce.CheckCancellation(done, ship("A", 1))
	requireRejection(t, err, commerce.CodeOverCancellation)

	_, err = commerce.CheckCancellation(nil, nil)
	require.ErrorContains(t, err, "no lines")
}

func TestValidateShipmentInfo(t *testing.T) {
	t.Parallel()
	require.NoError(t, commerce.ValidateShipmentInfo("DHL Express", "JD014600006281230351"))
	require.NoError(t, commerce.ValidateShipmentInfo("", "1Z999AA10123456784"))
	require.NoError(t, commerce.ValidateShipmentInfo(strings.Repeat("c", 100), strings.Repeat("t", 100)))
	tests := []struct {
		carrier, tracking string
		field, msg        string
	}{
		{"DHL", "", "tracking_number", "is required"},
		{"DHL", "  \t", "tracking_number", "is required"},
		{"DHL", strings.Repeat("t", 101), "tracking_number", "at most 100 bytes"},
		{"DHL", "12\x0034", "tracking_number", "NUL"},
		{"DHL", "caf\xe9", "tracking_number", "UTF-8"},
		{strings.Repeat("c", 101), "1", "carrier", "at most 100 bytes"},
		{"D\x00HL", "1", "carrier", "NUL"},
		{"\xff", "", "carrier", "UTF-8"}, // the first field wrong is named
	}
	for _, tt := range tests {
		requireFieldError(t, commerce.ValidateShipmentInfo(tt.carrier, tt.tracking), tt.field, tt.msg)
	}
}

func TestCheckReturnWindowAndReasons(t *testing.T) {
	t.Parallel()
	delivered := time.Date(2025, 4, 1, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	closes := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	require.Equal(t, closes, commerce.ReturnWindowClosesAt(delivered, commerce.DefaultReturnWindow))
	ok := []commerce.ReturnLine{{SKU: "BOLT", Quantity: 2, Reason: "wrong size"}}

	require.NoError(t, commerce.CheckReturn(fulfilmentLines(), ok, delivered, delivered, commerce.DefaultReturnWindow))
	require.NoError(t, commerce.CheckReturn(fulfilmentLines(), ok, delivered, closes, commerce.DefaultReturnWindow), "the last instant is inside")
	r := requireRejection(t, commerce.CheckReturn(fulfilmentLines(), ok, delivered, closes.Add(time.Nanosecond), commerce.DefaultReturnWindow),
		commerce.CodeReturnWindowClosed)
	require.Contains(t, r.Message, "2025-05-01T08:00:00Z")
	requireRejection(t, commerce.CheckReturn(fulfilmentLines(), ok, delivered, delivered.Add(time.Second), 0), commerce.CodeReturnWindowClosed)
	r = requireRejection(t, commerce.CheckReturn(fulfilmentLines(), ok, time.Time{}, delivered, commerce.DefaultReturnWindow), commerce.CodeOrderState)
	require.Contains(t, r.Message, "nothing of the order has been delivered")

	reasons := []struct {
		reason, msg string
	}{
		{"", "is required"},
		{" \n", "is required"},
		{strings.Repeat("r", commerce.MaxReturnReasonBytes+1), "at most 1000 bytes"},
		{"bad\x00", "NUL"},
		{"caf\xe9", "UTF-8"},
	}
	for _, tt := range reasons {
		ret := []commerce.ReturnLine{{SKU: "BOLT", Quantity: 1, Reason: "fine"}, {SKU: "NUT", Quantity: 0, Reason: tt.reason}}
		// Quantities are checked before reasons, reasons before the window.
		requireFieldError(t, commerce.CheckReturn(fulfilmentLines(), ret, time.Time{}, delivered, 0), "lines[1].quantity", "at least 1")
		ret[1].Quantity = 1
		lines := fulfilmentLines()
		lines[1] = line("NUT", 4, 0, 1, 1, 0)
		requireFieldError(t, commerce.CheckReturn(lines, ret, time.Time{}, delivered, 0), "lines[1].reason", tt.msg)
	}
	require.NoError(t, commerce.CheckReturn(fulfilmentLines(), []commerce.ReturnLine{{SKU: "BOLT", Quantity: 1,
		Reason: strings.Repeat("r", commerce.MaxReturnReasonBytes)}}, delivered, delivered, time.Hour))
}
