package commerce

import "slices"

// ErpStatus is the furthest status the ERP has reported for an order, in the
// ERP contract's words: "" before any news, then open (acknowledged) <
// invoiced < shipped < paid; cancelled stands apart and, once reported,
// stays.
type ErpStatus string

// The ERP statuses.
const (
	ErpStatusNone      ErpStatus = ""
	ErpStatusOpen      ErpStatus = "open"
	ErpStatusInvoiced  ErpStatus = "invoiced"
	ErpStatusShipped   ErpStatus = "shipped"
	ErpStatusPaid      ErpStatus = "paid"
	ErpStatusCancelled ErpStatus = "cancelled"
)

// erpStatusOrder ranks the ERP statuses news moves through.
var erpStatusOrder = []ErpStatus{ErpStatusNone, ErpStatusOpen, ErpStatusInvoiced, ErpStatusShipped, ErpStatusPaid}

// Known tells whether s is one of the ERP statuses.
func (s ErpStatus) Known() bool {
	return s == ErpStatusCancelled || slices.Contains(erpStatusOrder, s)
}

// ErpStatusAfter is the ERP status after news reporting next: only ever
// forward, so news applied in any order ends the same (orders.erp_status is
// written by the same rule, in SQL).
func ErpStatusAfter(current, next ErpStatus) ErpStatus {
	switch {
	case current == ErpStatusCancelled || next == ErpStatusNone:
		return current
	case next == ErpStatusCancelled:
		return next
	case slices.Index(erpStatusOrder, next) > slices.Index(erpStatusOrder, current):
		return next
	}
	return current
}
