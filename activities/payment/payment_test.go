package payment_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

func TestAuthorizePaymentHoldsCreditOncePerKey(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	in := payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 1), CartID: cartID, Attempt: 1,
		CompanyID: f.Company.ID, Amount: activitytest.EUR(400),
	}

	first, err := f.Authorize(t, in)
	require.NoError(t, err)
	require.Equal(t, "on-account:"+in.PaymentKey, first.AuthorizationID)
	second, err := f.Authorize(t, in)
	require.NoError(t, err)
	require.Equal(t, first, second)

	holds, err := f.Q.CreditHoldListByCart(context.Background(), cartID)
	require.NoError(t, err)
	require.Len(t, holds, 1)
	require.Equal(t, "authorized", holds[0].Status)
	require.EqualValues(t, 400, holds[0].Amount)
	require.EqualValues(t, 400, f.CreditUsed(t))
	require.Equal(t, []string{"payment_authorized"}, f.TimelineKinds(t, cartID))
}

func TestAuthorizePaymentRefusesOverAvailableCredit(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	authorize := func(attempt int, amount int64) error {
		_, err := f.Authorize(t, payment.AuthorizePaymentInput{
			PaymentKey: checkout.PaymentKey(cartID, attempt), CartID: cartID, Attempt: attempt,
			CompanyID: f.Company.ID, Amount: activitytest.EUR(amount),
		})
		return err
	}

	require.NoError(t, authorize(1, 700))
	// Within the limit on its own, but not with the 700 already held.
	activitytest.RequireRejection(t, authorize(2, 400), commerce.CodeCreditLimitExceeded)
	require.EqualValues(t, 700, f.CreditUsed(t))
	// Exactly what is left is fine.
	require.NoError(t, authorize(3, 300))
	require.EqualValues(t, 1000, f.CreditUsed(t))
	activitytest.RequireRejection(t, authorize(4, 1), commerce.CodeCreditLimitExceeded)
	require.Equal(t, 2, f.Count(t, "SELECT count(*) FROM credit_holds"))
}

func TestVoidPaymentReleasesCreditOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	key := checkout.PaymentKey(cartID, 1)
	_, err := f.Authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: key, CartID: cartID, Attempt: 1, CompanyID: f.Company.ID, Amount: activitytest.EUR(1000),
	})
	require.NoError(t, err)
	require.EqualValues(t, 1000, f.CreditUsed(t))

	void := payment.VoidPaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1}
	for range 2 {
		require.NoError(t, f.Void(t, void))
		require.EqualValues(t, 0, f.CreditUsed(t))
		hold, err := f.Q.CreditHoldGet(context.Background(), key)
		require.NoError(t, err)
		require.Equal(t, "released", hold.Status)
		require.NotNil(t, hold.ReleasedAt)
	}
	// The credit is available again to the next attempt...
	_, err = f.Authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 2), CartID: cartID, Attempt: 2, CompanyID: f.Company.ID, Amount: activitytest.EUR(1000),
	})
	require.NoError(t, err)
	require.EqualValues(t, 1000, f.CreditUsed(t))
	// ...but a voided key never authorizes again.
	_, err = f.Authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: key, CartID: cartID, Attempt: 1, CompanyID: f.Company.ID, Amount: activitytest.EUR(1000),
	})
	require.Error(t, err)
	require.EqualValues(t, 1000, f.CreditUsed(t))
	require.Equal(t, []string{"payment_authorized", "payment_voided", "payment_authorized"}, f.TimelineKinds(t, cartID))
}

// Compensation voids whenever an authorization may have been made, so most voids
// find nothing to void (the authorization was refused, or never ran).
//
// Voiding a key that holds nothing changes nothing and records nothing.
func TestVoidPaymentWithoutAuthorizationIsNoOp(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	key := checkout.PaymentKey(cartID, 1)

	require.NoError(t, f.Void(t, payment.VoidPaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1}))
	_, err := f.Q.CreditHoldGet(context.Background(), key)
	require.True(t, db.IsNotFound(err), "no hold may appear: %v", err)
	require.Zero(t, f.CreditUsed(t))
	require.Empty(t, f.TimelineKinds(t, cartID), "nothing was voided, so nothing belongs on the timeline")
}

func TestAuthorizePaymentConcurrentNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	const limit, amount, checkouts = 1000, 100, 20
	f := activitytest.New(t, limit)
	ids := make([]uuid.UUID, checkouts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	}

	errs := make([]error, checkouts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			_, errs[i] = f.Acts.Payment.AuthorizePayment(context.Background(), payment.AuthorizePaymentInput{
				PaymentKey: checkout.PaymentKey(id, 1), CartID: id, Attempt: 1,
				CompanyID: f.Company.ID, Amount: activitytest.EUR(amount),
			})
		})
	}
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		activitytest.RequireRejection(t, err, commerce.CodeCreditLimitExceeded)
	}
	require.Equal(t, limit/amount, succeeded)
	used := f.CreditUsed(t)
	require.EqualValues(t, limit, used)
	require.LessOrEqual(t, used, int64(limit))
	require.Equal(t, limit/amount, f.Count(t, "SELECT count(*) FROM credit_holds WHERE status = 'authorized'"))
}

func TestAuthorizePaymentRefusesOtherCurrency(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.Authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 1), CartID: cartID, Attempt: 1,
		CompanyID: f.Company.ID, Amount: commerce.Money{Amount: 10, Currency: "USD"},
	})
	r := activitytest.RequireRejection(t, err, commerce.CodeCurrencyMismatch)
	require.Contains(t, r.Message, "USD")
	require.Zero(t, f.Count(t, "SELECT count(*) FROM credit_holds"))
	require.Empty(t, f.Timeline(t, cartID))
}
