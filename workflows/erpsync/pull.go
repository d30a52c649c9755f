package erpsync

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
)

// Timeouts of one page of a pull. A page that keeps failing fails the run,
// which is harmless: the cursor moved only with applied pages, and the next
// schedule tick resumes from it.
const (
	pullPageTimeout       = 2 * time.Minute
	pullPageRetryDeadline = 10 * time.Minute
	pullPageMaxAttempts   = 5
)

// ErpStockPull pulls the ERP's stock changes since the stored cursor, page by
// page, until a page is not full (erp.PullStockPage). After PagesPerRun pages
// it continues as new with its totals, so a long pull's history stays short.
func ErpStockPull(ctx workflow.Context, in PullInput) (PullResult, error) {
	return newPull(StockPullWorkflowName, erpActs.PullStockPage, in).run(ctx)
}

// ErpPricePull pulls the ERP's price changes into Orderflow's price lists and
// base prices (erp.PullPricePage), as ErpStockPull pulls stock.
func ErpPricePull(ctx workflow.Context, in PullInput) (PullResult, error) {
	return newPull(PricePullWorkflowName, erpActs.PullPricePage, in).run(ctx)
}

// pageActivity is an activity that pulls and applies one page of a feed with
// its cursor, so a retried page is applied once.
type pageActivity func(context.Context, erp.PullPageInput) (erp.PullPageResult, error)

// pull is one run of a pull of one of the ERP's feeds.
type pull struct {
	// name is the workflow's registered name, which it continues as.
	name   string
	page   pageActivity
	in     PullInput
	totals PullResult
}

func newPull(name string, page pageActivity, in PullInput) *pull {
	p := &pull{name: name, page: page, in: in, totals: in.Carried}
	if p.in.PageSize <= 0 {
		p.in.PageSize = DefaultPullPageSize
	}
	if p.in.PagesPerRun <= 0 {
		p.in.PagesPerRun = DefaultPullPagesPerRun
	}
	return p
}

func (p *pull) run(ctx workflow.Context) (PullResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		StartToCloseTimeout:    pullPageTimeout,
		ScheduleToCloseTimeout: pullPageRetryDeadline,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        pushInitialInterval,
			BackoffCoefficient:     pushBackoffCoefficient,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        pullPageMaxAttempts,
			NonRetryableErrorTypes: []string{erpRefusedType},
		},
	})
	for page := 0; ; page++ {
		if page == p.in.PagesPerRun {
			next := p.in
			next.Carried = p.totals
			return p.totals, workflow.NewContinueAsNewError(ctx, p.name, next)
		}
		var res erp.PullPageResult
		if err := workflow.ExecuteActivity(ctx, p.page, erp.PullPageInput{Limit: p.in.PageSize}).Get(ctx, &res); err != nil {
			return p.totals, err
		}
		p.totals.Pages++
		p.totals.Applied += res.Applied
		p.totals.Clamped += res.Clamped
		p.totals.Skipped += res.Skipped
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("%d pages pulled: %d changes applied (%d clamped), %d skipped",
			p.totals.Pages, p.totals.Applied, p.totals.Clamped, p.totals.Skipped))
		if !res.More {
			return p.totals, nil
		}
	}
}
