package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// OnAccount is the built-in "payment on account" provider: an authorization holds
// part of the company's credit limit. Available credit is the limit minus every
// hold still authorized (checkouts in progress and open orders) and minus what
// open invoices still owe: the company's running total, credit_used, which the
// hold and invoice queries keep in the same statements.
type OnAccount struct {
	DB *pgxpool.Pool
}

var _ Provider = OnAccount{}

var errVoidedAuthorization = errors.New("authorization under this key was voided")

// Authorize holds the amount against the company's credit. The company row is
// locked for the decision, so concurrent checkouts cannot overspend the limit.
func (p OnAccount) Authorize(ctx context.Context, req Request) (string, error) {
	err := db.InTx(ctx, p.DB, func(q *db.Queries) error {
		hold, err := q.CreditHoldGet(ctx, req.Key)
		switch {
		case err == nil && hold.Status == "authorized":
			return nil
		case err == nil:
			// Retrying cannot help: the checkout already gave this key up.
			return commerce.Reject(commerce.CodeCheckoutAborted, fmt.Sprintf("%s: %v", req.Key, errVoidedAuthorization))
		case !db.IsNotFound(err):
			return err
		}
		company, err := q.CompanyLock(ctx, req.CompanyID)
		if err != nil {
			return err
		}
		if company.Currency != req.Amount.Currency {
			return commerce.Reject(commerce.CodeCurrencyMismatch, fmt.Sprintf(
				"the company's account is kept in %s, not %s", company.Currency, req.Amount.Currency))
		}
		// credit_used is the running total of authorized holds and what open
		// invoices still owe, kept by the queries that write them: read with
		// the lock, it is exact, and costs nothing however long the history.
		if err := commerce.CheckCredit(company.CreditLimit, company.CreditUsed, req.Amount); err != nil {
			return err
		}
		return q.CreditHoldCreate(ctx, db.CreditHoldCreateParams{
			PaymentKey: req.Key, CartID: req.CartID, CompanyID: req.CompanyID,
			Amount: req.Amount.Amount, Currency: req.Amount.Currency,
		})
	})
	if err != nil {
		return "", err
	}
	return "on-account:" + req.Key, nil
}

// Void releases the hold made under key.
func (p OnAccount) Void(ctx context.Context, key string) (bool, error) {
	n, err := db.New(p.DB).CreditHoldRelease(ctx, key)
	return n > 0, err
}

// Capture turns part of the authorization into a receivable: the hold shrinks
// by the amount, and the invoice the caller records in its own transaction
// counts against the credit limit until it is paid.
func (p OnAccount) Capture(ctx context.Context, a Adjustment) error {
	return p.adjust(ctx, a, "capture")
}

// Release gives back part of the authorization (cancelled quantities).
func (p OnAccount) Release(ctx context.Context, a Adjustment) error {
	return p.adjust(ctx, a, "release")
}

// adjust shrinks the hold under a.Key by a.Amount, once per a.ID. Shrinking it
// by more than it holds is refused: the order's arithmetic went wrong, and
// retrying cannot help.
func (p OnAccount) adjust(ctx context.Context, a Adjustment, kind string) error {
	return db.InTx(ctx, p.DB, func(q *db.Queries) error {
		n, err := q.PaymentAdjustmentCreate(ctx, db.PaymentAdjustmentCreateParams{
			ID: a.ID, PaymentKey: a.Key, Kind: kind, Amount: a.Amount.Amount})
		if err != nil || n == 0 {
			return err // done before
		}
		if a.Amount.Amount == 0 {
			return nil
		}
		n, err = q.CreditHoldReduce(ctx, db.CreditHoldReduceParams{PaymentKey: a.Key, Amount: a.Amount.Amount})
		if err != nil {
			return err
		}
		if n == 0 {
			return commerce.Reject(commerce.CodeCheckoutAborted, fmt.Sprintf(
				"%s of %s under %s: the authorization does not hold that much", kind, a.Amount, a.Key))
		}
		return nil
	})
}

// Refund records, once per ID, that part of what was captured is given back.
// On account nothing moves: the credit note the order's fulfilment issues in
// the same step settles the company's open invoices (a card provider would pay
// the money back here).
func (p OnAccount) Refund(ctx context.Context, a Adjustment) error {
	_, err := db.New(p.DB).PaymentAdjustmentCreate(ctx, db.PaymentAdjustmentCreateParams{
		ID: a.ID, PaymentKey: a.Key, Kind: "refund", Amount: a.Amount.Amount})
	return err
}
