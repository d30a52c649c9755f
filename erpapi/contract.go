// Package erpapi is the HTTP JSON contract between Orderflow and a company's
// ERP (docs/erp.md tells it in prose): the paths, headers and wire types both
// sides use. Orderflow's connector (activities/erp) is its client; the ERP
// sandbox (erpsandbox, `orderflow erp-sandbox`) is a server; an integrator puts
// a thin adapter speaking it in front of their ERP.
//
// The rules of the contract:
//   - Every request carries "Authorization: Bearer <token>".
//   - Money is integer minor units plus an ISO 4217 currency; times are UTC
//     RFC 3339.
//   - Creating an order carries an Idempotency-Key; the same key answers the
//     order first created, never a second one. Orderflow also looks an order
//     up by its reference before creating it, so an ERP that ignores keys
//     still gets each order once.
//   - Lists page with an opaque cursor: pass the NextCursor of the last page
//     to get what changed after it; an empty cursor starts from the beginning.
//   - Errors answer an Error body: 4xx means the request can never succeed as
//     sent, 5xx and 429 that it may later.
//   - News flows back as signed webhooks (WebhookEvent, SignWebhook): order
//     acknowledged, invoiced, shipped, paid.
package erpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Paths of the contract, relative to the ERP's base URL.
const (
	// OrdersPath: POST creates an order (OrderRequest → Order, 201; 200 when
	// the Idempotency-Key was seen before); GET lists orders (OrderPage) with
	// the query parameters PlacedFromParam, PlacedToParam, CursorParam and
	// LimitParam.
	OrdersPath = "/v1/orders"
	// OrderByReferencePath + url.PathEscape(reference): GET answers the order
	// with that reference (Order), or 404.
	OrderByReferencePath = "/v1/orders/by-reference/"
	// StockChangesPath: GET lists stock changes after a cursor (StockPage).
	StockChangesPath = "/v1/stock-changes"
	// PriceChangesPath: GET lists price changes after a cursor (PricePage).
	PriceChangesPath = "/v1/price-changes"
)

// Headers and query parameters of the contract.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	CursorParam          = "cursor"
	LimitParam           = "limit"
	// PlacedFromParam and PlacedToParam bound an order list by PlacedAt
	// (from inclusive, to exclusive), for reconciliation.
	PlacedFromParam = "placed_from"
	PlacedToParam   = "placed_to"
	// MaxLimit is the largest page a client may ask for.
	MaxLimit = 500
)

// OrderLine is one line of an order as the ERP keeps it.
type OrderLine struct {
	SKU            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
}

// OrderRequest creates an order in the ERP.
type OrderRequest struct {
	// Reference is Orderflow's order ID: the ERP keeps it and finds orders by it.
	Reference string `json:"reference"`
	// Customer is the buying company's reference (its Orderflow ID).
	Customer   string      `json:"customer"`
	Currency   string      `json:"currency"`
	TotalMinor int64       `json:"total_minor"`
	PlacedAt   time.Time   `json:"placed_at"`
	Lines      []OrderLine `json:"lines"`
}

// Order statuses an ERP reports.
const (
	OrderStatusOpen      = "open"
	OrderStatusInvoiced  = "invoiced"
	OrderStatusShipped   = "shipped"
	OrderStatusPaid      = "paid"
	OrderStatusCancelled = "cancelled"
)

// Order is an order as the ERP has it.
type Order struct {
	// Number is the ERP's own order number.
	Number     string      `json:"number"`
	Reference  string      `json:"reference"`
	Customer   string      `json:"customer"`
	Status     string      `json:"status"`
	Currency   string      `json:"currency"`
	TotalMinor int64       `json:"total_minor"`
	PlacedAt   time.Time   `json:"placed_at"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	Lines      []OrderLine `json:"lines"`
}

// OrderPage is a page of orders.
type OrderPage struct {
	Items      []Order `json:"items"`
	NextCursor string  `json:"next_cursor"`
}

// StockChange says how much of a SKU the ERP has on hand since ChangedAt, at
// one stock location.
type StockChange struct {
	SKU    string `json:"sku"`
	OnHand int64  `json:"on_hand"`
	// Location is the code of the Orderflow stock location the count is for;
	// optional: without it the count is the default location's, as it was
	// before there were locations, so older ERPs keep working.
	Location  string    `json:"location,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
}

// StockPage is a page of stock changes, oldest first.
type StockPage struct {
	Items      []StockChange `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// PriceChange is a SKU's new unit price in one of the ERP's price lists.
type PriceChange struct {
	// PriceList is the price list's code, as Orderflow's price lists name it.
	PriceList      string    `json:"price_list"`
	SKU            string    `json:"sku"`
	Currency       string    `json:"currency"`
	UnitPriceMinor int64     `json:"unit_price_minor"`
	ChangedAt      time.Time `json:"changed_at"`
}

// PricePage is a page of price changes, oldest first.
type PricePage struct {
	Items      []PriceChange `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// Error is the body of every error answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the offending request field of a 4xx answer, if one.
	Field string `json:"field,omitempty"`
}

// Webhooks: the ERP tells Orderflow what became of its orders by posting
// signed events to Orderflow's POST /v1/webhooks/{integration} (the
// integration ops created for the ERP). Every event is one WebhookEvent,
// signed in the SignatureHeader; a sender retries an event with backoff until
// it is answered 2xx, and Orderflow deduplicates by the event's ID, so an
// event may be sent any number of times. Events may arrive in any order:
// Orderflow applies news only forward (a "paid" before its "invoiced" is
// kept, never lost).
const (
	// EventOrderAcknowledged: the ERP has the order (OrderAcknowledgedData).
	EventOrderAcknowledged = "erp.order.acknowledged"
	// EventOrderInvoiced: the ERP invoiced the order (OrderInvoicedData).
	EventOrderInvoiced = "erp.order.invoiced"
	// EventOrderShipped: goods of the order left (OrderShippedData).
	EventOrderShipped = "erp.order.shipped"
	// EventOrderPaid: the ERP received a payment for the order (OrderPaidData).
	EventOrderPaid = "erp.order.paid"
)

// WebhookEvent is the envelope of every webhook, the same as the warehouse
// events':
//
//	{"id": "erp-evt-…", "type": "erp.order.paid", "created": 1767225600, "data": {…}}
//
// ID is unique per sender: the same ID sent again is a replay. Created is
// when the event was made, in Unix seconds.
type WebhookEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    any    `json:"data"`
}

// OrderAcknowledgedData is the data of erp.order.acknowledged. OrderID is
// Orderflow's order ID, the reference the order was pushed with.
type OrderAcknowledgedData struct {
	OrderID        string    `json:"order_id"`
	ErpNumber      string    `json:"erp_number"`
	AcknowledgedAt time.Time `json:"acknowledged_at"`
}

// OrderInvoicedData is the data of erp.order.invoiced: the ERP's own invoice.
type OrderInvoicedData struct {
	OrderID       string    `json:"order_id"`
	InvoiceNumber string    `json:"invoice_number"`
	AmountMinor   int64     `json:"amount_minor"`
	Currency      string    `json:"currency"`
	InvoicedAt    time.Time `json:"invoiced_at"`
}

// ShippedLine is a quantity of one SKU in a shipment.
type ShippedLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// OrderShippedData is the data of erp.order.shipped. ShipmentRef is the
// ERP's own name for the shipment: the same reference is the same shipment.
type OrderShippedData struct {
	OrderID        string        `json:"order_id"`
	ShipmentRef    string        `json:"shipment_ref"`
	Lines          []ShippedLine `json:"lines"`
	Carrier        string        `json:"carrier"`
	TrackingNumber string        `json:"tracking_number"`
	ShippedAt      time.Time     `json:"shipped_at"`
}

// OrderPaidData is the data of erp.order.paid. PaymentRef is the ERP's own
// name for the payment: the same reference is the same payment.
type OrderPaidData struct {
	OrderID     string    `json:"order_id"`
	PaymentRef  string    `json:"payment_ref"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	PaidAt      time.Time `json:"paid_at"`
}

// SignatureHeader carries a webhook's signature:
//
//	Orderflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>
//
// the scheme of every webhook Orderflow takes (its package webhooks verifies
// it, within 5 minutes of its clock).
const SignatureHeader = "Orderflow-Signature"

// SignWebhook is the SignatureHeader value that signs body with the
// integration's secret at time t. It is the contract's signing, for senders;
// Orderflow's receiver (webhooks.Verify) checks exactly this.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts + "."))
	h.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(h.Sum(nil))
}
