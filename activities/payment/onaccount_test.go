package payment_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// Captures and releases shrink the hold once per ID, whatever the retries; a
// hold shrunk to nothing is released; more than it holds is refused.
func TestOnAccountCaptureAndReleaseOncePerID(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	ctx := context.Background()
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	key := checkout.PaymentKey(cartID, 1)
	_, err := f.Authorize(t, payment.AuthorizePaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1,
		CompanyID: f.Company.ID, Amount: activitytest.EUR(600)})
	require.NoError(t, err)
	p := payment.OnAccount{DB: f.Pool}

	for range 2 {
		require.NoError(t, p.Capture(ctx, payment.Adjustment{Key: key, ID: "INV-1", Amount: activitytest.EUR(250)}))
	}
	for range 2 {
		require.NoError(t, p.Release(ctx, payment.Adjustment{Key: key, ID: "cancel-1", Amount: activitytest.EUR(100)}))
	}
	hold, err := f.Q.CreditHoldGet(ctx, key)
	require.NoError(t, err)
	require.EqualValues(t, 250, hold.Amount, "600 − 250 captured − 100 released, each once")

	err = p.Capture(ctx, payment.Adjustment{Key: key, ID: "INV-2", Amount: activitytest.EUR(300)})
	_, refused := commerce.AsRejection(err)
	require.True(t, refused, "more than the hold holds: %v", err)

	require.NoError(t, p.Capture(ctx, payment.Adjustment{Key: key, ID: "INV-3", Amount: activitytest.EUR(250)}))
	hold, err = f.Q.CreditHoldGet(ctx, key)
	require.NoError(t, err)
	require.Equal(t, "released", hold.Status, "captured whole")
	require.EqualValues(t, 0, hold.Amount)
}

// Open invoices use the company's credit until paid: an authorization is
// judged against the limit minus holds minus what invoices still owe.
func TestOnAccountCountsOpenInvoicesAgainstTheLimit(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	ctx := context.Background()
	orderCart := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	orderID := uuid.New()
	_, err := f.Q.OrderCreate(ctx, db.OrderCreateParams{ID: orderID, CartID: orderCart, CompanyID: f.Company.ID,
		CustomerID: f.Buyer.ID, Status: "placed", Currency: "EUR", Subtotal: 700, Total: 700, PlacedAt: time.Now(), ShipTo: []byte("{}")})
	require.NoError(t, err)
	_, err = f.Q.InvoiceCreate(ctx, db.InvoiceCreateParams{Number: "INV-X", OrderID: orderID, CompanyID: f.Company.ID,
		Amount: 700, Currency: "EUR", IssuedAt: time.Now(), DueAt: time.Now().Add(30 * 24 * time.Hour)})
	require.NoError(t, err)

	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err = f.Authorize(t, payment.AuthorizePaymentInput{PaymentKey: checkout.PaymentKey(cartID, 1), CartID: cartID,
		Attempt: 1, CompanyID: f.Company.ID, Amount: activitytest.EUR(400)})
	activitytest.RequireRejection(t, err, commerce.CodeCreditLimitExceeded)
	_, err = f.Authorize(t, payment.AuthorizePaymentInput{PaymentKey: checkout.PaymentKey(cartID, 2), CartID: cartID,
		Attempt: 2, CompanyID: f.Company.ID, Amount: activitytest.EUR(300)})
	require.NoError(t, err, "exactly what is left")
}
