package commerce

import "fmt"

// ValidateRevisionInput checks the shape of a draft revision without the
// catalogue: what the quote workflow's validator and the API check before the
// draft reaches anything that stores it. BuildRevision checks the same, then
// prices the lines.
func ValidateRevisionInput(in []RevisionLineInput, shipping int64, validDays int, note string) error {
	if err := validateLineCount(len(in)); err != nil {
		return err
	}
	seen := make(map[string]bool, len(in))
	for i, l := range in {
		if err := validateRevisionLine(i, l, seen); err != nil {
			return err
		}
	}
	switch {
	case shipping < 0:
		return &FieldError{Field: "shipping", Message: "must not be negative"}
	case validDays < 1 || validDays > MaxQuoteValidDays:
		return &FieldError{Field: "valid_days", Message: fmt.Sprintf("must be between 1 and %d", MaxQuoteValidDays)}
	}
	return ValidateQuoteText("note", note, MaxQuoteTextBytes, false)
}
