package commerce_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// totalsOf builds the totals checkout would give lines (net = Σ unit price ×
// ordered) with a discount, shipping and tax.
func totalsOf(lines []commerce.OrderLine, discount, shipping, tax int64) commerce.OrderTotals {
	var net int64
	for _, l := range lines {
		net += l.UnitPrice * l.Ordered
	}
	eur := func(v int64) commerce.Money { return commerce.Money{Amount: v, Currency: "EUR"} }
	return commerce.OrderTotals{Subtotal: eur(net + discount), Discount: eur(discount), Shipping: eur(shipping),
		Tax: eur(tax), Total: eur(net + shipping + tax)}
}

// amountOrder: BOLT 3 × 1000 and NUT 1 × 500 (net 3500, after a discount of
// 200), shipping 1000, tax 900 (20 % of 4500): total 5400. BOLT carries
// ⌊1000 × 3000/3500⌋ = 857 of the shipping and ⌊900 × 3000/3500⌋ = 771 of the
// tax; NUT the rest, 143 and 129.
func amountOrder() ([]commerce.OrderLine, commerce.OrderTotals) {
	lines := []commerce.OrderLine{
		{SKU: "BOLT", UnitPrice: 1000, Ordered: 3},
		{SKU: "NUT", UnitPrice: 500, Ordered: 1},
	}
	return lines, totalsOf(lines, 200, 1000, 900)
}

func share(net, shipping, tax int64) commerce.AmountShare {
	return commerce.AmountShare{Net: net, Shipping: shipping, Tax: tax, Total: net + shipping + tax}
}

func TestShipmentAndCancellationAmounts(t *testing.T) {
	t.Parallel()
	lines, totals := amountOrder()

	// Shipped in three shipments: 1 BOLT, then 2 BOLT, then the NUT.
	a, err := commerce.ShipmentAmount(lines, totals, ship("BOLT", 1))
	require.NoError(t, err)
	require.Equal(t, share(1000, 285, 257), a) // ⌊857/3⌋, ⌊771/3⌋
	lines, err = commerce.ApplyShipment(lines, ship("BOLT", 1))
	require.NoError(t, err)
	b, err := commerce.ShipmentAmount(lines, totals, ship("BOLT", 2))
	require.NoError(t, err)
	require.Equal(t, share(2000, 857-285, 771-257), b)
	lines, err = commerce.ApplyShipment(lines, ship("BOLT", 2))
	require.NoError(t, err)
	c, err := commerce.ShipmentAmount(lines, totals, ship("NUT", 1))
	require.NoError(t, err)
	require.Equal(t, share(500, 143, 129), c)
	require.Equal(t, int64(5400), a.Total+b.Total+c.Total)

	// Returns credit the shipped units from the front: all of BOLT credits
	// exactly what its two shipments invoiced.
	lines, err = commerce.ApplyShipment(lines, ship("NUT", 1))
	require.NoError(t, err)
	lines, err = commerce.ApplyDelivery(lines, ship("BOLT", 3, "NUT", 1))
	require.NoError(t, err)
	credit, err := commerce.CreditNoteAmount(lines, totals, []commerce.ReturnLine{{SKU: "BOLT", Quantity: 3, Reason: "rust"}})
	require.NoError(t, err)
	require.Equal(t, a.Total+b.Total, credit.Total)
	require.Equal(t, share(3000, 857, 771), credit)
}

func TestCancellationTakesUnitsFromTheBack(t *testing.T) {
	t.Parallel()
	lines, totals := amountOrder()
	// Cancel one BOLT first: it is unit 3 of 3, ⌊857 × 3/3⌋ − ⌊857 × 2/3⌋ = 286
	// of shipping and 771 − 514 = 257 of tax.
	released, err := commerce.CancellationAmount(lines, totals, ship("BOLT", 1))
	require.NoError(t, err)
	require.Equal(t, share(1000, 286, 257), released)
	lines, err = commerce.ApplyCancellation(lines, ship("BOLT", 1))
	require.NoError(t, err)
	// The two BOLTs that ship are units 1 and 2, whatever the cancellation did.
	invoiced, err := commerce.ShipmentAmount(lines, totals, ship("BOLT", 2))
	require.NoError(t, err)
	require.Equal(t, share(2000, 571, 514), invoiced)
	nut, err := commerce.CancellationAmount(lines, totals, ship("NUT", 1))
	require.NoError(t, err)
	require.Equal(t, share(500, 143, 129), nut)
	require.Equal(t, totals.Total.Amount, released.Total+invoiced.Total+nut.Total)
}

func TestAmountsRefused(t *testing.T) {
	t.Parallel()
	lines, totals := amountOrder()
	_, err := commerce.ShipmentAmount(lines, totals, ship("BOLT", 4))
	requireRejection(t, err, commerce.CodeOverShipment)
	_, err = commerce.CancellationAmount(lines, totals, nil)
	requireFieldError(t, err, "lines", "at least one line")
	_, err = commerce.CreditNoteAmount(lines, totals, []commerce.ReturnLine{{SKU: "BOLT", Quantity: 1}})
	requireRejection(t, err, commerce.CodeOverReturn)
	_, err = commerce.ShipmentAmount(lines, totals, ship("GHOST", 1))
	requireRejection(t, err, commerce.CodeNotOnOrder)

	inconsistent := []struct {
		name   string
		change func(*commerce.OrderTotals)
		msg    string
	}{
		{"subtotal", func(o *commerce.OrderTotals) { o.Subtotal.Amount++ }, "is not the lines'"},
		{"discount", func(o *commerce.OrderTotals) { o.Discount.Amount++ }, "is not the lines'"},
		{"total", func(o *commerce.OrderTotals) { o.Total.Amount++ }, "is not net"},
		{"negative shipping", func(o *commerce.OrderTotals) { o.Shipping.Amount, o.Tax.Amount = -1, o.Tax.Amount+1 }, "negative"},
		{"negative discount", func(o *commerce.OrderTotals) { o.Discount.Amount, o.Subtotal.Amount = -1, o.Subtotal.Amount-201 }, "negative"},
	}
	for _, tt := range inconsistent {
		bad := totals
		tt.change(&bad)
		_, err := commerce.ShipmentAmount(lines, bad, ship("BOLT", 1))
		require.ErrorContains(t, err, tt.msg, tt.name)
		_, isRejection := commerce.AsRejection(err)
		require.False(t, isRejection, "%s: inconsistent totals are a bug", tt.name)
	}

	huge := []commerce.OrderLine{{SKU: "A", UnitPrice: math.MaxInt64, Ordered: 1}, {SKU: "B", UnitPrice: 1, Ordered: 1}}
	_, err = commerce.ShipmentAmount(huge, totals, ship("A", 1))
	requireRejection(t, err, commerce.CodeAmountTooLarge)
}

func TestFreeGoodsShareByQuantity(t *testing.T) {
	t.Parallel()
	// All goods free, shipping 100 and tax 21: shared by quantity, 1 : 2.
	lines := []commerce.OrderLine{{SKU: "A", Ordered: 1}, {SKU: "B", Ordered: 2}}
	totals := totalsOf(lines, 0, 100, 21)
	a, err := commerce.ShipmentAmount(lines, totals, ship("A", 1))
	require.NoError(t, err)
	require.Equal(t, share(0, 33, 7), a)
	b, err := commerce.ShipmentAmount(lines, totals, ship("B", 2))
	require.NoError(t, err)
	require.Equal(t, share(0, 67, 14), b)
}

// randomOrder is an order of 1-6 lines with random prices (some free),
// quantities, discount, shipping and tax.
func randomOrder(rng *rand.Rand) ([]commerce.OrderLine, commerce.OrderTotals) {
	lines := make([]commerce.OrderLine, 1+rng.IntN(6))
	for i := range lines {
		price := rng.Int64N(100_000)
		if rng.IntN(5) == 0 {
			price = 0
		}
		lines[i] = commerce.OrderLine{SKU: string(rune('A' + i)), UnitPrice: price, Ordered: 1 + rng.Int64N(30)}
	}
	return lines, totalsOf(lines, rng.Int64N(5_000), rng.Int64N(10_000), rng.Int64N(50_000))
}

// TestAmountSplitsSumExactly ships and cancels random orders in random
// pieces and checks, against sums kept here, that every component of the
// invoices and releases adds up exactly to the order's, that without
// cancellations the invoices alone do, that each piece's goods are exactly
// its units at their price and its shares never negative; then returns
// everything shipped in random pieces and checks that the credit notes add up
// exactly to the invoices.
func TestAmountSplitsSumExactly(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 2025))
	for round := range 2000 {
		lines, totals := randomOrder(rng)
		cancels := round%2 == 1 // half the orders only ship
		var invoiced, released commerce.AmountShare
		for !commerce.AllShipped(lines) {
			var change []commerce.ShipLine
			var goods int64
			for _, l := range lines {
				if open := l.Open(); open > 0 && rng.IntN(2) == 0 {
					q := 1 + rng.Int64N(open)
					change = append(change, commerce.ShipLine{SKU: l.SKU, Quantity: q})
					goods += q * l.UnitPrice
				}
			}
			if len(change) == 0 {
				continue
			}
			var err error
			if cancels && rng.IntN(3) == 0 {
				var a commerce.AmountShare
				a, err = commerce.CancellationAmount(lines, totals, change)
				require.NoError(t, err)
				requireShareOf(t, a, goods)
				released = add(released, a)
				lines, err = commerce.ApplyCancellation(lines, change)
			} else {
				var a commerce.AmountShare
				a, err = commerce.ShipmentAmount(lines, totals, change)
				require.NoError(t, err)
				requireShareOf(t, a, goods)
				invoiced = add(invoiced, a)
				lines, err = commerce.ApplyShipment(lines, change)
			}
			require.NoError(t, err)
		}
		whole := add(invoiced, released)
		require.Equal(t, share(totals.Subtotal.Amount-totals.Discount.Amount, totals.Shipping.Amount, totals.Tax.Amount), whole, "round %d", round)
		require.Equal(t, totals.Total.Amount, whole.Total)
		if !cancels {
			require.Equal(t, totals.Total.Amount, invoiced.Total, "round %d: the invoices of a fully shipped order", round)
		}

		var err error
		deliver := []commerce.ShipLine{}
		for _, l := range lines {
			if l.Shipped > 0 {
				deliver = append(deliver, commerce.ShipLine{SKU: l.SKU, Quantity: l.Shipped})
			}
		}
		if len(deliver) == 0 {
			continue // everything was cancelled
		}
		lines, err = commerce.ApplyDelivery(lines, deliver)
		require.NoError(t, err)
		var credited commerce.AmountShare
		for {
			var ret []commerce.ReturnLine
			for _, l := range lines {
				if r := l.Returnable(); r > 0 && rng.IntN(2) == 0 {
					ret = append(ret, commerce.ReturnLine{SKU: l.SKU, Quantity: 1 + rng.Int64N(r), Reason: "unused"})
				}
			}
			if len(ret) == 0 {
				if commerce.DeriveOrderStatus(lines, false) == commerce.OrderReturned {
					break
				}
				continue
			}
			a, err := commerce.CreditNoteAmount(lines, totals, ret)
			require.NoError(t, err)
			credited = add(credited, a)
			lines, err = commerce.ApplyReturn(lines, ret)
			require.NoError(t, err)
			require.LessOrEqual(t, credited.Total, invoiced.Total)
		}
		require.Equal(t, invoiced, credited, "round %d: returning everything credits what was invoiced", round)
	}
}

func add(a, b commerce.AmountShare) commerce.AmountShare {
	return commerce.AmountShare{Net: a.Net + b.Net, Shipping: a.Shipping + b.Shipping, Tax: a.Tax + b.Tax, Total: a.Total + b.Total}
}

// requireShareOf checks one piece: goods at their price, no negative share,
// and a total that is its components.
func requireShareOf(t *testing.T, a commerce.AmountShare, goods int64) {
	t.Helper()
	require.Equal(t, goods, a.Net)
	require.GreaterOrEqual(t, a.Shipping, int64(0))
	require.GreaterOrEqual(t, a.Tax, int64(0))
	require.Equal(t, a.Net+a.Shipping+a.Tax, a.Total)
}

func TestDerivePaymentStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state commerce.PaymentState
		want  commerce.PaymentStatus
	}{
		{"authorized", commerce.PaymentState{Authorized: 100}, commerce.PaymentAuthorized},
		{"partly released", commerce.PaymentState{Authorized: 100, Voided: 40}, commerce.PaymentAuthorized},
		{"wholly released", commerce.PaymentState{Authorized: 100, Voided: 100}, commerce.PaymentVoided},
		{"zero total", commerce.PaymentState{}, commerce.PaymentAuthorized},
		{"part invoiced", commerce.PaymentState{Authorized: 100, Invoiced: 30}, commerce.PaymentPartiallyInvoiced},
		{"part invoiced and paid", commerce.PaymentState{Authorized: 100, Invoiced: 30, Paid: 30}, commerce.PaymentPartiallyInvoiced},
		{"part invoiced, credited", commerce.PaymentState{Authorized: 100, Invoiced: 30, Credited: 10}, commerce.PaymentPartiallyInvoiced},
		{"invoiced", commerce.PaymentState{Authorized: 100, Invoiced: 100}, commerce.PaymentInvoiced},
		{"invoiced, the rest released", commerce.PaymentState{Authorized: 100, Invoiced: 60, Voided: 40}, commerce.PaymentInvoiced},
		{"part paid", commerce.PaymentState{Authorized: 100, Invoiced: 100, Paid: 99}, commerce.PaymentPartiallyPaid},
		{"paid", commerce.PaymentState{Authorized: 100, Invoiced: 100, Paid: 100}, commerce.PaymentPaid},
		{"paid after a release", commerce.PaymentState{Authorized: 100, Invoiced: 60, Voided: 40, Paid: 60}, commerce.PaymentPaid},
		{"credited before payment", commerce.PaymentState{Authorized: 100, Invoiced: 100, Credited: 20}, commerce.PaymentCredited},
		{"credited after payment", commerce.PaymentState{Authorized: 100, Invoiced: 100, Paid: 100, Credited: 20}, commerce.PaymentCredited},
		{"refunded", commerce.PaymentState{Authorized: 100, Invoiced: 100, Paid: 100, Credited: 20, Refunded: 20}, commerce.PaymentRefunded},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, commerce.DerivePaymentStatus(tt.state), tt.name)
	}
	p := commerce.PaymentState{Authorized: 100, Voided: 10, Invoiced: 60, Credited: 5, Paid: 50, Refunded: 2}
	require.Equal(t, int64(30), p.Uninvoiced())
	require.Equal(t, int64(7), p.Due())
	require.Equal(t, int64(-3), commerce.PaymentState{Invoiced: 10, Credited: 5, Paid: 8}.Due())
}

// nextPayments are the states one event after p: an invoice, a release, a
// credit note, a payment of what is due or a refund of what is owed back, of
// any amount.
func nextPayments(p commerce.PaymentState) []commerce.PaymentState {
	var next []commerce.PaymentState
	for x := int64(1); x <= p.Uninvoiced(); x++ {
		invoice, release := p, p
		invoice.Invoiced += x
		release.Voided += x
		next = append(next, invoice, release)
	}
	for x := int64(1); x <= p.Invoiced-p.Credited; x++ {
		credit := p
		credit.Credited += x
		next = append(next, credit)
	}
	for x := int64(1); x <= p.Due(); x++ {
		pay := p
		pay.Paid += x
		next = append(next, pay)
	}
	for x := int64(1); x <= -p.Due(); x++ {
		refund := p
		refund.Refunded += x
		next = append(next, refund)
	}
	return next
}

// TestPaymentTransitionsExhaustive walks every payment state of orders of a
// few small totals and checks that the transition table holds exactly the
// changes DerivePaymentStatus makes.
func TestPaymentTransitionsExhaustive(t *testing.T) {
	t.Parallel()
	type step struct{ from, to commerce.PaymentStatus }
	seen, statusSeen := map[step]bool{}, map[commerce.PaymentStatus]bool{}
	states := 0
	for authorized := int64(1); authorized <= 6; authorized++ {
		start := commerce.PaymentState{Authorized: authorized}
		visited := map[commerce.PaymentState]bool{start: true}
		queue := []commerce.PaymentState{start}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			states++
			from := commerce.DerivePaymentStatus(p)
			statusSeen[from] = true
			for _, n := range nextPayments(p) {
				if to := commerce.DerivePaymentStatus(n); to != from {
					require.True(t, commerce.CanTransitionPayment(from, to), "%s → %s: %+v → %+v", from, to, p, n)
					seen[step{from, to}] = true
				}
				if !visited[n] {
					visited[n] = true
					queue = append(queue, n)
				}
			}
		}
	}
	require.Greater(t, states, 500, "the walk covers every state")
	for _, from := range commerce.PaymentStatuses() {
		require.True(t, statusSeen[from], "payment status %s is reached", from)
		for _, to := range commerce.PaymentStatuses() {
			if commerce.CanTransitionPayment(from, to) {
				require.True(t, seen[step{from, to}], "payment %s → %s is allowed but never happens", from, to)
			}
		}
	}
}

func TestPaymentTransitionTable(t *testing.T) {
	t.Parallel()
	want := map[commerce.PaymentStatus][]commerce.PaymentStatus{
		commerce.PaymentAuthorized: {commerce.PaymentPartiallyInvoiced, commerce.PaymentInvoiced, commerce.PaymentVoided},
		commerce.PaymentPartiallyInvoiced: {commerce.PaymentInvoiced, commerce.PaymentPartiallyPaid, commerce.PaymentPaid,
			commerce.PaymentCredited, commerce.PaymentRefunded},
		commerce.PaymentInvoiced:      {commerce.PaymentPartiallyPaid, commerce.PaymentPaid, commerce.PaymentCredited},
		commerce.PaymentPartiallyPaid: {commerce.PaymentPaid, commerce.PaymentCredited},
		commerce.PaymentPaid:          {commerce.PaymentCredited},
		commerce.PaymentCredited:      {commerce.PaymentPaid, commerce.PaymentRefunded},
	}
	for _, from := range commerce.PaymentStatuses() {
		require.True(t, from.Valid())
		for _, to := range commerce.PaymentStatuses() {
			require.Equal(t, slices.Contains(want[from], to), commerce.CanTransitionPayment(from, to), "%s → %s", from, to)
		}
	}
	require.False(t, commerce.PaymentStatus("captured").Valid())
	require.Len(t, commerce.PaymentStatuses(), 8)
}

func TestCheckPayment(t *testing.T) {
	t.Parallel()
	p := commerce.PaymentState{Authorized: 100, Invoiced: 60, Credited: 10, Paid: 20}
	require.NoError(t, commerce.CheckPayment(p, 1))
	require.NoError(t, commerce.CheckPayment(p, 30))
	r := requireRejection(t, commerce.CheckPayment(p, 31), commerce.CodeOverPayment)
	require.Contains(t, r.Message, "more than the 30 the order still owes")
	requireFieldError(t, commerce.CheckPayment(p, 0), "amount", "at least 1")
	requireFieldError(t, commerce.CheckPayment(p, -5), "amount", "at least 1")
	owedBack := commerce.PaymentState{Authorized: 100, Invoiced: 100, Credited: 30, Paid: 100}
	r = requireRejection(t, commerce.CheckPayment(owedBack, 1), commerce.CodeOverPayment)
	require.Contains(t, r.Message, "more than the 0 the order still owes")
}

func TestInvoiceDueDate(t *testing.T) {
	t.Parallel()
	issued := time.Date(2025, 1, 31, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	require.Equal(t, time.Date(2025, 3, 2, 22, 30, 0, 0, time.UTC), commerce.InvoiceDueDate(issued, commerce.DefaultPaymentTermsDays))
	require.Equal(t, time.Date(2025, 1, 31, 22, 30, 0, 0, time.UTC), commerce.InvoiceDueDate(issued, 0))
	require.Equal(t, time.Date(2025, 3, 2, 22, 30, 0, 0, time.UTC), commerce.InvoiceDueDate(issued, -1), "refused terms fall back to the default")
	require.Equal(t, time.Date(2026, 1, 31, 22, 30, 0, 0, time.UTC), commerce.InvoiceDueDate(issued, 365))
	require.Equal(t, 30, commerce.DefaultPaymentTermsDays)

	require.NoError(t, commerce.ValidatePaymentTerms(0))
	require.NoError(t, commerce.ValidatePaymentTerms(commerce.MaxPaymentTermsDays))
	requireFieldError(t, commerce.ValidatePaymentTerms(-1), "payment_terms_days", "between 0 and 365")
	requireFieldError(t, commerce.ValidatePaymentTerms(366), "payment_terms_days", "between 0 and 365")
}
