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
// hold still authorized (checkouts in progress and open orders).
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
		used, err := q.CreditHoldSumAuthorizedByCompany(ctx, req.CompanyID)
		if err != nil {
			return err
		}
		if err := commerce.CheckCredit(company.CreditLimit, used, req.Amount); err != nil {
			return err
		}
		_, err = q.CreditHoldCreate(ctx, db.CreditHoldCreateParams{
			PaymentKey: req.Key, CartID: req.CartID, CompanyID: req.CompanyID,
			Amount: req.Amount.Amount, Currency: req.Amount.Currency,
		})
		return err
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

// Capture is not supported yet: an on-account authorization becomes an invoice
// when the order ships (the order lifecycle).
func (p OnAccount) Capture(context.Context, string, commerce.Money) error { return ErrNotSupported }

// Refund is not supported yet (see Capture).
func (p OnAccount) Refund(context.Context, string, commerce.Money) error { return ErrNotSupported }
