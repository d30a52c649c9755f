package quote_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/quote"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

// A quote on offer waits on one timer at a time: the validity extended moves
// its deadline (the old timer is cancelled), a reassignment keeps it, and the
// accepted quote drops it; no timer is left behind to wake the quote for
// nothing.
func TestQuoteKeepsOneDeadlineTimer(t *testing.T) {
	t.Parallel()
	r := newQuoteRun(t, checkout.Result{Status: commerce.CheckoutPlaced, OrderID: orderID})
	timers := workflowtest.WatchTimers(r.env)
	r.update(time.Minute, quote.AssignUpdate, quote.AssignInput{Actor: rep, AssigneeID: repID})
	r.update(2*time.Minute, quote.DraftUpdate, draftInput(rep))
	r.update(3*time.Minute, quote.SendUpdate, quote.ActorInput{Actor: rep})
	r.update(day, quote.ExtendValidityUpdate, quote.ExtendValidityInput{Actor: rep, ValidDays: 10})
	handOver := r.update(2*day, quote.AssignUpdate, quote.AssignInput{Actor: manager, AssigneeID: otherRepID})
	back := r.update(3*day, quote.AssignUpdate, quote.AssignInput{Actor: manager, AssigneeID: repID})
	accept := r.update(4*day, quote.AcceptUpdate, quote.AcceptInput{Actor: buyer, Revision: 1})
	timers.LookAt(3*time.Minute, day, 2*day, 3*day, 4*day)

	st := r.execute()

	require.Equal(t, otherRepID, handOver.requireState(t).AssigneeID)
	require.Equal(t, repID, back.requireState(t).AssigneeID)
	require.Equal(t, commerce.QuoteAccepted, accept.requireState(t).Status)
	require.Equal(t, commerce.QuoteOrdered, st.Status)
	c := timers.Counts()
	require.Equal(t, 1, c.MostPending, "never more than one deadline timer pending (started %d, fired %d, cancelled %d)",
		c.Started, c.Fired, c.Cancelled)
	require.Zero(t, c.Fired, "no deadline came, and no stale timer woke the quote")
	require.Equal(t, 2, c.Started, "the first reminder, then the first reminder of the longer validity")
}
