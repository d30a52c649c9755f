package commerce_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// line builds an order line of sku with quantities ordered, cancelled,
// shipped, delivered and returned, at a unit price of 1000.
func line(sku string, ordered, cancelled, shipped, delivered, returned int64) commerce.OrderLine {
	return commerce.OrderLine{SKU: sku, UnitPrice: 1000, Ordered: ordered, Cancelled: cancelled,
		Shipped: shipped, Delivered: delivered, Returned: returned}
}

func TestOrderLineQuantities(t *testing.T) {
	t.Parallel()
	l := line("A", 10, 2, 5, 3, 1)
	require.Equal(t, int64(3), l.Open())
	require.Equal(t, int64(2), l.InTransit())
	require.Equal(t, int64(2), l.Returnable())
	require.Equal(t, int64(10), line("A", 10, 0, 0, 0, 0).Open())
	require.Equal(t, int64(0), line("A", 10, 4, 6, 6, 6).Open())
}

func TestValidateOrderLines(t *testing.T) {
	t.Parallel()
	require.NoError(t, commerce.ValidateOrderLines([]commerce.OrderLine{line("A", 10, 2, 8, 8, 8), line("B", 1, 0, 0, 0, 0)}))
	tests := []struct {
		name  string
		lines []commerce.OrderLine
		msg   string
	}{
		{name: "no lines", lines: nil, msg: "no lines"},
		{name: "bad SKU", lines: []commerce.OrderLine{line("a b", 1, 0, 0, 0, 0)}, msg: "invalid SKU"},
		{name: "duplicate SKU", lines: []commerce.OrderLine{line("A", 1, 0, 0, 0, 0), line("A", 1, 0, 0, 0, 0)}, msg: "appears twice"},
		{name: "nothing ordered", lines: []commerce.OrderLine{line("A", 0, 0, 0, 0, 0)}, msg: "at least 1"},
		{name: "negative price", lines: []commerce.OrderLine{{SKU: "A", UnitPrice: -1, Ordered: 1}}, msg: "negative unit price"},
		{name: "negative quantity", lines: []commerce.OrderLine{line("A", 1, -1, 0, 0, 0)}, msg: "negative quantity"},
		{name: "over-cancelled", lines: []commerce.OrderLine{line("A", 3, 2, 2, 0, 0)}, msg: "exceed ordered"},
		{name: "over-delivered", lines: []commerce.OrderLine{line("A", 3, 0, 1, 2, 0)}, msg: "delivered 2 exceeds shipped 1"},
		{name: "over-returned", lines: []commerce.OrderLine{line("A", 3, 0, 2, 1, 2)}, msg: "returned 2 exceeds delivered 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := commerce.ValidateOrderLines(tt.lines)
			require.ErrorContains(t, err, tt.msg)
			_, isRejection := commerce.AsRejection(err)
			require.False(t, isRejection, "corrupt lines are a bug, not a business refusal")
		})
	}
}

func TestDeriveStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		lines      []commerce.OrderLine
		closed     bool // the return window has closed
		order      commerce.OrderStatus
		fulfilment commerce.FulfilmentStatus
	}{
		{name: "no lines", order: commerce.OrderPlaced, fulfilment: commerce.FulfilmentUnfulfilled},
		{name: "placed", lines: []commerce.OrderLine{line("A", 2, 0, 0, 0, 0), line("B", 1, 0, 0, 0, 0)},
			order: commerce.OrderPlaced, fulfilment: commerce.FulfilmentUnfulfilled},
		{name: "window flag ignored while placed", lines: []commerce.OrderLine{line("A", 2, 0, 0, 0, 0)}, closed: true,
			order: commerce.OrderPlaced, fulfilment: commerce.FulfilmentUnfulfilled},
		{name: "partly cancelled, nothing shipped", lines: []commerce.OrderLine{line("A", 2, 1, 0, 0, 0), line("B", 1, 0, 0, 0, 0)},
			order: commerce.OrderProcessing, fulfilment: commerce.FulfilmentUnfulfilled},
		{name: "a line wholly cancelled", lines: []commerce.OrderLine{line("A", 2, 0, 0, 0, 0), line("B", 1, 1, 0, 0, 0)},
			order: commerce.OrderProcessing, fulfilment: commerce.FulfilmentUnfulfilled},
		{name: "all cancelled", lines: []commerce.OrderLine{line("A", 2, 2, 0, 0, 0), line("B", 1, 1, 0, 0, 0)},
			order: commerce.OrderCancelled, fulfilment: commerce.FulfilmentCancelled},
		{name: "part shipped", lines: []commerce.OrderLine{line("A", 2, 0, 1, 0, 0), line("B", 1, 0, 0, 0, 0)},
			order: commerce.OrderPartiallyShipped, fulfilment: commerce.FulfilmentPartiallyShipped},
		{name: "part shipped, part delivered", lines: []commerce.OrderLine{line("A", 2, 0, 1, 1, 0), line("B", 1, 0, 0, 0, 0)},
			order: commerce.OrderPartiallyShipped, fulfilment: commerce.FulfilmentPartiallyDelivered},
		{name: "a line shipped, the other cancelled", lines: []commerce.OrderLine{line("A", 2, 0, 2, 0, 0), line("B", 1, 1, 0, 0, 0)},
			order: commerce.OrderShipped, fulfilment: commerce.FulfilmentShipped},
		{name: "all shipped", lines: []commerce.OrderLine{line("A", 2, 0, 2, 0, 0), line("B", 1, 0, 1, 0, 0)},
			order: commerce.OrderShipped, fulfilment: commerce.FulfilmentShipped},
		{name: "all shipped, part delivered", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 0), line("B", 1, 0, 1, 0, 0)},
			order: commerce.OrderShipped, fulfilment: commerce.FulfilmentPartiallyDelivered},
		{name: "all delivered", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 0), line("B", 1, 0, 1, 1, 0)},
			order: commerce.OrderDelivered, fulfilment: commerce.FulfilmentDelivered},
		{name: "delivered, rest cancelled", lines: []commerce.OrderLine{line("A", 2, 1, 1, 1, 0), line("B", 1, 1, 0, 0, 0)},
			order: commerce.OrderDelivered, fulfilment: commerce.FulfilmentDelivered},
		{name: "delivered, window closed", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 0)}, closed: true,
			order: commerce.OrderCompleted, fulfilment: commerce.FulfilmentDelivered},
		{name: "part returned", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 1), line("B", 1, 0, 1, 1, 0)},
			order: commerce.OrderPartiallyReturned, fulfilment: commerce.FulfilmentPartiallyReturned},
		{name: "part returned while the rest is open", lines: []commerce.OrderLine{line("A", 2, 0, 1, 1, 1), line("B", 1, 0, 0, 0, 0)},
			order: commerce.OrderPartiallyReturned, fulfilment: commerce.FulfilmentPartiallyReturned},
		{name: "all shipped returned, the rest open", lines: []commerce.OrderLine{line("A", 2, 0, 1, 1, 1)},
			order: commerce.OrderPartiallyReturned, fulfilment: commerce.FulfilmentPartiallyReturned},
		{name: "part returned, window closed", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 1)}, closed: true,
			order: commerce.OrderCompleted, fulfilment: commerce.FulfilmentPartiallyReturned},
		{name: "part returned, some in transit, window flag ignored", lines: []commerce.OrderLine{line("A", 2, 0, 2, 1, 1)}, closed: true,
			order: commerce.OrderPartiallyReturned, fulfilment: commerce.FulfilmentPartiallyReturned},
		{name: "all returned", lines: []commerce.OrderLine{line("A", 2, 0, 2, 2, 2), line("B", 1, 0, 1, 1, 1)},
			order: commerce.OrderReturned, fulfilment: commerce.FulfilmentReturned},
		{name: "all shipped returned, the rest cancelled", lines: []commerce.OrderLine{line("A", 2, 1, 1, 1, 1)}, closed: true,
			order: commerce.OrderReturned, fulfilment: commerce.FulfilmentReturned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.order, commerce.DeriveOrderStatus(tt.lines, tt.closed))
			require.Equal(t, tt.fulfilment, commerce.DeriveFulfilmentStatus(tt.lines))
		})
	}
}

// orderState is an order's lines and whether its return window has closed.
type orderState struct {
	lines  []commerce.OrderLine
	closed bool
}

// key identifies a state for the walk.
func (s orderState) key() string { return fmt.Sprint(s.lines, s.closed) }

// quantityVectors are every way to take 0..avail[i] of each line, with at
// least one line taking something, as change lines.
func quantityVectors(lines []commerce.OrderLine, avail func(commerce.OrderLine) int64) [][]commerce.ShipLine {
	var out [][]commerce.ShipLine
	var walk func(i int, acc []commerce.ShipLine)
	walk = func(i int, acc []commerce.ShipLine) {
		if i == len(lines) {
			if len(acc) > 0 {
				out = append(out, slices.Clone(acc))
			}
			return
		}
		for q := int64(0); q <= avail(lines[i]); q++ {
			if q == 0 {
				walk(i+1, acc)
			} else {
				walk(i+1, append(acc, commerce.ShipLine{SKU: lines[i].SKU, Quantity: q}))
			}
		}
	}
	walk(0, nil)
	return out
}

// nextStates are the states one event after s: a shipment, delivery,
// cancellation or return of any quantities, or the return window closing
// once everything is delivered.
func nextStates(t *testing.T, s orderState) []orderState {
	if s.closed {
		return nil
	}
	var next []orderState
	for _, ev := range []struct {
		avail func(commerce.OrderLine) int64
		apply func([]commerce.OrderLine, []commerce.ShipLine) ([]commerce.OrderLine, error)
	}{
		{commerce.OrderLine.Open, commerce.ApplyShipment},
		{commerce.OrderLine.InTransit, commerce.ApplyDelivery},
		{commerce.OrderLine.Open, commerce.ApplyCancellation},
		{commerce.OrderLine.Returnable, func(l []commerce.OrderLine, c []commerce.ShipLine) ([]commerce.OrderLine, error) {
			ret := make([]commerce.ReturnLine, len(c))
			for i, x := range c {
				ret[i] = commerce.ReturnLine{SKU: x.SKU, Quantity: x.Quantity, Reason: "damaged"}
			}
			return commerce.ApplyReturn(l, ret)
		}},
	} {
		for _, change := range quantityVectors(s.lines, ev.avail) {
			after, err := ev.apply(s.lines, change)
			require.NoError(t, err, "%v on %v", change, s.lines)
			next = append(next, orderState{lines: after})
		}
	}
	if commerce.AllDelivered(s.lines) {
		next = append(next, orderState{lines: s.lines, closed: true})
	}
	return next
}

// TestStatusTransitionsExhaustive walks every state of a few small orders,
// one event at a time, and checks that the order and fulfilment transition
// tables hold exactly the status changes the derivations make: every derived
// change is allowed, and every allowed change happens.
func TestStatusTransitionsExhaustive(t *testing.T) {
	t.Parallel()
	shapes := [][]int64{{1}, {3}, {1, 1}, {2, 1}, {2, 2}, {3, 2}, {1, 1, 1}}
	type orderStep struct{ from, to commerce.OrderStatus }
	type fulfilmentStep struct{ from, to commerce.FulfilmentStatus }
	orderSeen, fulfilmentSeen := map[orderStep]bool{}, map[fulfilmentStep]bool{}
	orderStatusSeen, fulfilmentStatusSeen := map[commerce.OrderStatus]bool{}, map[commerce.FulfilmentStatus]bool{}
	states := 0
	for _, shape := range shapes {
		start := orderState{}
		for i, o := range shape {
			start.lines = append(start.lines, line(fmt.Sprintf("SKU-%d", i), o, 0, 0, 0, 0))
		}
		visited := map[string]bool{start.key(): true}
		queue := []orderState{start}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			states++
			from, fromF := commerce.DeriveOrderStatus(s.lines, s.closed), commerce.DeriveFulfilmentStatus(s.lines)
			orderStatusSeen[from], fulfilmentStatusSeen[fromF] = true, true
			for _, n := range nextStates(t, s) {
				to, toF := commerce.DeriveOrderStatus(n.lines, n.closed), commerce.DeriveFulfilmentStatus(n.lines)
				if to != from {
					require.True(t, commerce.CanTransitionOrder(from, to), "order %s → %s: %v → %v", from, to, s, n)
					orderSeen[orderStep{from, to}] = true
				}
				if toF != fromF {
					require.True(t, commerce.CanTransitionFulfilment(fromF, toF), "fulfilment %s → %s: %v → %v", fromF, toF, s, n)
					fulfilmentSeen[fulfilmentStep{fromF, toF}] = true
				}
				if !visited[n.key()] {
					visited[n.key()] = true
					queue = append(queue, n)
				}
			}
		}
	}
	require.Greater(t, states, 1000, "the walk covers every state of every shape")
	for _, from := range commerce.OrderStatuses() {
		require.True(t, orderStatusSeen[from], "order status %s is reached", from)
		for _, to := range commerce.OrderStatuses() {
			if commerce.CanTransitionOrder(from, to) {
				require.True(t, orderSeen[orderStep{from, to}], "order %s → %s is allowed but never happens", from, to)
			}
		}
	}
	for _, from := range commerce.FulfilmentStatuses() {
		require.True(t, fulfilmentStatusSeen[from], "fulfilment status %s is reached", from)
		for _, to := range commerce.FulfilmentStatuses() {
			if commerce.CanTransitionFulfilment(from, to) {
				require.True(t, fulfilmentSeen[fulfilmentStep{from, to}], "fulfilment %s → %s is allowed but never happens", from, to)
			}
		}
	}
}

func TestOrderTransitionTable(t *testing.T) {
	t.Parallel()
	// The table as the issue draws it, spelled out: the main line, the side
	// exits, and the three ends.
	want := map[commerce.OrderStatus][]commerce.OrderStatus{
		commerce.OrderPlaced:            {commerce.OrderProcessing, commerce.OrderPartiallyShipped, commerce.OrderShipped, commerce.OrderCancelled},
		commerce.OrderProcessing:        {commerce.OrderPartiallyShipped, commerce.OrderShipped, commerce.OrderCancelled},
		commerce.OrderPartiallyShipped:  {commerce.OrderShipped, commerce.OrderDelivered, commerce.OrderPartiallyReturned},
		commerce.OrderShipped:           {commerce.OrderDelivered, commerce.OrderPartiallyReturned},
		commerce.OrderDelivered:         {commerce.OrderCompleted, commerce.OrderPartiallyReturned, commerce.OrderReturned},
		commerce.OrderPartiallyReturned: {commerce.OrderCompleted, commerce.OrderReturned},
	}
	for _, from := range commerce.OrderStatuses() {
		require.True(t, from.Valid())
		for _, to := range commerce.OrderStatuses() {
			require.Equal(t, slices.Contains(want[from], to), commerce.CanTransitionOrder(from, to), "%s → %s", from, to)
		}
	}
	require.False(t, commerce.OrderStatus("on_hold").Valid())
	require.False(t, commerce.CanTransitionOrder("on_hold", commerce.OrderPlaced))
	require.Len(t, commerce.OrderStatuses(), 9)
}

func TestFulfilmentTransitionTable(t *testing.T) {
	t.Parallel()
	want := map[commerce.FulfilmentStatus][]commerce.FulfilmentStatus{
		commerce.FulfilmentUnfulfilled:        {commerce.FulfilmentPartiallyShipped, commerce.FulfilmentShipped, commerce.FulfilmentCancelled},
		commerce.FulfilmentPartiallyShipped:   {commerce.FulfilmentShipped, commerce.FulfilmentPartiallyDelivered},
		commerce.FulfilmentShipped:            {commerce.FulfilmentPartiallyDelivered, commerce.FulfilmentDelivered},
		commerce.FulfilmentPartiallyDelivered: {commerce.FulfilmentDelivered, commerce.FulfilmentPartiallyReturned},
		commerce.FulfilmentDelivered:          {commerce.FulfilmentPartiallyReturned, commerce.FulfilmentReturned},
		commerce.FulfilmentPartiallyReturned:  {commerce.FulfilmentReturned},
	}
	for _, from := range commerce.FulfilmentStatuses() {
		require.True(t, from.Valid())
		for _, to := range commerce.FulfilmentStatuses() {
			require.Equal(t, slices.Contains(want[from], to), commerce.CanTransitionFulfilment(from, to), "%s → %s", from, to)
		}
	}
	require.False(t, commerce.FulfilmentStatus("lost").Valid())
	require.Len(t, commerce.FulfilmentStatuses(), 8)
}

func TestAllShippedAllDelivered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lines                 []commerce.OrderLine
		allShipped, delivered bool
	}{
		{[]commerce.OrderLine{line("A", 2, 0, 1, 1, 0)}, false, false},
		{[]commerce.OrderLine{line("A", 2, 1, 1, 0, 0)}, true, false},
		{[]commerce.OrderLine{line("A", 2, 1, 1, 1, 0)}, true, true},
		{[]commerce.OrderLine{line("A", 2, 0, 2, 2, 2), line("B", 1, 0, 0, 0, 0)}, false, false},
		{[]commerce.OrderLine{line("A", 2, 2, 0, 0, 0)}, true, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.allShipped, commerce.AllShipped(tt.lines), "%v", tt.lines)
		require.Equal(t, tt.delivered, commerce.AllDelivered(tt.lines), "%v", tt.lines)
	}
}

func TestCanCancelOrder(t *testing.T) {
	t.Parallel()
	roles := []commerce.Role{commerce.RoleBuyer, commerce.RoleApprover, commerce.RoleCompanyAdmin,
		commerce.RoleSalesRep, commerce.RoleSalesManager, commerce.RoleOps, "intruder"}
	for _, role := range roles {
		for _, isBuyer := range []bool{false, true} {
			for _, sameCompany := range []bool{false, true} {
				// Independent statement of the rule: ops always; otherwise an
				// employee of the order's company who placed it or administers it.
				want := role == commerce.RoleOps ||
					(sameCompany && (role == commerce.RoleCompanyAdmin ||
						(isBuyer && (role == commerce.RoleBuyer || role == commerce.RoleApprover))))
				require.Equal(t, want, commerce.CanCancelOrder(role, isBuyer, sameCompany),
					"role %s, buyer %v, same company %v", role, isBuyer, sameCompany)
			}
		}
	}
}

func TestServiceLevels(t *testing.T) {
	t.Parallel()
	placed := time.Date(2025, 3, 28, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	require.Equal(t, time.Date(2025, 3, 30, 22, 30, 0, 0, time.UTC), commerce.ShipBy(placed, 0))
	require.Equal(t, time.Date(2025, 3, 30, 22, 30, 0, 0, time.UTC), commerce.ShipBy(placed, -time.Hour))
	require.Equal(t, time.Date(2025, 3, 29, 0, 30, 0, 0, time.UTC), commerce.ShipBy(placed, 2*time.Hour))
	require.Equal(t, time.UTC, commerce.ShipBy(placed, time.Hour).Location())
	require.Equal(t, time.Date(2025, 4, 2, 22, 30, 0, 0, time.UTC), commerce.DeliverBy(placed, 0))
	require.Equal(t, time.Date(2025, 3, 29, 22, 30, 0, 0, time.UTC), commerce.DeliverBy(placed, 24*time.Hour))
	require.Equal(t, 30*24*time.Hour, commerce.DefaultReturnWindow)

	deadline := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	require.False(t, commerce.SLABreached(deadline.Add(-time.Second), deadline, false))
	require.False(t, commerce.SLABreached(deadline, deadline, false), "at the deadline is on time")
	require.True(t, commerce.SLABreached(deadline.Add(time.Nanosecond), deadline, false))
	require.False(t, commerce.SLABreached(deadline.Add(time.Hour), deadline, true), "done is never late")
	require.True(t, commerce.SLABreached(deadline.In(time.FixedZone("X", -7200)).Add(time.Minute), deadline, false))
}

// ERP news moves the ERP status only forward: every order of the same news
// ends the same.
func TestErpStatusOnlyMovesForward(t *testing.T) {
	news := []commerce.ErpStatus{commerce.ErpStatusShipped, commerce.ErpStatusPaid, commerce.ErpStatusOpen, commerce.ErpStatusInvoiced}
	var permute func(k int)
	permute = func(k int) {
		if k == len(news) {
			s := commerce.ErpStatusNone
			for _, n := range news {
				s = commerce.ErpStatusAfter(s, n)
			}
			require.Equal(t, commerce.ErpStatusPaid, s, "%v", news)
			return
		}
		for i := k; i < len(news); i++ {
			news[k], news[i] = news[i], news[k]
			permute(k + 1)
			news[k], news[i] = news[i], news[k]
		}
	}
	permute(0)
	require.Equal(t, commerce.ErpStatusShipped, commerce.ErpStatusAfter(commerce.ErpStatusShipped, commerce.ErpStatusNone))
	require.Equal(t, commerce.ErpStatusCancelled, commerce.ErpStatusAfter(commerce.ErpStatusPaid, commerce.ErpStatusCancelled))
	require.Equal(t, commerce.ErpStatusCancelled, commerce.ErpStatusAfter(commerce.ErpStatusCancelled, commerce.ErpStatusPaid))
	require.False(t, commerce.ErpStatus("lost").Known())
}
