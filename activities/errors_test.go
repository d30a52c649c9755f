package activities_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

// Input Postgres can never store ends the step at once, against real
// Postgres and through the activity environment, as a worker would run it: a
// non-retryable invalid_input refusal, and nothing of the step written. (The
// validators in front of every update refuse such input first: this is the
// net behind them.) CloseApproval classifies none of its own errors, so the
// interceptor, the one place, does it.
func TestInputPostgresCannotStoreIsNotRetried(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	approver := f.Colleague(t, commerce.RoleApprover)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.OpenApproval(t, f.OpenApprovalInput(cartID, begun.Attempt)))

	closeWith := func(comment string) error {
		return f.CloseApproval(t, approval.CloseApprovalInput{
			CartID: cartID, Attempt: begun.Attempt, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID,
			Status: commerce.ApprovalApproved, DecidedBy: approver.ID, Comment: comment,
		})
	}
	r := activitytest.RequireRejection(t, closeWith("A\x00B"), commerce.CodeInvalidInput)
	require.Contains(t, r.Message, "SQLSTATE 22021")
	require.Equal(t, string(commerce.ApprovalPending), f.ApprovalRequest(t, cartID, begun.Attempt).Status, "nothing written")
	// Invalid UTF-8 never reaches Postgres from a workflow: the JSON payload
	// of the activity's input carries it as U+FFFD.
	require.NoError(t, closeWith("A\xffB"))
	require.Equal(t, "A\uFFFDB", f.ApprovalRequest(t, cartID, begun.Attempt).Comment)

	// A value too long for its column (a quote's currency is char(3)).
	rep := testenv.NewStaff(t, f.Pool, "sales_rep")
	testenv.SetAccountRep(t, f.Pool, f.Company, rep.ID)
	quoteID := uuid.New()
	_, err := activitytest.ExecuteFor[quotes.OpenQuoteResult](t, f, f.Acts.Quotes.OpenQuote, quotes.OpenQuoteInput{
		Step: quotes.Step{QuoteID: quoteID, Seq: 1}, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID, Currency: "EUROS",
		Lines: []commerce.CartLine{{SKU: sku, Quantity: 1}}, Message: "too long a currency",
	})
	r = activitytest.RequireRejection(t, err, commerce.CodeInvalidInput)
	require.Contains(t, r.Message, "SQLSTATE 22001")
	require.Zero(t, f.Count(t, "SELECT count(*) FROM quotes WHERE id = $1", quoteID), "nothing written")
}

// Classify judges by SQLSTATE: data exceptions and the integrity violations
// that mean bad input are final; a unique violation (an idempotent step's
// twin won a race: the retry finds its row), a lost connection and anything
// else stay retryable; an error the activity judged itself is left alone.
func TestClassifyPostgresErrors(t *testing.T) {
	t.Parallel()
	final := []string{"22021", "22001", "22003", "22P05", "22007", "23502", "23503", "23514"}
	retryable := []string{"23505", "40001", "40P01", "57P01", "08006", "53300"}
	for _, code := range final {
		err := activities.Classify(fmt.Errorf("step: %w", &pgconn.PgError{Code: code, Message: "refused", ColumnName: "comment"}))
		r := activitytest.RequireRejection(t, err, commerce.CodeInvalidInput)
		require.Contains(t, r.Message, "column comment")
	}
	for _, code := range retryable {
		pgErr := &pgconn.PgError{Code: code, Message: "try again"}
		err := activities.Classify(pgErr)
		var appErr *temporal.ApplicationError
		require.False(t, errors.As(err, &appErr), "%s stays retryable", code)
		require.ErrorIs(t, err, pgErr)
	}
	own := fmt.Errorf("wrapped: %w", temporal.NewApplicationError("mine", "erp_unavailable", &pgconn.PgError{Code: "22001"}))
	require.Equal(t, own, activities.Classify(own))
	require.NoError(t, activities.Classify(nil))
}
