package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/quote"
)

// quoteWaitTimeout bounds one quote's wait for its order.
const quoteWaitTimeout = time.Minute

// benchQuotes drives the quote path through its workflow contract, as the API
// does: a quote is requested by the bench buyer, claimed, drafted (5 % off,
// within a rep's authority) and sent by the demo sales rep; then, timed, the
// buyer accepts it and the quote's child checkout places the order. The time
// is accept to placed order.
type benchQuotes struct {
	temporal client.Client
	lines    int
}

// unit is one quote: prepared untimed, then accepted and awaited.
func (b *benchQuotes) unit(ctx context.Context) benchSample {
	ctx, cancel := context.WithTimeout(ctx, quoteWaitTimeout)
	defer cancel()
	buyer := demo.BenchBuyer
	company := buyer.CompanyID()
	in := quote.Input{QuoteID: uuid.New(), CompanyID: company, CustomerID: buyer.ID, Currency: "EUR", Message: "bench"}
	bp := int64(500)
	draft := quote.DraftInput{Actor: benchRep, ValidDays: 7}
	for _, sku := range demo.BenchSKUs[:b.lines] {
		in.Lines = append(in.Lines, commerce.CartLine{SKU: sku, Quantity: 2})
		draft.Lines = append(draft.Lines, commerce.RevisionLineInput{SKU: sku, Quantity: 2, DiscountBP: &bp})
	}
	if _, err := quote.Start(ctx, b.temporal, in, "Quote · bench"); err != nil {
		return benchSample{failure: "request: " + err.Error()}
	}
	for _, st := range []struct {
		name string
		arg  any
	}{
		{quote.AssignUpdate, quote.AssignInput{Actor: benchRep, AssigneeID: benchRep.ID}},
		{quote.DraftUpdate, draft},
		{quote.SendUpdate, quote.ActorInput{Actor: benchRep}},
	} {
		if _, err := quote.Update(ctx, b.temporal, in.QuoteID, st.name, st.arg); err != nil {
			return benchSample{failure: st.name + ": " + err.Error()}
		}
	}

	start := time.Now()
	buyerActor := quote.Actor{ID: buyer.ID, Role: commerce.RoleBuyer, CompanyID: company}
	if _, err := quote.Update(ctx, b.temporal, in.QuoteID, quote.AcceptUpdate, quote.AcceptInput{Actor: buyerActor, Revision: 1}); err != nil {
		return benchSample{failure: "accept: " + err.Error()}
	}
	accepted := time.Since(start)
	var res checkout.Result
	err := b.temporal.GetWorkflow(ctx, checkout.WorkflowID(quote.OrderCartID(in.QuoteID, 1)), "").Get(ctx, &res)
	took := time.Since(start)
	switch {
	case err != nil:
		return benchSample{checkout: accepted, order: took, failure: "order: " + err.Error()}
	case res.Status != commerce.CheckoutPlaced:
		return benchSample{checkout: accepted, order: took, failure: fmt.Sprintf("order: %s %+v", res.Status, res.Rejection)}
	}
	return benchSample{ok: true, checkout: accepted, order: took}
}

// benchRep is the demo sales rep, who answers the bench's quotes.
var benchRep = quote.Actor{ID: demo.Staff[0].ID, Role: commerce.RoleSalesRep, Name: demo.Staff[0].Name}

// printQuoteRow prints one concurrency level of the quote path.
func printQuoteRow(w io.Writer, c int, r benchRun) {
	fmt.Fprintf(w, "  quotes C=%-3d accept→order  p50 %s ms  p99 %s ms  (accept answered p50 %s ms)  %.1f/s  errors %d/%d\n",
		c, ms(r.percentile(r.order, 50)), ms(r.percentile(r.order, 99)), ms(r.percentile(r.checkout, 50)), r.rate(), r.failed, r.n)
	r.printErrors(w, "quotes")
}
