package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// PaymentProvider authorizes and voids payments. Key is the idempotency key the
// workflow derives for one checkout attempt: authorizing the same key twice
// returns the first authorization, voiding twice is a no-op. Void tells whether
// it voided anything.
type PaymentProvider interface {
	Authorize(ctx context.Context, req PaymentRequest) (authorizationID string, err error)
	Void(ctx context.Context, key string) (voided bool, err error)
}

// PaymentRequest asks for an authorization of Amount on the company's account.
type PaymentRequest struct {
	Key       string
	CartID    uuid.UUID
	CompanyID uuid.UUID
	Amount    commerce.Money
}

// OnAccount is the built-in "payment on account" provider: an authorization holds
// part of the company's credit limit. Available credit is the limit minus every
// hold still authorized (checkouts in progress and open orders).
type OnAccount struct {
	DB *pgxpool.Pool
}

var errVoidedAuthorization = errors.New("authorization under this key was voided")

// Authorize holds the amount against the company's credit. The company row is
// locked for the decision, so concurrent checkouts cannot overspend the limit.
func (p OnAccount) Authorize(ctx context.Context, req PaymentRequest) (string, error) {
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

func sortLines(lines []commerce.CartLine) {
	slices.SortFunc(lines, func(a, b commerce.CartLine) int { return strings.Compare(a.SKU, b.SKU) })
}

func sortReleased(rows []db.StockReservationDeleteByAttemptRow) {
	slices.SortFunc(rows, func(a, b db.StockReservationDeleteByAttemptRow) int { return strings.Compare(a.Sku, b.Sku) })
}
