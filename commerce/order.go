package commerce

import (
	"fmt"
	"slices"
	"time"
)

// Order statuses after OrderPlaced (declared in status.go). The overall status
// is derived from the order's line quantities by DeriveOrderStatus, never set
// by hand, so it cannot disagree with what was shipped, cancelled or returned.
const (
	// OrderProcessing: nothing has shipped yet, but the order is no longer as
	// placed: part of it was cancelled.
	OrderProcessing OrderStatus = "processing"
	// OrderPartiallyShipped: some units have shipped and some may still ship.
	OrderPartiallyShipped OrderStatus = "partially_shipped"
	// OrderShipped: everything that will ship has shipped; some of it is not
	// delivered yet.
	OrderShipped OrderStatus = "shipped"
	// OrderDelivered: everything that will ship is delivered; the return window
	// is open.
	OrderDelivered OrderStatus = "delivered"
	// OrderCompleted: delivered (maybe partly returned) and the return window
	// has closed; nothing can change any more.
	OrderCompleted OrderStatus = "completed"
	// OrderCancelled: every unit was cancelled before it shipped.
	OrderCancelled OrderStatus = "cancelled"
	// OrderPartiallyReturned: some delivered units were returned, not all that
	// shipped.
	OrderPartiallyReturned OrderStatus = "partially_returned"
	// OrderReturned: every unit that shipped came back and nothing is left to
	// ship.
	OrderReturned OrderStatus = "returned"
)

// OrderStatuses are all order statuses, in the order of an order's life, for
// validating filters and listing them in documentation.
func OrderStatuses() []OrderStatus {
	return []OrderStatus{
		OrderPlaced, OrderProcessing, OrderPartiallyShipped, OrderShipped, OrderDelivered,
		OrderCompleted, OrderCancelled, OrderPartiallyReturned, OrderReturned,
	}
}

// Valid tells whether s is a known order status.
func (s OrderStatus) Valid() bool { return slices.Contains(OrderStatuses(), s) }

// orderTransitions are exactly the changes DeriveOrderStatus can make in one
// step (one shipment, delivery, cancellation or return, or the return window
// closing); the tests prove both directions by walking every small order.
var orderTransitions = map[OrderStatus][]OrderStatus{
	OrderPlaced:            {OrderProcessing, OrderPartiallyShipped, OrderShipped, OrderCancelled},
	OrderProcessing:        {OrderPartiallyShipped, OrderShipped, OrderCancelled},
	OrderPartiallyShipped:  {OrderShipped, OrderDelivered, OrderPartiallyReturned},
	OrderShipped:           {OrderDelivered, OrderPartiallyReturned},
	OrderDelivered:         {OrderCompleted, OrderPartiallyReturned, OrderReturned},
	OrderPartiallyReturned: {OrderCompleted, OrderReturned},
	OrderCompleted:         nil,
	OrderCancelled:         nil,
	OrderReturned:          nil,
}

// CanTransitionOrder tells whether an order may move from one status to a
// different one. Staying in a status is not a transition and is not asked here.
func CanTransitionOrder(from, to OrderStatus) bool {
	return slices.Contains(orderTransitions[from], to)
}

// OrderLine is one line of an order with what has happened to its units. The
// quantities only grow, and always satisfy
//
//	Cancelled + Shipped <= Ordered, Delivered <= Shipped, Returned <= Delivered.
//
// Returned counts units whose return was accepted, so a unit cannot be
// returned twice.
type OrderLine struct {
	SKU       string `json:"sku"`
	UnitPrice int64  `json:"unit_price"` // minor units, what the buyer pays for one unit
	Ordered   int64  `json:"ordered"`
	Cancelled int64  `json:"cancelled"`
	Shipped   int64  `json:"shipped"`
	Delivered int64  `json:"delivered"`
	Returned  int64  `json:"returned"`
}

// Open is what may still ship or be cancelled: ordered − cancelled − shipped.
func (l OrderLine) Open() int64 { return l.Ordered - l.Cancelled - l.Shipped }

// InTransit is what has shipped and is not delivered yet.
func (l OrderLine) InTransit() int64 { return l.Shipped - l.Delivered }

// Returnable is what has been delivered and not returned.
func (l OrderLine) Returnable() int64 { return l.Delivered - l.Returned }

// ValidateOrderLines checks that lines can be an order's: at least one line,
// distinct valid SKUs, Ordered >= 1, UnitPrice >= 0 and the quantity
// invariants of OrderLine. Orders are built by checkout, so a failure is a
// bug or corrupt state, not the caller's input: it is a plain error, never a
// *Rejection or *FieldError.
func ValidateOrderLines(lines []OrderLine) error {
	if len(lines) == 0 {
		return fmt.Errorf("order has no lines")
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		switch {
		case ValidateSKU("sku", l.SKU) != nil:
			return fmt.Errorf("order line %d: invalid SKU %q", i, l.SKU)
		case seen[l.SKU]:
			return fmt.Errorf("order line %d: SKU %s appears twice", i, l.SKU)
		case l.Ordered < 1:
			return fmt.Errorf("order line %d (%s): ordered %d, want at least 1", i, l.SKU, l.Ordered)
		case l.UnitPrice < 0:
			return fmt.Errorf("order line %d (%s): negative unit price %d", i, l.SKU, l.UnitPrice)
		case l.Cancelled < 0 || l.Shipped < 0 || l.Delivered < 0 || l.Returned < 0:
			return fmt.Errorf("order line %d (%s): negative quantity in %+v", i, l.SKU, l)
		case l.Cancelled > l.Ordered-l.Shipped:
			return fmt.Errorf("order line %d (%s): cancelled %d + shipped %d exceed ordered %d", i, l.SKU, l.Cancelled, l.Shipped, l.Ordered)
		case l.Delivered > l.Shipped:
			return fmt.Errorf("order line %d (%s): delivered %d exceeds shipped %d", i, l.SKU, l.Delivered, l.Shipped)
		case l.Returned > l.Delivered:
			return fmt.Errorf("order line %d (%s): returned %d exceeds delivered %d", i, l.SKU, l.Returned, l.Delivered)
		}
		seen[l.SKU] = true
	}
	return nil
}

// lineSums are an order's quantities summed over its lines.
type lineSums struct{ ordered, cancelled, shipped, delivered, returned int64 }

// sumLines adds up lines' quantities; orders are bounded by MaxCartLines ×
// MaxLineQuantity units, far from overflowing.
func sumLines(lines []OrderLine) lineSums {
	var s lineSums
	for _, l := range lines {
		s.ordered += l.Ordered
		s.cancelled += l.Cancelled
		s.shipped += l.Shipped
		s.delivered += l.Delivered
		s.returned += l.Returned
	}
	return s
}

// open is what may still ship or be cancelled, over all lines.
func (s lineSums) open() int64 { return s.ordered - s.cancelled - s.shipped }

// AllShipped tells whether nothing is left to ship: every unit shipped or was
// cancelled. It is what the ship-by deadline waits for.
func AllShipped(lines []OrderLine) bool { return sumLines(lines).open() == 0 }

// AllDelivered tells whether every unit that will ship has been delivered. It
// is what the deliver-by deadline waits for, and when the return window
// starts.
func AllDelivered(lines []OrderLine) bool {
	s := sumLines(lines)
	return s.open() == 0 && s.delivered == s.shipped
}

// DeriveOrderStatus computes an order's overall status from its lines, first
// rule that holds:
//
//   - no lines → placed;
//   - every unit cancelled → cancelled;
//   - some units returned → returned when every shipped unit came back and
//     nothing is left to ship; else completed when returnWindowClosed and
//     everything is delivered; else partially_returned;
//   - nothing shipped → placed, or processing once part was cancelled;
//   - something still open → partially_shipped;
//   - something in transit → shipped;
//   - completed when returnWindowClosed, else delivered.
//
// Processing is thus "no longer as placed, nothing shipped yet": a partial
// cancellation. returnWindowClosed counts only once everything is delivered,
// because the window runs from the last delivery.
func DeriveOrderStatus(lines []OrderLine, returnWindowClosed bool) OrderStatus {
	if len(lines) == 0 {
		return OrderPlaced
	}
	s := sumLines(lines)
	delivered := s.open() == 0 && s.delivered == s.shipped
	switch {
	case s.cancelled == s.ordered:
		return OrderCancelled
	case s.returned > 0 && s.returned == s.shipped && s.open() == 0:
		return OrderReturned
	case s.returned > 0 && returnWindowClosed && delivered:
		return OrderCompleted
	case s.returned > 0:
		return OrderPartiallyReturned
	case s.shipped == 0 && s.cancelled == 0:
		return OrderPlaced
	case s.shipped == 0:
		return OrderProcessing
	case s.open() > 0:
		return OrderPartiallyShipped
	case !delivered:
		return OrderShipped
	case returnWindowClosed:
		return OrderCompleted
	}
	return OrderDelivered
}

// CanCancelOrder tells who may cancel an order (or part of it): the buyer who
// placed it, an admin of the company it belongs to, or ops. isBuyer says the
// principal placed the order; sameCompany that the principal belongs to the
// order's company. Other company-side roles and sales staff may not.
func CanCancelOrder(role Role, isBuyer, sameCompany bool) bool {
	switch {
	case role == RoleOps:
		return true
	case !role.CompanySide() || !sameCompany:
		return false
	}
	return isBuyer || role == RoleCompanyAdmin
}

// Service levels until a shipping method or company configures its own.
const (
	// DefaultShipWithin is how long after placing an order it must have
	// shipped in full.
	DefaultShipWithin = 48 * time.Hour
	// DefaultDeliverWithin is how long after placing an order it must have
	// been delivered in full.
	DefaultDeliverWithin = 5 * 24 * time.Hour
	// DefaultReturnWindow is how long after the last delivery a buyer may ask
	// to return goods.
	DefaultReturnWindow = 30 * 24 * time.Hour
)

// ShipBy is the deadline to ship an order in full, in UTC; shipWithin <= 0
// means DefaultShipWithin (a shipping method without a service level).
func ShipBy(placedAt time.Time, shipWithin time.Duration) time.Time {
	if shipWithin <= 0 {
		shipWithin = DefaultShipWithin
	}
	return placedAt.Add(shipWithin).UTC()
}

// DeliverBy is the deadline to deliver an order in full, in UTC;
// deliverWithin <= 0 means DefaultDeliverWithin.
func DeliverBy(placedAt time.Time, deliverWithin time.Duration) time.Time {
	if deliverWithin <= 0 {
		deliverWithin = DefaultDeliverWithin
	}
	return placedAt.Add(deliverWithin).UTC()
}

// SLABreached tells whether a deadline was missed: the work is not done and
// now is past the deadline (at the deadline itself it is still on time).
func SLABreached(now, deadline time.Time, done bool) bool {
	return !done && now.After(deadline)
}
