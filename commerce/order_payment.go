package commerce

import (
	"fmt"
	"slices"
	"time"
)

// AmountShare is the part of an order's total that some of its units carry,
// by component, in minor units of the order's currency: the goods at their
// price (after discount) and their shares of the order's shipping and tax.
// Total = Net + Shipping + Tax.
type AmountShare struct {
	Net      int64 `json:"net"`
	Shipping int64 `json:"shipping"`
	Tax      int64 `json:"tax"`
	Total    int64 `json:"total"`
}

// add returns a + b, component by component.
func (a AmountShare) add(b AmountShare) AmountShare {
	return AmountShare{Net: a.Net + b.Net, Shipping: a.Shipping + b.Shipping, Tax: a.Tax + b.Tax, Total: a.Total + b.Total}
}

// How the order's total is split over its units
//
// Each line carries its goods (UnitPrice × Ordered) and a share of the
// order's shipping and of its tax, in proportion to its goods (to its
// quantity when all goods are free), so that the lines' shares sum exactly to
// the order's. Within a line, units are lined up: shipments take units from
// the front, cancellations from the back, and returns the shipped units from
// the front again. The units from 0 up to (not including) x carry
// ⌊share × x / Ordered⌋ of each component, so any run of units has an exact
// integer amount, and the runs that a line's shipments and cancellations take
// always add up to the line's whole share, whatever their order or sizes: the
// invoices and releases of an order sum exactly to its total, the last one
// taking the remainder. A line's invoices come to the amount of its first
// Shipped units, whatever the order of events, so returns (which count from
// the front as well) never credit more than was invoiced, and returning
// everything credits exactly what was invoiced.

// lineShare is one order line's part of the order's shipping and tax.
type lineShare struct{ shipping, tax int64 }

// splitTotals shares the order's shipping and tax over its lines. It fails
// when lines are corrupt or when totals are not the totals of lines
// (net = Σ UnitPrice × Ordered = Subtotal − Discount, Total = net + Shipping
// + Tax, none negative): an order's totals are computed at checkout, so this
// is a bug, not a business refusal.
func splitTotals(lines []OrderLine, totals OrderTotals) ([]lineShare, error) {
	if err := ValidateOrderLines(lines); err != nil {
		return nil, err
	}
	net := Zero(totals.Total.Currency)
	for _, l := range lines {
		goods, err := Money{Amount: l.UnitPrice, Currency: net.Currency}.Times(l.Ordered)
		if err == nil {
			net, err = net.Add(goods)
		}
		if err != nil {
			return nil, tooLarge("the order's goods", err)
		}
	}
	shipping, tax := totals.Shipping.Amount, totals.Tax.Amount
	switch {
	case shipping < 0 || tax < 0 || totals.Discount.Amount < 0:
		return nil, fmt.Errorf("order totals with a negative component: %+v", totals)
	case totals.Subtotal.Amount-totals.Discount.Amount != net.Amount:
		return nil, fmt.Errorf("order totals: subtotal %d − discount %d is not the lines' %d",
			totals.Subtotal.Amount, totals.Discount.Amount, net.Amount)
	case totals.Total.Amount-shipping-tax != net.Amount:
		return nil, fmt.Errorf("order totals: total %d is not net %d + shipping %d + tax %d",
			totals.Total.Amount, net.Amount, shipping, tax)
	}

	weight := func(l OrderLine) int64 { return l.UnitPrice * l.Ordered } // fits: summed above
	whole := net.Amount
	if whole == 0 {
		weight = func(l OrderLine) int64 { return l.Ordered }
		whole = sumLines(lines).ordered
	}
	shares := make([]lineShare, len(lines))
	var before int64 // the weight of the lines before line i
	for i, l := range lines {
		after := before + weight(l)
		shares[i] = lineShare{
			shipping: prefixShare(shipping, after, whole) - prefixShare(shipping, before, whole),
			tax:      prefixShare(tax, after, whole) - prefixShare(tax, before, whole),
		}
		before = after
	}
	return shares, nil
}

// prefixShare is ⌊amount × part / whole⌋ for 0 <= part <= whole, whole > 0
// and amount >= 0, exact in 128 bits (it is at most amount, so it fits).
func prefixShare(amount, part, whole int64) int64 {
	v, _ := ratioBP(amount, part, whole, roundDown)
	return v
}

// unitsShare is what line l's units [from, to) carry.
func unitsShare(l OrderLine, s lineShare, from, to int64) AmountShare {
	upTo := func(x int64) AmountShare {
		a := AmountShare{
			Net:      l.UnitPrice * x, // at most UnitPrice × Ordered, which fits
			Shipping: prefixShare(s.shipping, x, l.Ordered),
			Tax:      prefixShare(s.tax, x, l.Ordered),
		}
		a.Total = a.Net + a.Shipping + a.Tax // at most the order's total
		return a
	}
	end, start := upTo(to), upTo(from)
	return AmountShare{
		Net: end.Net - start.Net, Shipping: end.Shipping - start.Shipping,
		Tax: end.Tax - start.Tax, Total: end.Total - start.Total,
	}
}

// changeAmount checks change against rule on lines before it and sums what
// the units it takes carry; units(l, q) names the run of line l's units that q
// of them are.
func changeAmount(lines []OrderLine, totals OrderTotals, change []ShipLine, rule quantityRule, units func(l OrderLine, q int64) (from, to int64)) (AmountShare, error) {
	at, err := checkQuantities(lines, change, rule)
	if err != nil {
		return AmountShare{}, err
	}
	shares, err := splitTotals(lines, totals)
	if err != nil {
		return AmountShare{}, err
	}
	var sum AmountShare
	for i, c := range change {
		l := lines[at[i]]
		from, to := units(l, c.Quantity)
		sum = sum.add(unitsShare(l, shares[at[i]], from, to))
	}
	return sum, nil
}

// ShipmentAmount is what a shipment invoices: its units' share of the order's
// total, shipping, discount and tax included. lines are the order's lines
// before the shipment, totals the order's totals as placed (not reduced by
// cancellations); the shipment is checked as CheckShipment does. The invoices
// of an order's shipments and the releases of its cancellations sum exactly
// to totals.Total.
func ShipmentAmount(lines []OrderLine, totals OrderTotals, ship []ShipLine) (AmountShare, error) {
	return changeAmount(lines, totals, ship, shipRule, func(l OrderLine, q int64) (int64, int64) {
		return l.Shipped, l.Shipped + q
	})
}

// CancellationAmount is the part of the order's authorization a cancellation
// releases: its units' share of the order's total. lines are the order's
// lines before the cancellation, totals as for ShipmentAmount; cancel must be
// explicit (pass CheckCancellation's effective list) and is checked as
// CheckCancellation does.
func CancellationAmount(lines []OrderLine, totals OrderTotals, cancel []ShipLine) (AmountShare, error) {
	return changeAmount(lines, totals, cancel, cancelRule, func(l OrderLine, q int64) (int64, int64) {
		end := l.Ordered - l.Cancelled
		return end - q, end
	})
}

// CreditNoteAmount is what a return credits: the returned units' share of
// the order's total, as they were invoiced. lines are the order's lines
// before the return is applied, totals as for ShipmentAmount; quantities are
// checked as ApplyReturn does. Returning everything that shipped credits
// exactly what its shipments invoiced.
func CreditNoteAmount(lines []OrderLine, totals OrderTotals, ret []ReturnLine) (AmountShare, error) {
	return changeAmount(lines, totals, returnQuantities(ret), returnRule, func(l OrderLine, q int64) (int64, int64) {
		return l.Returned, l.Returned + q
	})
}

// DefaultPaymentTermsDays is the payment term of an invoice on account when
// the company has none of its own: net 30.
const DefaultPaymentTermsDays = 30

// InvoiceDueDate is when an invoice issued at issued is due, in UTC: netDays
// calendar days later. netDays 0 is due on issue; a negative netDays, which
// ValidatePaymentTerms refuses, counts as DefaultPaymentTermsDays.
func InvoiceDueDate(issued time.Time, netDays int) time.Time {
	if netDays < 0 {
		netDays = DefaultPaymentTermsDays
	}
	return issued.UTC().AddDate(0, 0, netDays)
}

// MaxPaymentTermsDays is the longest payment term a company may be given.
const MaxPaymentTermsDays = 365

// ValidatePaymentTerms checks a company's payment terms in days
// ("payment_terms_days", 0..MaxPaymentTermsDays).
func ValidatePaymentTerms(days int) error {
	if days < 0 || days > MaxPaymentTermsDays {
		return &FieldError{Field: "payment_terms_days", Message: fmt.Sprintf("must be between 0 and %d", MaxPaymentTermsDays)}
	}
	return nil
}

// PaymentStatus is where an order's payment on account is; it is the
// PaymentStatus search attribute of the order workflow, derived from the
// order's amounts by DerivePaymentStatus.
type PaymentStatus string

// Payment statuses.
const (
	// PaymentAuthorized: the order's total is held against the company's
	// credit; nothing is invoiced yet.
	PaymentAuthorized PaymentStatus = "authorized"
	// PaymentPartiallyInvoiced: some shipments are invoiced; part of the
	// authorization is still held for what has yet to ship.
	PaymentPartiallyInvoiced PaymentStatus = "partially_invoiced"
	// PaymentInvoiced: everything is invoiced (or released); nothing is paid.
	PaymentInvoiced PaymentStatus = "invoiced"
	// PaymentPartiallyPaid: everything is invoiced and part of it is paid.
	PaymentPartiallyPaid PaymentStatus = "partially_paid"
	// PaymentPaid: everything invoiced is paid.
	PaymentPaid PaymentStatus = "paid"
	// PaymentVoided: the whole authorization was released before anything was
	// invoiced (the order was cancelled).
	PaymentVoided PaymentStatus = "voided"
	// PaymentCredited: everything is invoiced and a credit note (a return)
	// reduced what is owed; no money went back.
	PaymentCredited PaymentStatus = "credited"
	// PaymentRefunded: everything is invoiced and money was paid back after a
	// credit note.
	PaymentRefunded PaymentStatus = "refunded"
)

// PaymentStatuses are all payment statuses, in the order of an order's life.
func PaymentStatuses() []PaymentStatus {
	return []PaymentStatus{
		PaymentAuthorized, PaymentPartiallyInvoiced, PaymentInvoiced, PaymentPartiallyPaid,
		PaymentPaid, PaymentVoided, PaymentCredited, PaymentRefunded,
	}
}

// Valid tells whether s is a known payment status.
func (s PaymentStatus) Valid() bool { return slices.Contains(PaymentStatuses(), s) }

// PaymentState is the money of an order paid on account, in minor units,
// each figure a running sum that only grows:
//
//   - Authorized: the order's total, held against the company's credit;
//   - Voided: authorization released by cancellations (CancellationAmount);
//   - Invoiced: invoiced by shipments (ShipmentAmount);
//   - Credited: credit notes for returns (CreditNoteAmount);
//   - Paid: payments received;
//   - Refunded: money paid back to the buyer.
//
// A consistent state has Voided + Invoiced <= Authorized, Credited <=
// Invoiced, Refunded <= Paid, and the buyer owes Due.
type PaymentState struct {
	Authorized int64 `json:"authorized"`
	Voided     int64 `json:"voided"`
	Invoiced   int64 `json:"invoiced"`
	Credited   int64 `json:"credited"`
	Paid       int64 `json:"paid"`
	Refunded   int64 `json:"refunded"`
}

// Uninvoiced is the authorization still held for what has yet to ship or be
// cancelled: the part of the credit hold that is not a receivable yet.
func (p PaymentState) Uninvoiced() int64 { return p.Authorized - p.Voided - p.Invoiced }

// Due is what the buyer still owes: invoiced − credited − (paid − refunded).
// It is negative when the buyer is owed money (a credit note after payment,
// not yet refunded).
func (p PaymentState) Due() int64 { return p.Invoiced - p.Credited - p.Paid + p.Refunded }

// paymentTransitions are exactly the changes DerivePaymentStatus can make in
// one invoice, payment, release, credit note or refund; the tests prove both
// directions by walking every small state.
var paymentTransitions = map[PaymentStatus][]PaymentStatus{
	PaymentAuthorized:        {PaymentPartiallyInvoiced, PaymentInvoiced, PaymentVoided},
	PaymentPartiallyInvoiced: {PaymentInvoiced, PaymentPartiallyPaid, PaymentPaid, PaymentCredited, PaymentRefunded},
	PaymentInvoiced:          {PaymentPartiallyPaid, PaymentPaid, PaymentCredited},
	PaymentPartiallyPaid:     {PaymentPaid, PaymentCredited},
	PaymentPaid:              {PaymentCredited},
	PaymentCredited:          {PaymentPaid, PaymentRefunded},
	PaymentVoided:            nil,
	PaymentRefunded:          nil,
}

// CanTransitionPayment tells whether an order's payment may move from one
// status to a different one.
func CanTransitionPayment(from, to PaymentStatus) bool {
	return slices.Contains(paymentTransitions[from], to)
}

// DerivePaymentStatus computes the payment status from p, first rule that
// holds:
//
//   - nothing invoiced → voided once the whole authorization is released,
//     else authorized;
//   - something still to invoice → partially_invoiced;
//   - money refunded → refunded; paid so that, with credit notes, exactly
//     nothing is owed → paid; otherwise a credit note → credited (owed less,
//     or owed money back);
//   - nothing paid → invoiced; less than invoiced paid → partially_paid;
//     else paid.
//
// Invoicing comes first because it is what the warehouse still owes; credits
// and refunds come next because they change what the invoices say is owed.
func DerivePaymentStatus(p PaymentState) PaymentStatus {
	switch {
	case p.Invoiced == 0 && p.Voided > 0 && p.Voided >= p.Authorized:
		return PaymentVoided
	case p.Invoiced == 0:
		return PaymentAuthorized
	case p.Uninvoiced() > 0:
		return PaymentPartiallyInvoiced
	case p.Refunded > 0:
		return PaymentRefunded
	case p.Paid > 0 && p.Due() == 0:
		return PaymentPaid
	case p.Credited > 0:
		return PaymentCredited
	case p.Paid == 0:
		return PaymentInvoiced
	case p.Paid < p.Invoiced:
		return PaymentPartiallyPaid
	}
	return PaymentPaid
}

// CheckPayment checks a payment received for an order: amount at least 1
// ("amount") and at most what is Due (CodeOverPayment).
func CheckPayment(p PaymentState, amount int64) error {
	if amount < 1 {
		return &FieldError{Field: "amount", Message: "must be at least 1"}
	}
	if due := p.Due(); amount > due {
		return Reject(CodeOverPayment, fmt.Sprintf("the payment of %d is more than the %d the order still owes", amount, max(due, 0)))
	}
	return nil
}
