package erpsync

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
)

// Timeouts of one page of the stock pull. A page that keeps failing fails the
// run, which is harmless: the cursor moved only with applied pages, and the
// next schedule tick resumes from it.
const (
	stockPageTimeout       = 2 * time.Minute
	stockPageRetryDeadline = 10 * time.Minute
	stockPageMaxAttempts   = 5
)

// ErpStockPull pulls the ERP's stock changes since the stored cursor, page by
// page, until a page is not full. Each page is applied with its cursor in one
// activity, so a retried page is applied once. After PagesPerRun pages it
// continues as new with its totals, so a long pull's history stays short.
func ErpStockPull(ctx workflow.Context, in StockPullInput) (StockPullResult, error) {
	p := &stockPull{in: in, totals: in.Carried}
	p.setup()
	return p.run(ctx)
}

// stockPull is one run of the stock pull.
type stockPull struct {
	in     StockPullInput
	totals StockPullResult
}

func (p *stockPull) setup() {
	if p.in.PageSize <= 0 {
		p.in.PageSize = DefaultStockPageSize
	}
	if p.in.PagesPerRun <= 0 {
		p.in.PagesPerRun = DefaultStockPagesPerRun
	}
}

func (p *stockPull) run(ctx workflow.Context) (StockPullResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		StartToCloseTimeout:    stockPageTimeout,
		ScheduleToCloseTimeout: stockPageRetryDeadline,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        pushInitialInterval,
			BackoffCoefficient:     pushBackoffCoefficient,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        stockPageMaxAttempts,
			NonRetryableErrorTypes: []string{erpRefusedType},
		},
	})
	for page := 0; ; page++ {
		if page == p.in.PagesPerRun {
			next := p.in
			next.Carried = p.totals
			return p.totals, workflow.NewContinueAsNewError(ctx, StockPullWorkflowName, next)
		}
		var res erp.PullStockPageResult
		if err := workflow.ExecuteActivity(ctx, erpActs.PullStockPage, erp.PullStockPageInput{Limit: p.in.PageSize}).Get(ctx, &res); err != nil {
			return p.totals, err
		}
		p.totals.Pages++
		p.totals.Applied += res.Applied
		p.totals.Clamped += res.Clamped
		p.totals.Skipped += res.Skipped
		if !res.More {
			return p.totals, nil
		}
	}
}
