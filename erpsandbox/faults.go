package erpsandbox

import (
	"errors"
	"time"
)

// Faults is the trouble the sandbox makes on purpose, so that Orderflow's
// ERP sync can be tested against the failures a real ERP has. Admin routes
// are never affected; the webhook faults apply to the news the sandbox sends.
type Faults struct {
	// ErrorRate (0..1) is the share of contract calls answered 503 before
	// anything is done.
	ErrorRate float64 `json:"error_rate"`
	// LoseAnswerRate (0..1) is the share of order creations that commit the
	// order and then answer 502 with no body: the client cannot tell the order
	// exists, which is the case that breaks naive exactly-once.
	LoseAnswerRate float64 `json:"lose_answer_rate"`
	// LatencyMS is added to every contract call, in milliseconds.
	LatencyMS int `json:"latency_ms"`
	// OutageUntil, when in the future, makes every contract call answer 503
	// until then.
	OutageUntil time.Time `json:"outage_until,omitzero"`
	// DuplicateRate (0..1) is the share of webhooks sent twice: once
	// Orderflow has answered the first, the same event (same ID) again.
	DuplicateRate float64 `json:"duplicate_rate"`
	// ReorderWindowMS holds webhooks back until the oldest waiting is this
	// many milliseconds old, then sends all that wait newest first: news made
	// within the window arrives out of order.
	ReorderWindowMS int `json:"reorder_window_ms"`
}

// Validate says what is wrong with the faults, naming the field.
func (f Faults) Validate() (field string, err error) {
	switch {
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return "error_rate", errors.New("error_rate must be between 0 and 1")
	case f.LoseAnswerRate < 0 || f.LoseAnswerRate > 1:
		return "lose_answer_rate", errors.New("lose_answer_rate must be between 0 and 1")
	case f.LatencyMS < 0:
		return "latency_ms", errors.New("latency_ms must not be negative")
	case f.DuplicateRate < 0 || f.DuplicateRate > 1:
		return "duplicate_rate", errors.New("duplicate_rate must be between 0 and 1")
	case f.ReorderWindowMS < 0:
		return "reorder_window_ms", errors.New("reorder_window_ms must not be negative")
	}
	return "", nil
}
