package commerce

// Rejection codes of an order's life after checkout: shipments, deliveries,
// cancellations, returns and payments on account.
const (
	// CodeOrderState: the action is not possible in the order's state (nothing
	// left to cancel, nothing delivered to return, …).
	CodeOrderState RejectionCode = "order_state"
	// CodeNotOnOrder: a line names a SKU the order does not have.
	CodeNotOnOrder RejectionCode = "not_on_order"
	// CodeOverShipment: a shipment holds more of a line than is still open
	// (ordered − cancelled − shipped).
	CodeOverShipment RejectionCode = "over_shipment"
	// CodeOverDelivery: a delivery holds more of a line than is shipped and not
	// yet delivered.
	CodeOverDelivery RejectionCode = "over_delivery"
	// CodeOverCancellation: a cancellation holds more of a line than is still
	// open; shipped quantities can only be returned.
	CodeOverCancellation RejectionCode = "over_cancellation"
	// CodeOverReturn: a return holds more of a line than is delivered and not
	// yet returned.
	CodeOverReturn RejectionCode = "over_return"
	// CodeReturnWindowClosed: the return window after delivery has closed.
	CodeReturnWindowClosed RejectionCode = "return_window_closed"
	// CodeOverPayment: a payment is larger than what the order still owes.
	CodeOverPayment RejectionCode = "over_payment"
)
