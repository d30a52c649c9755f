package commerce

// Rejection codes of quote negotiation.
const (
	// CodeQuoteState: the action is not possible in the quote's status (or, for a
	// claim, the quote already has a sales rep).
	CodeQuoteState RejectionCode = "quote_state"
	// CodeStaleRevision: an acceptance named a revision that is not the one on
	// offer, so a buyer can never accept an offer that has since changed.
	CodeStaleRevision RejectionCode = "stale_revision"
	// CodeBeyondAuthority: a revision's discount or margin is beyond even a sales
	// manager's authority; it cannot be sent.
	CodeBeyondAuthority RejectionCode = "beyond_authority"
	// CodeNoDraft: a revision was to be sent but none has been drafted.
	CodeNoDraft RejectionCode = "no_draft"
)
