package commerce

import (
	"fmt"
	"slices"
	"time"
)

// FulfilmentStatus is how far an order's goods have travelled; it is the
// FulfilmentStatus search attribute of the order workflow. Like the overall
// status it is derived from the lines, by DeriveFulfilmentStatus.
type FulfilmentStatus string

// Fulfilment statuses.
const (
	// FulfilmentUnfulfilled: nothing has shipped (part may be cancelled).
	FulfilmentUnfulfilled FulfilmentStatus = "unfulfilled"
	// FulfilmentPartiallyShipped: some units shipped, none delivered, some
	// still to ship.
	FulfilmentPartiallyShipped FulfilmentStatus = "partially_shipped"
	// FulfilmentShipped: everything that will ship has shipped, none of it is
	// delivered yet.
	FulfilmentShipped FulfilmentStatus = "shipped"
	// FulfilmentPartiallyDelivered: some units are delivered, others are in
	// transit or still to ship.
	FulfilmentPartiallyDelivered FulfilmentStatus = "partially_delivered"
	// FulfilmentDelivered: everything that will ship is delivered.
	FulfilmentDelivered FulfilmentStatus = "delivered"
	// FulfilmentCancelled: every unit was cancelled.
	FulfilmentCancelled FulfilmentStatus = "cancelled"
	// FulfilmentPartiallyReturned: some delivered units were returned.
	FulfilmentPartiallyReturned FulfilmentStatus = "partially_returned"
	// FulfilmentReturned: every unit that shipped came back and nothing is
	// left to ship.
	FulfilmentReturned FulfilmentStatus = "returned"
)

// FulfilmentStatuses are all fulfilment statuses, in the order of an order's
// life.
func FulfilmentStatuses() []FulfilmentStatus {
	return []FulfilmentStatus{
		FulfilmentUnfulfilled, FulfilmentPartiallyShipped, FulfilmentShipped, FulfilmentPartiallyDelivered,
		FulfilmentDelivered, FulfilmentCancelled, FulfilmentPartiallyReturned, FulfilmentReturned,
	}
}

// Valid tells whether s is a known fulfilment status.
func (s FulfilmentStatus) Valid() bool { return slices.Contains(FulfilmentStatuses(), s) }

// fulfilmentTransitions are exactly the changes DeriveFulfilmentStatus can
// make in one shipment, delivery, cancellation or return; the tests prove both
// directions by walking every small order.
var fulfilmentTransitions = map[FulfilmentStatus][]FulfilmentStatus{
	FulfilmentUnfulfilled:        {FulfilmentPartiallyShipped, FulfilmentShipped, FulfilmentCancelled},
	FulfilmentPartiallyShipped:   {FulfilmentShipped, FulfilmentPartiallyDelivered},
	FulfilmentShipped:            {FulfilmentPartiallyDelivered, FulfilmentDelivered},
	FulfilmentPartiallyDelivered: {FulfilmentDelivered, FulfilmentPartiallyReturned},
	FulfilmentDelivered:          {FulfilmentPartiallyReturned, FulfilmentReturned},
	FulfilmentPartiallyReturned:  {FulfilmentReturned},
	FulfilmentCancelled:          nil,
	FulfilmentReturned:           nil,
}

// CanTransitionFulfilment tells whether an order's fulfilment may move from
// one status to a different one.
func CanTransitionFulfilment(from, to FulfilmentStatus) bool {
	return slices.Contains(fulfilmentTransitions[from], to)
}

// DeriveFulfilmentStatus computes an order's fulfilment status from its
// lines, first rule that holds:
//
//   - no lines → unfulfilled;
//   - every unit cancelled → cancelled;
//   - some units returned → returned when every shipped unit came back and
//     nothing is left to ship, else partially_returned;
//   - nothing shipped → unfulfilled;
//   - nothing delivered → partially_shipped while some is open, else shipped;
//   - delivered when everything that will ship is delivered, else
//     partially_delivered.
func DeriveFulfilmentStatus(lines []OrderLine) FulfilmentStatus {
	if len(lines) == 0 {
		return FulfilmentUnfulfilled
	}
	s := sumLines(lines)
	switch {
	case s.cancelled == s.ordered:
		return FulfilmentCancelled
	case s.returned > 0 && s.returned == s.shipped && s.open() == 0:
		return FulfilmentReturned
	case s.returned > 0:
		return FulfilmentPartiallyReturned
	case s.shipped == 0:
		return FulfilmentUnfulfilled
	case s.delivered == 0 && s.open() > 0:
		return FulfilmentPartiallyShipped
	case s.delivered == 0:
		return FulfilmentShipped
	case s.open() > 0 || s.delivered < s.shipped:
		return FulfilmentPartiallyDelivered
	}
	return FulfilmentDelivered
}

// ShipLine is a quantity of one SKU of an order: in a shipment, a delivery or
// a cancellation.
type ShipLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// ReturnLine is a quantity of one SKU a buyer returns, and why.
type ReturnLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason"`
}

// Bounds of the free text of shipments and returns, small enough for a
// workflow's history and the timeline.
const (
	// MaxCarrierBytes bounds a carrier's name.
	MaxCarrierBytes = 100
	// MaxTrackingNumberBytes bounds a tracking number (real ones are 10-40
	// characters).
	MaxTrackingNumberBytes = 100
	// MaxReturnReasonBytes bounds the reason a buyer gives for a return.
	MaxReturnReasonBytes = 1000
)

// ValidateShipmentInfo checks a shipment's carrier ("carrier", optional) and
// tracking number ("tracking_number", required): valid UTF-8 without NUL,
// within MaxCarrierBytes and MaxTrackingNumberBytes.
func ValidateShipmentInfo(carrier, tracking string) error {
	if err := ValidateQuoteText("carrier", carrier, MaxCarrierBytes, false); err != nil {
		return err
	}
	return ValidateQuoteText("tracking_number", tracking, MaxTrackingNumberBytes, true)
}

// quantityRule is what one kind of order change may take of a line.
type quantityRule struct {
	available func(OrderLine) int64
	over      RejectionCode
	what      string // "ship", "deliver", … for messages
	limit     string // what available is, for messages
}

var (
	shipRule    = quantityRule{OrderLine.Open, CodeOverShipment, "ship", "still open"}
	deliverRule = quantityRule{OrderLine.InTransit, CodeOverDelivery, "deliver", "shipped and not delivered"}
	cancelRule  = quantityRule{OrderLine.Open, CodeOverCancellation, "cancel", "not shipped (shipped units can only be returned)"}
	returnRule  = quantityRule{OrderLine.Returnable, CodeOverReturn, "return", "delivered and not returned"}
)

// checkQuantities checks a change of an order's lines against rule and
// returns, per entry of change, the index of its order line. Input errors are
// *FieldError on "lines", "lines[i].sku" or "lines[i].quantity"; a SKU not on
// the order is CodeNotOnOrder, a quantity above what rule allows is rule.over,
// both naming the SKU. Corrupt order lines are a plain error.
func checkQuantities(lines []OrderLine, change []ShipLine, rule quantityRule) ([]int, error) {
	if err := ValidateOrderLines(lines); err != nil {
		return nil, err
	}
	if err := validateLineCount(len(change)); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(change))
	for i, c := range change {
		if err := validateLineSKU(i, c.SKU, seen); err != nil {
			return nil, err
		}
		if err := ValidateQuantity(fmt.Sprintf("lines[%d].quantity", i), c.Quantity); err != nil {
			return nil, err
		}
	}
	at := make([]int, len(change))
	for i, c := range change {
		j := slices.IndexFunc(lines, func(l OrderLine) bool { return l.SKU == c.SKU })
		if j < 0 {
			return nil, RejectSKU(CodeNotOnOrder, c.SKU, fmt.Sprintf("the order has no line %s", c.SKU))
		}
		if avail := rule.available(lines[j]); c.Quantity > avail {
			return nil, RejectSKU(rule.over, c.SKU, fmt.Sprintf("cannot %s %d of %s: only %d %s",
				rule.what, c.Quantity, c.SKU, avail, rule.limit))
		}
		at[i] = j
	}
	return at, nil
}

// CheckShipment checks a shipment's lines against the order's: at least one
// line ("lines"), SKUs on the order (CodeNotOnOrder) and not repeated
// ("lines[i].sku"), each quantity at least 1 ("lines[i].quantity") and at most
// the line's Open (CodeOverShipment). Carrier and tracking number are checked
// by ValidateShipmentInfo.
func CheckShipment(lines []OrderLine, ship []ShipLine) error {
	_, err := checkQuantities(lines, ship, shipRule)
	return err
}

// CheckDelivery checks a delivery's lines like CheckShipment, each quantity
// at most what is in transit (CodeOverDelivery).
func CheckDelivery(lines []OrderLine, deliver []ShipLine) error {
	_, err := checkQuantities(lines, deliver, deliverRule)
	return err
}

// CheckCancellation checks a cancellation and returns what it cancels. An
// empty (or nil) cancel means everything still open, and the effective list
// is every line with something open, in the order's line order; an order with
// nothing open is CodeOrderState. Otherwise cancel is checked like
// CheckShipment, each quantity at most the line's Open
// (CodeOverCancellation), and returned as given.
func CheckCancellation(lines []OrderLine, cancel []ShipLine) ([]ShipLine, error) {
	if len(cancel) > 0 {
		if _, err := checkQuantities(lines, cancel, cancelRule); err != nil {
			return nil, err
		}
		return cancel, nil
	}
	if err := ValidateOrderLines(lines); err != nil {
		return nil, err
	}
	var all []ShipLine
	for _, l := range lines {
		if open := l.Open(); open > 0 {
			all = append(all, ShipLine{SKU: l.SKU, Quantity: open})
		}
	}
	if len(all) == 0 {
		return nil, Reject(CodeOrderState, "nothing is left to cancel: every unit has shipped or was cancelled")
	}
	return all, nil
}

// ReturnWindowClosesAt is the last instant, in UTC, at which a return may be
// asked for goods delivered at deliveredAt.
func ReturnWindowClosesAt(deliveredAt time.Time, window time.Duration) time.Time {
	return deliveredAt.Add(window).UTC()
}

// CheckReturn checks a buyer's return request at now: something was delivered
// (deliveredAt, the last delivery, is not zero; else CodeOrderState), now is
// not after ReturnWindowClosesAt(deliveredAt, window)
// (CodeReturnWindowClosed), and each line is checked like CheckShipment, each
// quantity at most the line's Returnable (CodeOverReturn), with a reason
// ("lines[i].reason", required, at most MaxReturnReasonBytes).
func CheckReturn(lines []OrderLine, ret []ReturnLine, deliveredAt, now time.Time, window time.Duration) error {
	if _, err := checkQuantities(lines, returnQuantities(ret), returnRule); err != nil {
		return err
	}
	for i, r := range ret {
		if err := ValidateQuoteText(fmt.Sprintf("lines[%d].reason", i), r.Reason, MaxReturnReasonBytes, true); err != nil {
			return err
		}
	}
	if deliveredAt.IsZero() {
		return Reject(CodeOrderState, "nothing of the order has been delivered")
	}
	if closes := ReturnWindowClosesAt(deliveredAt, window); now.After(closes) {
		return Reject(CodeReturnWindowClosed, fmt.Sprintf("the return window closed at %s", closes.Format(time.RFC3339)))
	}
	return nil
}

// returnQuantities are the SKUs and quantities of a return.
func returnQuantities(ret []ReturnLine) []ShipLine {
	if ret == nil {
		return nil
	}
	q := make([]ShipLine, len(ret))
	for i, r := range ret {
		q[i] = ShipLine{SKU: r.SKU, Quantity: r.Quantity}
	}
	return q
}

// applyChange checks change against rule and returns new lines with add
// applied to each changed line; lines itself is left as it was.
func applyChange(lines []OrderLine, change []ShipLine, rule quantityRule, add func(*OrderLine, int64)) ([]OrderLine, error) {
	at, err := checkQuantities(lines, change, rule)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(lines)
	for i, c := range change {
		add(&out[at[i]], c.Quantity)
	}
	return out, nil
}

// ApplyShipment returns the order's lines after a shipment, checked as
// CheckShipment does; lines is not changed.
func ApplyShipment(lines []OrderLine, ship []ShipLine) ([]OrderLine, error) {
	return applyChange(lines, ship, shipRule, func(l *OrderLine, q int64) { l.Shipped += q })
}

// ApplyDelivery returns the order's lines after a delivery, checked as
// CheckDelivery does; lines is not changed.
func ApplyDelivery(lines []OrderLine, deliver []ShipLine) ([]OrderLine, error) {
	return applyChange(lines, deliver, deliverRule, func(l *OrderLine, q int64) { l.Delivered += q })
}

// ApplyCancellation returns the order's lines after a cancellation, checked
// as CheckCancellation does (an empty cancel cancels everything open); lines
// is not changed.
func ApplyCancellation(lines []OrderLine, cancel []ShipLine) ([]OrderLine, error) {
	effective, err := CheckCancellation(lines, cancel)
	if err != nil {
		return nil, err
	}
	return applyChange(lines, effective, cancelRule, func(l *OrderLine, q int64) { l.Cancelled += q })
}

// ApplyReturn returns the order's lines after a return is accepted, checked
// for quantities as CheckReturn does (the window and reasons are the
// request's business, checked when it was made); lines is not changed.
func ApplyReturn(lines []OrderLine, ret []ReturnLine) ([]OrderLine, error) {
	return applyChange(lines, returnQuantities(ret), returnRule, func(l *OrderLine, q int64) { l.Returned += q })
}
