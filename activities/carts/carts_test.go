package carts_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

func TestBeginCheckoutFreezesCartAndPricesFromCatalogue(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	skus := activitytest.SortedSKUs(t, f.Pool, 2, 1000, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{skus[0]: 2, skus[1]: 3})
	// The price in the database at checkout is the price sold, whatever it was
	// when the line was added.
	testenv.SetPrice(t, f.Pool, skus[0], "EUR", 1200)
	testenv.SetPrice(t, f.Pool, skus[1], "EUR", 250)

	out := f.MustBegin(t, cartID)
	require.Equal(t, 1, out.Attempt)
	require.False(t, out.Resumed)
	require.Equal(t, "EUR", out.Cart.Currency)
	require.Len(t, out.Cart.Lines, 2)
	require.Equal(t, commerce.PricedLine{
		LineNo: 1, SKU: skus[0], Name: "Product " + skus[0], Quantity: 2, BaseUnitPrice: activitytest.EUR(1200), UnitPrice: activitytest.EUR(1200), LineTotal: activitytest.EUR(2400),
	}, out.Cart.Lines[0])
	require.Equal(t, commerce.PricedLine{
		LineNo: 2, SKU: skus[1], Name: "Product " + skus[1], Quantity: 3, BaseUnitPrice: activitytest.EUR(250), UnitPrice: activitytest.EUR(250), LineTotal: activitytest.EUR(750),
	}, out.Cart.Lines[1])
	require.Equal(t, commerce.Totals{Subtotal: activitytest.EUR(3150), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(0), Tax: activitytest.EUR(0), Total: activitytest.EUR(3150)}, out.Cart.Totals)

	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.EqualValues(t, 1, cart.CheckoutAttempt)
	require.Empty(t, cart.FailureCode)

	events := f.Timeline(t, cartID)
	require.Len(t, events, 1)
	require.Equal(t, "checkout_started", events[0].Kind)
	require.Equal(t, "customer:"+f.Buyer.ID.String(), events[0].Actor)
	require.Contains(t, events[0].Detail, "EUR 31.50")

	// Beginning again (a retry, or a run restarted by ops) resumes the same attempt.
	again := f.MustBegin(t, cartID)
	require.True(t, again.Resumed)
	require.Equal(t, 1, again.Attempt)
	require.Equal(t, out.Cart, again.Cart)
	cart = f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.EqualValues(t, 1, cart.CheckoutAttempt, "resuming must not start a new attempt")
	require.Equal(t, []string{"checkout_started"}, f.TimelineKinds(t, cartID))
}

// A checkout run restarted by ops after its stock was reserved resumes the same
// attempt; the units it holds itself must not count against it.
//
// A resumed checkout that already holds the last units must not count its own
// reservation against itself.
func TestBeginCheckoutResumeIgnoresOwnReservation(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 500, 2)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 2})

	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.Reserve(t, inventory.ReserveInventoryInput{
		CartID: cartID, Attempt: begun.Attempt, Lines: []commerce.CartLine{{SKU: sku, Quantity: 2}},
	}))
	require.EqualValues(t, 2, f.Stock(t, sku).Reserved)

	resumed, err := f.Begin(t, f.BeginInput(cartID))
	require.NoError(t, err)
	require.True(t, resumed.Resumed)
	require.Equal(t, begun.Attempt, resumed.Attempt)
	require.Nil(t, resumed.Refusal, "a resumed checkout was refused because of its own reservation")
	require.Equal(t, begun.Cart, resumed.Cart)
}

func TestBeginCheckoutRefusalLeavesCartOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   func(t *testing.T, pool *pgxpool.Pool) (lines map[string]int32, sku string)
		code    commerce.RejectionCode
		wantSKU bool
	}{
		{
			name:  "empty cart",
			lines: func(*testing.T, *pgxpool.Pool) (map[string]int32, string) { return nil, "" },
			code:  commerce.CodeEmptyCart,
		},
		{
			// cart_lines references products, so an "unknown" SKU is one the
			// catalogue has but does not price in the cart's currency.
			name: "no price in the cart currency",
			lines: func(t *testing.T, pool *pgxpool.Pool) (map[string]int32, string) {
				priced := testenv.NewProduct(t, pool, "EUR", 100, 10)
				dollarsOnly := testenv.NewProduct(t, pool, "USD", 100, 10)
				return map[string]int32{priced: 1, dollarsOnly: 1}, dollarsOnly
			},
			code: commerce.CodeNotPriced, wantSKU: true,
		},
		{
			name: "insufficient stock",
			lines: func(t *testing.T, pool *pgxpool.Pool) (map[string]int32, string) {
				plenty := testenv.NewProduct(t, pool, "EUR", 100, 10)
				scarce := testenv.NewProduct(t, pool, "EUR", 100, 2)
				return map[string]int32{plenty: 1, scarce: 3}, scarce
			},
			code: commerce.CodeInsufficientStock, wantSKU: true,
		},
		{
			// The rule changed after the line was added (the API refuses
			// such a line; NewCart writes it as it is).
			name: "a line against its quantity rule",
			lines: func(t *testing.T, pool *pgxpool.Pool) (map[string]int32, string) {
				free := testenv.NewProduct(t, pool, "EUR", 100, 100)
				tens := testenv.NewProduct(t, pool, "EUR", 100, 100)
				testenv.SetQuantityRule(t, pool, testenv.QuantityRule{SKU: tens, MinQuantity: 10, Increment: 10})
				return map[string]int32{free: 3, tens: 15}, tens
			},
			code: commerce.CodeQuantityRule, wantSKU: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := activitytest.New(t, 1_000_000)
			lines, sku := tt.lines(t, f.Pool)
			cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", lines)

			out, err := f.Begin(t, f.BeginInput(cartID))
			require.NoError(t, err, "a refusal comes back in the result, not as an error")
			require.NotNil(t, out.Refusal)
			require.Equal(t, tt.code, out.Refusal.Code)
			if tt.wantSKU {
				require.Equal(t, sku, out.Refusal.SKU)
			}
			if tt.code == commerce.CodeQuantityRule {
				require.Equal(t, sku+" is sold in multiples of 10", out.Refusal.Message)
				require.Equal(t, &commerce.QuantityRuleBreach{SKU: sku, Rule: commerce.QuantityRuleIncrement, Quantity: 15, MinQuantity: 10, Increment: 10},
					out.Refusal.QuantityRule)
			}
			require.False(t, out.Resumed)
			require.Nil(t, out.AlreadyPlaced)
			require.Equal(t, 1, out.Attempt)

			cart := f.Cart(t, cartID)
			require.Equal(t, string(commerce.CartOpen), cart.Status)
			require.Equal(t, string(tt.code), cart.FailureCode)
			require.Equal(t, out.Refusal.Message, cart.FailureReason)
			require.EqualValues(t, 1, cart.CheckoutAttempt)
			require.Empty(t, f.Reservations(t, cartID))
			events := f.Timeline(t, cartID)
			require.Len(t, events, 1)
			require.Equal(t, "checkout_failed", events[0].Kind)
			require.Contains(t, events[0].Detail, string(tt.code))
		})
	}
}

func TestBeginCheckoutAfterRefusalStartsNextAttempt(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 1)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 2})

	refused, err := f.Begin(t, f.BeginInput(cartID))
	require.NoError(t, err)
	require.NotNil(t, refused.Refusal)

	testenv.SetStock(t, f.Pool, sku, 5)
	out := f.MustBegin(t, cartID)
	require.Equal(t, refused.Attempt+1, out.Attempt)
	require.False(t, out.Resumed)
	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.Empty(t, cart.FailureCode, "a new checkout clears the old reason")
	require.Empty(t, cart.FailureReason)
	require.Equal(t, []string{"checkout_failed", "checkout_started"}, f.TimelineKinds(t, cartID))
}

func TestBeginCheckoutCompletedCartReportsOrder(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 700, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 3})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(cartID, begun)))

	out, err := f.Begin(t, f.BeginInput(cartID))
	require.NoError(t, err)
	require.Nil(t, out.Refusal)
	require.NotNil(t, out.AlreadyPlaced)
	require.Equal(t, carts.PlacedOrder{
		OrderID: checkout.OrderIDForCart(cartID),
		Totals:  commerce.Totals{Subtotal: activitytest.EUR(2100), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(0), Tax: activitytest.EUR(0), Total: activitytest.EUR(2100)},
	}, *out.AlreadyPlaced)
	require.Equal(t, string(commerce.CartCompleted), f.Cart(t, cartID).Status)
}

func TestBeginCheckoutCartOfAnotherCompanyIsNotOpen(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	other := testenv.NewCompany(t, f.Pool, "EUR", 1_000_000)
	otherBuyer := testenv.NewBuyer(t, f.Pool, other)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 10)
	theirCart := testenv.NewCart(t, f.Pool, otherBuyer, "EUR", map[string]int32{sku: 1})

	for _, cartID := range []uuid.UUID{theirCart, uuid.New()} {
		_, err := f.Begin(t, f.BeginInput(cartID))
		activitytest.RequireRejection(t, err, commerce.CodeCartNotOpen)
	}
	cart := f.Cart(t, theirCart)
	require.Equal(t, string(commerce.CartOpen), cart.Status)
	require.EqualValues(t, 0, cart.CheckoutAttempt)
	require.Empty(t, f.Timeline(t, theirCart))
}

// A cart a quote was requested from is frozen while the quote runs: checkout
// started any other way than the quote's own refuses it, and holds nothing.
func TestBeginCheckoutRefusesACartFrozenForAQuote(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	quoteID := uuid.New()
	_, err := activitytest.ExecuteFor[quotes.OpenQuoteResult](t, f, f.Acts.Quotes.OpenQuote, quotes.OpenQuoteInput{
		Step: quotes.Step{QuoteID: quoteID, Seq: 1}, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID, Currency: "EUR",
		SourceCartID: cartID})
	require.NoError(t, err)

	_, err = f.Begin(t, f.BeginInput(cartID))
	activitytest.RequireRejection(t, err, commerce.CodeCartNotOpen)
	cart := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartQuoted), cart.Status)
	require.EqualValues(t, 0, cart.CheckoutAttempt)
	require.Zero(t, f.Stock(t, sku).Reserved)
}

func TestFailCheckoutReopensCartOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	refusal, ok := commerce.AsRejection(commerce.CheckCredit(0, 0, commerce.Money{Amount: 100, Currency: "EUR"}))
	require.True(t, ok)
	in := carts.FailCheckoutInput{CartID: cartID, Attempt: begun.Attempt, Rejection: *refusal}

	require.NoError(t, f.FailCheckout(t, in))
	reopened := f.Cart(t, cartID)
	require.Equal(t, string(commerce.CartOpen), reopened.Status)
	require.Equal(t, string(commerce.CodeCreditLimitExceeded), reopened.FailureCode)
	require.Equal(t, in.Rejection.Message, reopened.FailureReason)
	var details commerce.RejectionDetails
	require.NoError(t, json.Unmarshal(reopened.FailureDetails, &details), "the figures are kept beside the buyer's reason")
	require.Equal(t, *in.Rejection.Details, details)
	require.EqualValues(t, begun.Attempt, reopened.CheckoutAttempt)

	// Again (a retried compensation): nothing changes.
	require.NoError(t, f.FailCheckout(t, in))
	require.Equal(t, reopened, f.Cart(t, cartID))
	require.Equal(t, []string{"checkout_started", "checkout_failed"}, f.TimelineKinds(t, cartID))
	events := f.Timeline(t, cartID)
	require.Equal(t, "system:checkout", events[1].Actor)
}

func TestFailCheckoutLeavesCompletedCart(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 1})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(cartID, begun)))
	completed := f.Cart(t, cartID)

	require.NoError(t, f.FailCheckout(t, carts.FailCheckoutInput{
		CartID: cartID, Attempt: begun.Attempt, Rejection: *commerce.Reject(commerce.CodeCheckoutAborted, "too late"),
	}))
	require.Equal(t, completed, f.Cart(t, cartID))
	require.Equal(t, string(commerce.CartCompleted), completed.Status)
	require.True(t, completed.OrderID.Valid)
	require.Empty(t, completed.FailureCode)
	require.Equal(t, []string{"checkout_started", "order_placed"}, f.TimelineKinds(t, cartID))
}

func TestBeginCheckoutPricesFromCompanyPriceListTiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		quantity int32
		unit     int64
		min      int64
	}{
		{quantity: 1, unit: 900, min: 1},
		{quantity: 9, unit: 900, min: 1},
		{quantity: 10, unit: 800, min: 10},
		{quantity: 25, unit: 800, min: 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("quantity %d", tt.quantity), func(t *testing.T) {
			t.Parallel()
			f := activitytest.New(t, 1_000_000)
			sku := testenv.NewProduct(t, f.Pool, "EUR", 1000, 100)
			listID := f.AddPriceList(t, "Acme contract 2025", "", nil, nil, sku,
				commerce.Tier{MinQuantity: 1, UnitPrice: 900}, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
			cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: tt.quantity})

			out := f.MustBegin(t, cartID)
			require.Len(t, out.Cart.Lines, 1)
			line := out.Cart.Lines[0]
			require.Equal(t, activitytest.EUR(1000), line.BaseUnitPrice)
			require.Equal(t, activitytest.EUR(tt.unit), line.UnitPrice)
			require.Equal(t, activitytest.EUR(tt.unit*int64(tt.quantity)), line.LineTotal)
			require.Equal(t, commerce.PriceSource{PriceListID: listID.String(), PriceListName: "Acme contract 2025", MinQuantity: tt.min}, line.Source)
			net := tt.unit * int64(tt.quantity)
			discount := (1000 - tt.unit) * int64(tt.quantity)
			require.Equal(t, commerce.Totals{
				Subtotal: activitytest.EUR(net + discount), Discount: activitytest.EUR(discount), Shipping: activitytest.EUR(0), Tax: activitytest.EUR(0), Total: activitytest.EUR(net),
			}, out.Cart.Totals)
		})
	}
}

func TestBeginCheckoutPriceListsApplyOnlyToTheirCustomers(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	hoursFromNow := func(h int) *time.Time { v := now.Add(time.Duration(h) * time.Hour); return &v }
	tests := []struct {
		name string
		// setup adds the lists and returns the list that should price the line
		// (uuid.Nil: the catalogue price).
		setup     func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID
		unit      int64
		wantName  string
		wantMinQt int64
	}{
		{
			name: "customer group list for a company in the group",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.Pool, f.Company, "wholesale")
				return f.AddPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 950})
			},
			unit: 950, wantName: "Wholesale", wantMinQt: 1,
		},
		{
			name: "customer group list for a company in another group",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.Pool, f.Company, "retail")
				f.AddPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 950})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "company list beats its group's list",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.Pool, f.Company, "wholesale")
				f.AddPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 700})
				return f.AddPriceList(t, "Acme contract", "", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 900})
			},
			unit: 900, wantName: "Acme contract", wantMinQt: 1,
		},
		{
			name: "another company's list",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				other := testenv.NewCompany(t, f.Pool, "EUR", 0)
				testenv.NewPriceList(t, f.Pool, testenv.PriceList{Name: "Theirs", CompanyID: other.ID, Currency: "EUR",
					Tiers: []testenv.PriceTier{{SKU: sku, MinQuantity: 1, UnitPrice: 500}}})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "expired list",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				f.AddPriceList(t, "Spring promo", "", hoursFromNow(-48), hoursFromNow(-1), sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "list not yet valid",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				f.AddPriceList(t, "Next year", "", hoursFromNow(1), nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "list valid now",
			setup: func(t *testing.T, f *activitytest.Fixture, sku string) uuid.UUID {
				return f.AddPriceList(t, "This week", "", hoursFromNow(-1), hoursFromNow(1), sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
			},
			unit: 800, wantName: "This week", wantMinQt: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := activitytest.New(t, 1_000_000)
			sku := testenv.NewProduct(t, f.Pool, "EUR", 1000, 100)
			listID := tt.setup(t, f, sku)
			cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{sku: 2})

			line := f.MustBegin(t, cartID).Cart.Lines[0]
			require.Equal(t, activitytest.EUR(tt.unit), line.UnitPrice)
			require.Equal(t, activitytest.EUR(1000), line.BaseUnitPrice)
			want := commerce.PriceSource{}
			if listID != uuid.Nil {
				want = commerce.PriceSource{PriceListID: listID.String(), PriceListName: tt.wantName, MinQuantity: tt.wantMinQt}
			}
			require.Equal(t, want, line.Source)
		})
	}
}

func TestBeginCheckoutShippingAndTax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		heavy     int32  // units of the 1.25 kg product
		method    string // carts.shipping_method
		country   string // carts.ship_country
		taxExempt bool
		want      commerce.Totals
		refusal   commerce.RejectionCode
	}{
		{
			// 3 × 1.25 kg = 3.75 kg: 4 started kg. No country: no tax.
			name: "shipping by started kg", heavy: 3, method: "parcel",
			want: commerce.Totals{Subtotal: activitytest.EUR(3008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(900), Tax: activitytest.EUR(0), Total: activitytest.EUR(3908)},
		},
		{
			// 8 × 1.25 kg = 10 kg exactly: 10 kg.
			name: "whole kilograms", heavy: 8, method: "parcel",
			want: commerce.Totals{Subtotal: activitytest.EUR(8008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(1500), Tax: activitytest.EUR(0), Total: activitytest.EUR(9508)},
		},
		{
			// Net EUR 200.08 is above free_above.
			name: "free shipping above", heavy: 20, method: "parcel",
			want: commerce.Totals{Subtotal: activitytest.EUR(20008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(0), Tax: activitytest.EUR(0), Total: activitytest.EUR(20008)},
		},
		{
			// Tax on net + shipping: 20 % of 39.08 = 7.816, rounded up to 7.82.
			name: "tax on goods and shipping", heavy: 3, method: "parcel", country: "DE",
			want: commerce.Totals{Subtotal: activitytest.EUR(3008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(900), Tax: activitytest.EUR(782), Total: activitytest.EUR(4690), TaxRateBasisPoints: 2000},
		},
		{
			// 20 % of 30.08 = 6.016, rounded to 6.02.
			name: "tax without shipping", heavy: 3, country: "DE",
			want: commerce.Totals{Subtotal: activitytest.EUR(3008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(0), Tax: activitytest.EUR(602), Total: activitytest.EUR(3610), TaxRateBasisPoints: 2000},
		},
		{
			name: "tax exempt company", heavy: 3, method: "parcel", country: "DE", taxExempt: true,
			want: commerce.Totals{Subtotal: activitytest.EUR(3008), Discount: activitytest.EUR(0), Shipping: activitytest.EUR(900), Tax: activitytest.EUR(0), Total: activitytest.EUR(3908)},
		},
		{
			name: "country without a tax rate", heavy: 3, method: "parcel", country: "FR",
			refusal: commerce.CodeInvalidCart,
		},
		{
			name: "shipping method that no longer exists", heavy: 3, method: "pigeon", country: "DE",
			refusal: commerce.CodeInvalidCart,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := activitytest.New(t, 1_000_000)
			w := f.ShippingAndTaxWorld(t)
			testenv.SetTaxExempt(t, f.Pool, f.Company, tt.taxExempt)
			cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{w.Heavy: tt.heavy, w.Light: 1})
			testenv.SetCartDetails(t, f.Pool, db.CartUpdateDetailsParams{ID: cartID, ShippingMethod: tt.method, ShipCountry: tt.country})

			out, err := f.Begin(t, f.BeginInput(cartID))
			require.NoError(t, err)
			if tt.refusal != "" {
				require.NotNil(t, out.Refusal)
				require.Equal(t, tt.refusal, out.Refusal.Code)
				cart := f.Cart(t, cartID)
				require.Equal(t, string(commerce.CartOpen), cart.Status)
				require.Equal(t, string(tt.refusal), cart.FailureCode)
				return
			}
			require.Nil(t, out.Refusal)
			require.Equal(t, tt.want, out.Cart.Totals)
			for _, l := range out.Cart.Lines {
				if l.SKU == w.Heavy {
					require.EqualValues(t, 1250, l.WeightGrams)
				}
			}
		})
	}
}

// A duplicate checkout request of a cart that became an order reports the
// order's full totals (discount, shipping, tax and rate), so the answer adds up.
func TestBeginCheckoutCompletedCartReportsFullTotals(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	w := f.ShippingAndTaxWorld(t)
	f.AddPriceList(t, "Acme contract 2025", "", nil, nil, w.Heavy, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", map[string]int32{w.Heavy: 10, w.Light: 1})
	testenv.SetCartDetails(t, f.Pool, db.CartUpdateDetailsParams{ID: cartID, ShippingMethod: "parcel", ShipCountry: "DE"})
	begun := f.MustBegin(t, cartID)
	require.NoError(t, f.PlaceOrder(t, f.PlaceOrderInput(cartID, begun)))

	out, err := f.Begin(t, f.BeginInput(cartID))
	require.NoError(t, err)
	require.NotNil(t, out.AlreadyPlaced)
	require.Equal(t, begun.Cart.Totals, out.AlreadyPlaced.Totals)
}
