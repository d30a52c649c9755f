package commerce

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxQuoteTextBytes bounds the free text of a quote (a request's message, a
// revision's note): enough for a paragraph, small enough for a workflow's
// history and the timeline.
const MaxQuoteTextBytes = 2000

// MaxQuoteValidDays is the longest validity a revision may offer: prices and
// costs older than a year are not worth honouring.
const MaxQuoteValidDays = 365

// bpScale is one whole in basis points (10000 bp = 100 %).
const bpScale = 10_000

// RevisionLineInput is one line a rep drafts. At most one of UnitPrice and
// DiscountBP is set; neither means the list price.
type RevisionLineInput struct {
	SKU        string `json:"sku"`
	Quantity   int64  `json:"quantity"`
	UnitPrice  *int64 `json:"unit_price,omitempty"`  // minor units
	DiscountBP *int64 `json:"discount_bp,omitempty"` // off the list price, basis points (1000 = 10 %)
}

// ListedProduct is what the catalogue says of a SKU for the buyer at the line's
// quantity: its name, its list unit price (the buyer's resolved price list, else
// the base price) and its cost price (nil when unknown).
type ListedProduct struct {
	Name          string
	ListUnitPrice int64
	CostPrice     *int64
}

// QuotedLine is a revision line as offered.
type QuotedLine struct {
	LineNo        int    `json:"line_no"`
	SKU           string `json:"sku"`
	Name          string `json:"name"`
	Quantity      int64  `json:"quantity"`
	ListUnitPrice int64  `json:"list_unit_price"`
	UnitPrice     int64  `json:"unit_price"`
	CostPrice     *int64 `json:"cost_price,omitempty"`
	LineTotal     int64  `json:"line_total"`
	// DiscountBP is (list - unit) / list in basis points, rounded toward zero;
	// 0 when the list price is 0; negative when the price is above the list.
	DiscountBP int64 `json:"discount_bp"`
	// MarginBP is (unit - cost) / unit in basis points, rounded down (toward
	// -∞), so a margin shown as 1500 bp is never really below 15 %; nil when
	// the cost is unknown or the unit price is 0.
	MarginBP *int64 `json:"margin_bp,omitempty"`
}

// Revision is a drafted or sent offer (money in minor units of Currency).
type Revision struct {
	Currency  string       `json:"currency"`
	Lines     []QuotedLine `json:"lines"` // in SKU order, LineNo 1..n
	Shipping  int64        `json:"shipping"`
	Subtotal  int64        `json:"subtotal"` // Σ line totals
	Total     int64        `json:"total"`    // subtotal + shipping (tax comes at checkout, by ship-to)
	ValidDays int          `json:"valid_days"`
	Note      string       `json:"note"`
}

// BuildRevision validates a draft and prices it. Input errors are
// *FieldError naming the field ("lines[2].discount_bp", "shipping",
// "valid_days", "note", …, indexed by the input's order); a SKU the catalogue
// does not list is a *Rejection CodeUnknownSKU naming it; an amount that does
// not fit in int64 is a *Rejection CodeAmountTooLarge. A discount is taken off
// the list price rounded down to a whole minor unit, so the price never drops
// below what the discount allows and the line's DiscountBP never exceeds the
// discount asked for. Lines come out in SKU order, so the same draft always
// prices the same way.
func BuildRevision(currency string, in []RevisionLineInput, listed map[string]ListedProduct, shipping int64, validDays int, note string) (Revision, error) {
	if !ValidCurrency(currency) {
		return Revision{}, &FieldError{Field: "currency", Message: "must be a three-letter ISO 4217 code such as EUR"}
	}
	if err := ValidateRevisionInput(in, shipping, validDays, note); err != nil {
		return Revision{}, err
	}

	sorted := slices.Clone(in)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].SKU < sorted[j].SKU })
	rev := Revision{Currency: currency, Lines: make([]QuotedLine, 0, len(sorted)), Shipping: shipping, ValidDays: validDays, Note: note}
	subtotal := Zero(currency)
	for i, l := range sorted {
		line, err := quoteLine(i+1, l, listed)
		if err != nil {
			return Revision{}, err
		}
		if subtotal, err = subtotal.Add(Money{Amount: line.LineTotal, Currency: currency}); err != nil {
			return Revision{}, Reject(CodeAmountTooLarge, fmt.Sprintf("the subtotal: %v", err))
		}
		rev.Lines = append(rev.Lines, line)
	}
	total, err := subtotal.Add(Money{Amount: shipping, Currency: currency})
	if err != nil {
		return Revision{}, Reject(CodeAmountTooLarge, fmt.Sprintf("the total: %v", err))
	}
	rev.Subtotal, rev.Total = subtotal.Amount, total.Amount
	return rev, nil
}

// validateLineCount checks that a draft or request has 1..MaxCartLines lines.
func validateLineCount(n int) error {
	switch {
	case n == 0:
		return &FieldError{Field: "lines", Message: "must have at least one line"}
	case n > MaxCartLines:
		return &FieldError{Field: "lines", Message: fmt.Sprintf("must have at most %d lines", MaxCartLines)}
	}
	return nil
}

// validateLineSKU checks line i's SKU and that no earlier line had it.
func validateLineSKU(i int, sku string, seen map[string]bool) error {
	field := fmt.Sprintf("lines[%d].sku", i)
	if err := ValidateSKU(field, sku); err != nil {
		return err
	}
	if seen[sku] {
		return &FieldError{Field: field, Message: fmt.Sprintf("%s appears twice", sku)}
	}
	seen[sku] = true
	return nil
}

// validateRevisionLine checks the shape of line i of a draft.
func validateRevisionLine(i int, l RevisionLineInput, seen map[string]bool) error {
	if err := validateLineSKU(i, l.SKU, seen); err != nil {
		return err
	}
	if err := ValidateQuantity(fmt.Sprintf("lines[%d].quantity", i), l.Quantity); err != nil {
		return err
	}
	switch {
	case l.UnitPrice != nil && l.DiscountBP != nil:
		return &FieldError{Field: fmt.Sprintf("lines[%d].discount_bp", i), Message: "cannot be set together with unit_price"}
	case l.UnitPrice != nil && *l.UnitPrice < 0:
		return &FieldError{Field: fmt.Sprintf("lines[%d].unit_price", i), Message: "must not be negative"}
	case l.DiscountBP != nil && (*l.DiscountBP < 0 || *l.DiscountBP > bpScale):
		return &FieldError{Field: fmt.Sprintf("lines[%d].discount_bp", i), Message: fmt.Sprintf("must be between 0 and %d", bpScale)}
	}
	return nil
}

// quoteLine prices one validated draft line against the catalogue.
func quoteLine(lineNo int, l RevisionLineInput, listed map[string]ListedProduct) (QuotedLine, error) {
	p, ok := listed[l.SKU]
	if !ok {
		return QuotedLine{}, RejectSKU(CodeUnknownSKU, l.SKU, fmt.Sprintf("product %s does not exist", l.SKU))
	}
	// Negative catalogue figures would make every ratio below meaningless.
	if p.ListUnitPrice < 0 {
		return QuotedLine{}, RejectSKU(CodeNotPriced, l.SKU, fmt.Sprintf("product %s has a negative list price", l.SKU))
	}
	if p.CostPrice != nil && *p.CostPrice < 0 {
		return QuotedLine{}, RejectSKU(CodeNotPriced, l.SKU, fmt.Sprintf("product %s has a negative cost price", l.SKU))
	}
	unit := p.ListUnitPrice
	switch {
	case l.UnitPrice != nil:
		unit = *l.UnitPrice
	case l.DiscountBP != nil:
		// list × bp / 10000 is at most list, so it fits once the product is exact.
		off, _ := ratioBP(p.ListUnitPrice, *l.DiscountBP, bpScale, roundDown)
		unit = p.ListUnitPrice - off
	}
	total, err := Money{Amount: unit}.Times(l.Quantity)
	if err != nil {
		return QuotedLine{}, RejectSKU(CodeAmountTooLarge, l.SKU, fmt.Sprintf("line %s: %v", l.SKU, err))
	}
	line := QuotedLine{
		LineNo: lineNo, SKU: l.SKU, Name: p.Name, Quantity: l.Quantity,
		ListUnitPrice: p.ListUnitPrice, UnitPrice: unit, CostPrice: p.CostPrice, LineTotal: total.Amount,
	}
	if p.ListUnitPrice > 0 {
		if line.DiscountBP, ok = ratioBP(p.ListUnitPrice-unit, bpScale, p.ListUnitPrice, roundTowardZero); !ok {
			return QuotedLine{}, RejectSKU(CodeAmountTooLarge, l.SKU, fmt.Sprintf("line %s: the price is too far above the list price", l.SKU))
		}
	}
	if p.CostPrice != nil && unit > 0 {
		margin, ok := ratioBP(unit-*p.CostPrice, bpScale, unit, roundDown)
		if !ok {
			return QuotedLine{}, RejectSKU(CodeAmountTooLarge, l.SKU, fmt.Sprintf("line %s: the price is too far below the cost price", l.SKU))
		}
		line.MarginBP = &margin
	}
	return line, nil
}

// rounding says which way ratioBP rounds an inexact quotient.
type rounding int

const (
	roundTowardZero rounding = iota
	roundDown                // toward -∞
	roundUp                  // toward +∞
)

// ratioBP is a × b / d, exact in 128 bits and rounded as asked, for b >= 0 and
// d > 0. ok is false when the result does not fit in int64.
func ratioBP(a, b, d int64, r rounding) (v int64, ok bool) {
	neg := a < 0
	mag := uint64(a)
	if neg {
		mag = -mag // two's complement: right even for math.MinInt64
	}
	hi, lo := bits.Mul64(mag, uint64(b))
	if hi >= uint64(d) {
		return 0, false
	}
	q, rem := bits.Div64(hi, lo, uint64(d))
	if rem != 0 && ((neg && r == roundDown) || (!neg && r == roundUp)) {
		q++
	}
	switch {
	case !neg && q <= math.MaxInt64:
		return int64(q), true
	case neg && q <= 1<<63:
		return int64(-q), true // q <= 2^63, so -q wraps to exactly the negative value
	}
	return 0, false
}

// QuoteAuthority is how far a role may go without a manager: the largest
// discount off the list price, and the smallest margin over cost, per line, in
// basis points.
type QuoteAuthority struct {
	MaxDiscountBP int64 `json:"max_discount_bp"`
	MinMarginBP   int64 `json:"min_margin_bp"`
}

// DefaultQuoteAuthorities are the authorities until ops configure others: a
// sales rep up to 10 % off the list with a margin of at least 15 %; a sales
// manager up to 25 % off with no loss.
func DefaultQuoteAuthorities() map[Role]QuoteAuthority {
	return map[Role]QuoteAuthority{
		RoleSalesRep:     {MaxDiscountBP: 1000, MinMarginBP: 1500},
		RoleSalesManager: {MaxDiscountBP: 2500, MinMarginBP: 0},
	}
}

// AuthorityDecision says whether a revision may go out as the author's, needs
// a manager, or is beyond anyone's authority.
type AuthorityDecision struct {
	NeedsManager bool `json:"needs_manager"`
	// Reasons holds one sentence per line and limit the author is over, in line
	// order, e.g. "BOLT-M8-50: 18.00 % off the list price, above the sales rep's
	// 10.00 %".
	Reasons []string `json:"reasons,omitempty"`
}

// EvaluateAuthority checks every line against the author's authority (author
// sales_rep or sales_manager; any other role is a *Rejection CodeNotAllowed).
// Over the author's but within the sales manager's → NeedsManager (a manager
// author never needs another manager). Beyond the sales manager's → *Rejection
// CodeBeyondAuthority naming the line. Lines without a cost price are judged on
// discount only. Lines are judged on their exact prices, not on the rounded
// DiscountBP and MarginBP, so a fraction of a basis point cannot slip through;
// a role missing from authorities has its DefaultQuoteAuthorities entry.
func EvaluateAuthority(rev Revision, author Role, authorities map[Role]QuoteAuthority) (AuthorityDecision, error) {
	if author != RoleSalesRep && author != RoleSalesManager {
		return AuthorityDecision{}, Reject(CodeNotAllowed, "only sales reps and sales managers author quote revisions")
	}
	own, manager := authorityOf(author, authorities), authorityOf(RoleSalesManager, authorities)
	var d AuthorityDecision
	for _, l := range rev.Lines {
		if reason, over := overAuthority(l, manager, "beyond even a sales manager's"); over {
			return AuthorityDecision{}, RejectSKU(CodeBeyondAuthority, l.SKU, reason+"; the revision cannot be sent")
		}
		// For a manager author own is the manager's authority, which the line
		// has just passed: a manager never needs another manager.
		d.Reasons = append(d.Reasons, overAuthorityAll(l, own, "above the sales rep's", "below the sales rep's")...)
	}
	d.NeedsManager = len(d.Reasons) > 0
	return d, nil
}

// authorityOf is role's authority, configured or by default.
func authorityOf(role Role, authorities map[Role]QuoteAuthority) QuoteAuthority {
	if a, ok := authorities[role]; ok {
		return a
	}
	return DefaultQuoteAuthorities()[role]
}

// overAuthority tells whether line l is over authority a and why (the first
// limit it breaks), with whose naming the authority in the sentence.
func overAuthority(l QuotedLine, a QuoteAuthority, whose string) (string, bool) {
	reasons := overAuthorityAll(l, a, whose, whose)
	if len(reasons) == 0 {
		return "", false
	}
	return reasons[0], true
}

// overAuthorityAll words every limit of a that line l breaks: its discount
// (rounded up, so it reads above the limit) and its margin (rounded down).
func overAuthorityAll(l QuotedLine, a QuoteAuthority, discountWhose, marginWhose string) []string {
	var reasons []string
	if l.ListUnitPrice > 0 {
		// A price above the list is a negative discount, never over a limit;
		// ratioBP fails only for such prices.
		if off, ok := ratioBP(l.ListUnitPrice-l.UnitPrice, bpScale, l.ListUnitPrice, roundUp); ok && off > a.MaxDiscountBP {
			reasons = append(reasons, fmt.Sprintf("%s: %s off the list price, %s %s",
				l.SKU, percentBP(off), discountWhose, percentBP(a.MaxDiscountBP)))
		}
	}
	if l.CostPrice == nil {
		return reasons
	}
	if l.UnitPrice == 0 {
		if *l.CostPrice > 0 {
			reasons = append(reasons, fmt.Sprintf("%s: given away below its cost price, %s minimum margin of %s",
				l.SKU, marginWhose, percentBP(a.MinMarginBP)))
		}
		return reasons
	}
	margin, ok := ratioBP(l.UnitPrice-*l.CostPrice, bpScale, l.UnitPrice, roundDown)
	switch {
	case !ok: // only a price far below cost overflows
		reasons = append(reasons, fmt.Sprintf("%s: priced far below its cost price, %s minimum margin of %s",
			l.SKU, marginWhose, percentBP(a.MinMarginBP)))
	case margin < a.MinMarginBP:
		reasons = append(reasons, fmt.Sprintf("%s: margin of %s over cost, %s minimum of %s",
			l.SKU, percentBP(margin), marginWhose, percentBP(a.MinMarginBP)))
	}
	return reasons
}

// percentBP words basis points as a percentage with two decimals ("18.00 %").
func percentBP(bp int64) string {
	sign := ""
	mag := uint64(bp)
	if bp < 0 {
		sign, mag = "-", -mag
	}
	return fmt.Sprintf("%s%d.%02d %%", sign, mag/100, mag%100)
}

// ValidateQuoteAuthority checks an ops-configured authority: for a sales role,
// each limit 0..10000 bp.
func ValidateQuoteAuthority(role Role, a QuoteAuthority) error {
	switch {
	case role != RoleSalesRep && role != RoleSalesManager:
		return &FieldError{Field: "role", Message: fmt.Sprintf("must be %q or %q", RoleSalesRep, RoleSalesManager)}
	case a.MaxDiscountBP < 0 || a.MaxDiscountBP > bpScale:
		return &FieldError{Field: "max_discount_bp", Message: fmt.Sprintf("must be between 0 and %d", bpScale)}
	case a.MinMarginBP < 0 || a.MinMarginBP > bpScale:
		return &FieldError{Field: "min_margin_bp", Message: fmt.Sprintf("must be between 0 and %d", bpScale)}
	}
	return nil
}

// LineChange is a line on both revisions whose quantity or unit price differs.
type LineChange struct {
	SKU           string `json:"sku"`
	FromQuantity  int64  `json:"from_quantity"`
	ToQuantity    int64  `json:"to_quantity"`
	FromUnitPrice int64  `json:"from_unit_price"`
	ToUnitPrice   int64  `json:"to_unit_price"`
}

// RevisionDiff is what changed from one revision to the next, for the buyer to
// see at a glance.
type RevisionDiff struct {
	Added   []QuotedLine `json:"added"`   // in next's (SKU) order; never nil
	Removed []QuotedLine `json:"removed"` // in prev's (SKU) order; never nil
	Changed []LineChange `json:"changed"` // quantity or unit price differ; never nil
	// ShippingFrom and ShippingTo are only meaningful when ShippingChanged.
	ShippingFrom     int64 `json:"shipping_from"`
	ShippingTo       int64 `json:"shipping_to"`
	ShippingChanged  bool  `json:"shipping_changed"`
	TotalFrom        int64 `json:"total_from"`
	TotalTo          int64 `json:"total_to"`
	ValidDaysChanged bool  `json:"valid_days_changed"`
}

// DiffRevisions compares next with prev, line by line on SKU. A nil prev is an
// empty revision (no lines, no shipping, a total and validity of 0), so the
// first revision shows every line added.
func DiffRevisions(prev *Revision, next Revision) RevisionDiff {
	var before Revision
	if prev != nil {
		before = *prev
	}
	d := RevisionDiff{
		Added: []QuotedLine{}, Removed: []QuotedLine{}, Changed: []LineChange{},
		ShippingFrom: before.Shipping, ShippingTo: next.Shipping, ShippingChanged: before.Shipping != next.Shipping,
		TotalFrom: before.Total, TotalTo: next.Total, ValidDaysChanged: before.ValidDays != next.ValidDays,
	}
	old := make(map[string]QuotedLine, len(before.Lines))
	for _, l := range before.Lines {
		old[l.SKU] = l
	}
	kept := make(map[string]bool, len(next.Lines))
	for _, l := range next.Lines {
		o, ok := old[l.SKU]
		switch {
		case !ok:
			d.Added = append(d.Added, l)
		case o.Quantity != l.Quantity || o.UnitPrice != l.UnitPrice:
			d.Changed = append(d.Changed, LineChange{SKU: l.SKU,
				FromQuantity: o.Quantity, ToQuantity: l.Quantity, FromUnitPrice: o.UnitPrice, ToUnitPrice: l.UnitPrice})
		}
		kept[l.SKU] = true
	}
	for _, l := range before.Lines {
		if !kept[l.SKU] {
			d.Removed = append(d.Removed, l)
		}
	}
	return d
}

// DefaultQuoteReminders are the points before expiry at which the buyer is
// reminded: 72 h and 24 h.
var DefaultQuoteReminders = []time.Duration{72 * time.Hour, 24 * time.Hour}

// QuoteReminderTimes are the reminder instants, in UTC, for an offer valid
// until validUntil, sent at now: validUntil - d for each d, keeping only those
// strictly after now, earliest first, without duplicates. Points that are not
// before expiry (d <= 0) are dropped: the expiry itself tells the buyer.
func QuoteReminderTimes(now, validUntil time.Time, before []time.Duration) []time.Time {
	times := make([]time.Time, 0, len(before))
	for _, d := range before {
		if at := validUntil.Add(-d).UTC(); d > 0 && at.After(now) {
			times = append(times, at)
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(times, time.Time.Equal)
}

// QuoteValidUntil is now + days × 24 h, in UTC.
func QuoteValidUntil(now time.Time, days int) time.Time {
	return now.Add(time.Duration(days) * 24 * time.Hour).UTC()
}

// ValidateQuoteRequest checks a buyer's request: 1..MaxCartLines lines of
// distinct SKUs ("lines[i].sku") with valid quantities ("lines[i].quantity"), a
// message of at most MaxQuoteTextBytes of valid UTF-8 without NUL ("message"),
// and a target total nil or >= 0 ("target_total").
func ValidateQuoteRequest(lines []CartLine, message string, targetTotal *int64) error {
	if err := validateLineCount(len(lines)); err != nil {
		return err
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		if err := validateLineSKU(i, l.SKU, seen); err != nil {
			return err
		}
		if err := ValidateQuantity(fmt.Sprintf("lines[%d].quantity", i), l.Quantity); err != nil {
			return err
		}
	}
	if err := ValidateQuoteText("message", message, MaxQuoteTextBytes, false); err != nil {
		return err
	}
	if targetTotal != nil && *targetTotal < 0 {
		return &FieldError{Field: "target_total", Message: "must not be negative"}
	}
	return nil
}

// ValidateQuoteText checks free text that reaches a quote workflow or its
// projection (messages, reasons, comments, notes): valid UTF-8, no NUL (which
// Postgres text refuses), at most max bytes; required refuses empty or blank
// text.
func ValidateQuoteText(field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return &FieldError{Field: field, Message: "is required"}
	case !utf8.ValidString(s):
		return &FieldError{Field: field, Message: "must be valid UTF-8"}
	case strings.ContainsRune(s, 0):
		return &FieldError{Field: field, Message: "must not contain NUL characters"}
	case len(s) > max:
		return &FieldError{Field: field, Message: fmt.Sprintf("must be at most %d bytes", max)}
	}
	return nil
}

// StorableText makes text that comes from another system (an ERP's error, a
// provider's answer) storable, for the record rather than for judging: invalid
// UTF-8 becomes U+FFFD, NUL bytes are dropped, and it is cut to at most max
// bytes on a character boundary. Input people send is refused instead
// (ValidateQuoteText); this is for what nobody can be asked to send again.
func StorableText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
