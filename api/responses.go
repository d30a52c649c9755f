package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Money is an amount in minor units of a currency (EUR 12.34 is 1234 "EUR").
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func moneyOf(m commerce.Money) Money { return Money{Amount: m.Amount, Currency: m.Currency} }

// Totals are a cart's or an order's money figures.
type Totals struct {
	Subtotal Money `json:"subtotal"`
	Total    Money `json:"total"`
}

// CartLine is one line of a cart, priced from the catalogue as it is now.
type CartLine struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice *Money `json:"unit_price"`
	LineTotal *Money `json:"line_total"`
}

// Cart is a cart as the storefront sees it.
type Cart struct {
	ID        uuid.UUID  `json:"id"`
	Status    string     `json:"status"`
	Currency  string     `json:"currency"`
	Lines     []CartLine `json:"lines"`
	Totals    *Totals    `json:"totals"`
	Problem   *Error     `json:"problem,omitempty"`
	Checkout  *Checkout  `json:"last_checkout,omitempty"`
	OrderID   *uuid.UUID `json:"order_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Checkout is the state of a cart's checkout, for polling.
type Checkout struct {
	CartID    uuid.UUID  `json:"cart_id"`
	Status    string     `json:"status"`
	OrderID   *uuid.UUID `json:"order_id,omitempty"`
	OrderURL  string     `json:"order_url,omitempty"`
	StatusURL string     `json:"status_url"`
	Failure   *Error     `json:"failure,omitempty"`
}

// OrderLine is one line of an order, at the price it was sold.
type OrderLine struct {
	LineNo    int    `json:"line_no"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice Money  `json:"unit_price"`
	LineTotal Money  `json:"line_total"`
}

// TimelineEvent is one entry of an order's history.
type TimelineEvent struct {
	Kind       string    `json:"kind"`
	Actor      string    `json:"actor"`
	Detail     string    `json:"detail"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Order is a placed order.
type Order struct {
	ID         uuid.UUID       `json:"id"`
	CartID     uuid.UUID       `json:"cart_id"`
	CustomerID uuid.UUID       `json:"customer_id"`
	Status     string          `json:"status"`
	Currency   string          `json:"currency"`
	Lines      []OrderLine     `json:"lines,omitempty"`
	Totals     Totals          `json:"totals"`
	Timeline   []TimelineEvent `json:"timeline,omitempty"`
	PlacedAt   time.Time       `json:"placed_at"`
}

// OrderPage is one page of orders, newest first.
type OrderPage struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Product is a catalogue entry priced in the caller's currency.
type Product struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	UnitPrice Money  `json:"unit_price"`
	Available int64  `json:"available"`
}

// ProductPage is one page of the catalogue, by SKU.
type ProductPage struct {
	Products   []Product `json:"products"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func orderOf(o db.Order) Order {
	return Order{
		ID: o.ID, CartID: o.CartID, CustomerID: o.CustomerID, Status: o.Status, Currency: o.Currency,
		Totals: Totals{
			Subtotal: Money{Amount: o.Subtotal, Currency: o.Currency},
			Total:    Money{Amount: o.Total, Currency: o.Currency},
		},
		PlacedAt: o.PlacedAt.UTC(),
	}
}

func orderLineOf(l db.OrderLine, currency string) OrderLine {
	return OrderLine{
		LineNo: int(l.LineNo), SKU: l.Sku, Name: l.Name, Quantity: int64(l.Quantity),
		UnitPrice: Money{Amount: l.UnitPrice, Currency: currency},
		LineTotal: Money{Amount: l.LineTotal, Currency: currency},
	}
}

func timelineOf(e db.TimelineEvent) TimelineEvent {
	return TimelineEvent{Kind: e.Kind, Actor: e.Actor, Detail: e.Detail, OccurredAt: e.OccurredAt.UTC()}
}
