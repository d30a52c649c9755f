package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/workflows/quote"
)

// demoQuote is a quote `make run` shows: requested by a demo buyer, then taken
// as far as its steps go through the real quote workflow.
type demoQuote struct {
	key    string // with the buyer, derives the quote's ID, so seeding twice finds it
	buyer  demo.Principal
	lines  []commerce.CartLine
	note   string
	steps  func(sam quote.Actor) []demoStep
	status string // where it ends, for the log
}

type demoStep struct {
	update string
	arg    any
}

// seedDemoQuotes creates, once, a quote waiting for a sales rep (Globex has no
// account rep), one waiting for a sales manager's approval of Sam's discount,
// and one on offer.
func seedDemoQuotes(ctx context.Context, tc client.Client, pool *pgxpool.Pool, log *slog.Logger) {
	sam := quote.Actor{ID: demo.Staff[0].ID, Role: commerce.RoleSalesRep, Name: demo.Staff[0].Name}
	discount := func(sku string, qty, bp int64) quote.DraftInput {
		return quote.DraftInput{Actor: sam, ValidDays: 14, Note: "volume price for you",
			Lines: []commerce.RevisionLineInput{{SKU: sku, Quantity: qty, DiscountBP: &bp}}}
	}
	quotes := []demoQuote{
		{key: "demo-quote-queue", buyer: demo.Buyers[4], status: "waiting for a sales rep",
			lines: []commerce.CartLine{{SKU: "BOLT-M8-50", Quantity: 200}}, note: "What is your best price for 200 boxes?"},
		{key: "demo-quote-manager", buyer: demo.Buyers[1], status: "waiting for a sales manager",
			lines: []commerce.CartLine{{SKU: "CABLE-3G15-50", Quantity: 40}}, note: "We need 40 reels for a site.",
			steps: func(sam quote.Actor) []demoStep {
				return []demoStep{{quote.DraftUpdate, discount("CABLE-3G15-50", 40, 1800)}, {quote.SendUpdate, quote.ActorInput{Actor: sam}}}
			}},
		{key: "demo-quote-offered", buyer: demo.Buyers[0], status: "offered",
			lines: []commerce.CartLine{{SKU: "BOLT-M8-50", Quantity: 300}}, note: "Quarterly volume, 300 boxes.",
			steps: func(sam quote.Actor) []demoStep {
				return []demoStep{{quote.DraftUpdate, discount("BOLT-M8-50", 300, 500)}, {quote.SendUpdate, quote.ActorInput{Actor: sam}}}
			}},
	}
	q := db.New(pool)
	for _, dq := range quotes {
		id, seeded := demoQuoteID(ctx, tc, q, dq)
		if seeded {
			continue
		}
		if err := seedDemoQuote(ctx, tc, q, id, dq, sam); err != nil {
			log.Warn("demo quote not seeded", "quote", dq.key, "err", err)
			continue
		}
		log.Info("demo quote", "id", id, "status", dq.status)
	}
}

// demoQuoteID finds the demo quote's ID, and whether it is seeded: recorded in
// Postgres with its workflow in Temporal. A quote recorded whose workflow is
// gone (an in-memory dev server forgets its workflows when it stops) is left
// as it is, and the demo gets a new one.
func demoQuoteID(ctx context.Context, tc client.Client, q *db.Queries, dq demoQuote) (uuid.UUID, bool) {
	for i := 0; ; i++ {
		id := quote.QuoteIDFor(dq.buyer.ID, fmt.Sprintf("%s/%d", dq.key, i))
		if _, err := q.QuoteGet(ctx, id); err != nil {
			return id, false
		}
		if _, err := tc.DescribeWorkflowExecution(ctx, quote.WorkflowID(id), ""); err == nil {
			return id, true
		}
	}
}

func seedDemoQuote(ctx context.Context, tc client.Client, q *db.Queries, id uuid.UUID, dq demoQuote, sam quote.Actor) error {
	company, err := q.CompanyGet(ctx, dq.buyer.CompanyID())
	if err != nil {
		return err
	}
	in := quote.Input{QuoteID: id, CompanyID: company.ID, CustomerID: dq.buyer.ID, Currency: company.Currency,
		Lines: dq.lines, Message: dq.note}
	if _, err := quote.Start(ctx, tc, in, fmt.Sprintf("Quote · %s · %s · %d lines · %s", company.Name, dq.buyer.Name,
		len(dq.lines), company.Currency)); err != nil {
		return err
	}
	if dq.steps == nil {
		return nil
	}
	for _, st := range dq.steps(sam) {
		if _, err := quote.Update(ctx, tc, id, st.update, st.arg); err != nil {
			return fmt.Errorf("%s: %w", st.update, err)
		}
	}
	return nil
}
