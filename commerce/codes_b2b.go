package commerce

// Rejection codes of the B2B rules: spending limits, approvals and roles.
const (
	// CodeSpendingLimitExceeded: the order would exceed a spending limit and no
	// approval can lift it.
	CodeSpendingLimitExceeded RejectionCode = "spending_limit_exceeded"
	// CodeApprovalRejected: an approver turned the order down.
	CodeApprovalRejected RejectionCode = "approval_rejected"
	// CodeApprovalWithdrawn: the buyer withdrew the order while it awaited approval.
	CodeApprovalWithdrawn RejectionCode = "approval_withdrawn"
	// CodeApprovalExpired: no approver decided before the approval's deadline.
	CodeApprovalExpired RejectionCode = "approval_expired"
	// CodeApprovalClosed: the approval has already been decided, withdrawn or has
	// expired; a second decision changes nothing.
	CodeApprovalClosed RejectionCode = "approval_closed"
	// CodeNotAllowed: the caller's role may not do this (e.g. an approver deciding
	// an order only a company admin may approve).
	CodeNotAllowed RejectionCode = "not_allowed"
)
