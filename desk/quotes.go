package desk

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
)

// maxListPages bounds how many API pages (of 100) a list screen reads.
const maxListPages = 10

// listSalesQuotes reads every quote the filter q finds (up to maxListPages
// pages), as the API lists them for the session's principal.
func (d *Desk) listSalesQuotes(r *http.Request, q url.Values) ([]api.SalesQuoteSummary, error) {
	var out []api.SalesQuoteSummary
	q.Set("limit", "100")
	for range maxListPages {
		var page api.SalesQuotePage
		if err := d.call(r, "GET", "/v1/sales/quotes?"+q.Encode(), nil, "", &page); err != nil {
			return nil, err
		}
		out = append(out, page.Quotes...)
		if page.NextCursor == "" {
			break
		}
		q.Set("cursor", page.NextCursor)
	}
	return out, nil
}

type statusCount struct {
	Status   string
	Count    int
	Selected bool
}

type companyOption struct {
	ID, Name string
	Selected bool
}

type inboxPage struct {
	Title     string
	Action    string
	Quotes    []api.SalesQuoteSummary
	Total     int
	Counts    []statusCount
	Companies []companyOption
	Status    string
	Expiring  string
	Assignee  string
	Queue     bool // the discount approvals queue, not the inbox
}

// ExpiryDays are the choices of the expiring-soon filter.
func (inboxPage) ExpiryDays() []string { return []string{"1", "3", "7", "14"} }

// quoteInbox lists the quotes a rep works on (a manager: every quote), with
// counts by status under the filters of company and expiry.
func (d *Desk) quoteInbox(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	in := r.URL.Query()
	filter := url.Values{}
	page := inboxPage{Title: "Quotes", Action: "/desk/quotes", Status: in.Get("status"), Expiring: in.Get("expiring_within_days"), Assignee: in.Get("assignee")}
	for _, k := range []string{"company_id", "expiring_within_days", "assignee"} {
		if v := in.Get(k); v != "" {
			filter.Set(k, v)
		}
	}
	if page.Status != "" {
		// Checked by the API too; asked here so a bad status is its refusal.
		if err := d.call(r, "GET", "/v1/sales/quotes?limit=1&status="+url.QueryEscape(page.Status), nil, "", nil); err != nil {
			d.fail(w, r, s, err)
			return
		}
	}
	all, err := d.listSalesQuotes(r, filter)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	counts := map[string]int{}
	companies := map[string]string{}
	for _, q := range all {
		counts[q.Status]++
		companies[q.CompanyID.String()] = q.CompanyName
		if page.Status == "" || q.Status == page.Status {
			page.Quotes = append(page.Quotes, q)
		}
	}
	page.Total = len(all)
	for _, st := range commerce.QuoteStatuses {
		page.Counts = append(page.Counts, statusCount{Status: string(st), Count: counts[string(st)], Selected: string(st) == page.Status})
	}
	if v := in.Get("company_id"); v != "" {
		if _, ok := companies[v]; !ok {
			companies[v] = v
		}
	}
	for id, name := range companies {
		page.Companies = append(page.Companies, companyOption{ID: id, Name: name, Selected: id == in.Get("company_id")})
	}
	slices.SortFunc(page.Companies, func(a, b companyOption) int { return strings.Compare(a.Name, b.Name) })
	d.render(w, r, s, http.StatusOK, "quotes", page)
}

// discountQueue lists the revisions waiting for a sales manager.
func (d *Desk) discountQueue(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	all, err := d.listSalesQuotes(r, url.Values{"status": {string(commerce.QuoteAwaitingManager)}})
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "quotes", inboxPage{Title: "Discount approvals", Action: "/desk/discounts", Quotes: all, Total: len(all), Queue: true})
}

// draftLine is a row of the draft form, as the form holds it.
type draftLine struct {
	SKU       string
	Name      string
	Quantity  string
	UnitPrice string // major units; empty: the list price
}

type quotePage struct {
	Quote      api.SalesQuote
	Latest     *api.SalesQuoteRevision
	DraftLines []draftLine
	Shipping   string
	ValidDays  string
	Note       string
	// Reps are whom a manager may assign the quote to.
	Reps []api.SalesRep
}

// Can tells whether the API allows the viewer the action now.
func (p quotePage) Can(action string) bool { return slices.Contains(p.Quote.AllowedActions, action) }

// quoteDetail shows one quote as sales see it, with the forms of what the
// viewer may do.
func (d *Desk) quoteDetail(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	page, err := d.quotePage(r, r.PathValue("id"))
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "quote", page)
}

// quotePage reads the quote as the API shows it to the viewer, with the
// draft form filled from the latest revision (else the requested lines) and,
// for a manager, the sales staff to reassign to.
func (d *Desk) quotePage(r *http.Request, id string) (quotePage, error) {
	var q api.SalesQuote
	if err := d.call(r, "GET", "/v1/sales/quotes/"+url.PathEscape(id), nil, "", &q); err != nil {
		return quotePage{}, err
	}
	page := quotePage{Quote: q, ValidDays: "14"}
	if n := len(q.Revisions); n > 0 {
		latest := q.Revisions[n-1]
		page.Latest = &latest
		page.ValidDays, page.Note = strconv.Itoa(latest.ValidDays), latest.Note
		page.Shipping = formatMajor(latest.Shipping.Amount, q.Currency)
		for _, l := range latest.Lines {
			page.DraftLines = append(page.DraftLines, draftLine{SKU: l.SKU, Name: l.Name, Quantity: strconv.FormatInt(l.Quantity, 10),
				UnitPrice: formatMajor(l.UnitPrice.Amount, q.Currency)})
		}
	} else {
		page.Shipping = formatMajor(0, q.Currency)
		for _, l := range q.RequestedLines {
			page.DraftLines = append(page.DraftLines, draftLine{SKU: l.SKU, Name: l.Name, Quantity: strconv.FormatInt(l.Quantity, 10)})
		}
	}
	page.DraftLines = append(page.DraftLines, draftLine{})
	if page.Can("assign") {
		var reps api.SalesRepList
		if err := d.call(r, "GET", "/v1/sales/reps", nil, "", &reps); err != nil {
			return quotePage{}, err
		}
		page.Reps = reps.Reps
	}
	return page, nil
}

// redrawDraft answers a refused draft with the quote again: the form as the
// rep filled it, every row, amount and word, and the refusal above it (the
// API's code, message and field), so nothing typed is lost. The form gets a
// new Idempotency-Key, so the corrected draft is a new request.
func (d *Desk) redrawDraft(w http.ResponseWriter, r *http.Request, s *session, id string, refusal error) {
	page, err := d.quotePage(r, id)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	names := map[string]string{}
	for _, l := range page.DraftLines {
		names[l.SKU] = l.Name
	}
	page.DraftLines = nil
	skus, qtys, prices := r.PostForm["sku"], r.PostForm["quantity"], r.PostForm["unit_price"]
	for i, sku := range skus {
		l := draftLine{SKU: sku, Name: names[strings.TrimSpace(sku)]}
		if i < len(qtys) {
			l.Quantity = qtys[i]
		}
		if i < len(prices) {
			l.UnitPrice = prices[i]
		}
		if strings.TrimSpace(l.SKU+l.Quantity+l.UnitPrice) != "" {
			page.DraftLines = append(page.DraftLines, l)
		}
	}
	page.DraftLines = append(page.DraftLines, draftLine{})
	page.Shipping, page.ValidDays, page.Note = r.PostFormValue("shipping"), r.PostFormValue("valid_days"), r.PostFormValue("note")
	f := d.outcome(r, "", refusal)
	status := http.StatusInternalServerError
	var ae *apiError
	if errors.As(refusal, &ae) {
		status = ae.Status
	}
	d.renderFlash(w, r, s, status, "quote", page, &f)
}

// quoteActions are the sales actions the desk's forms post: the API route
// (under /v1/sales/quotes/{id}/), its method, the body the form makes and
// the message on success.
var quoteActions = map[string]struct {
	method, route, success string
	body                   func(r *http.Request, currency string) (any, error)
}{
	"claim":            {"POST", "claim", "The quote is yours.", nil},
	"send":             {"POST", "send", "Revision sent.", nil},
	"draft":            {"PUT", "draft", "Draft saved.", draftBody},
	"extend-validity":  {"POST", "extend-validity", "Validity extended.", validDaysBody},
	"message":          {"POST", "messages", "Message posted.", fieldBody("body")},
	"approve-discount": {"POST", "approve-discount", "Discount approved.", fieldBody("comment")},
	"reject-discount":  {"POST", "reject-discount", "Discount rejected.", fieldBody("comment")},
	"assign":           {"POST", "assign", "Quote reassigned.", fieldBody("sales_rep_id")},
	"cancel":           {"POST", "cancel", "Quote cancelled.", fieldBody("reason")},
}

// quoteAction carries out a quote form's action through the API, with the
// form's Idempotency-Key, and goes back to the quote (or the page the form
// names) with the outcome.
func (d *Desk) quoteAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	id := r.PathValue("id")
	back := returnTo(r, "/desk/quotes/"+url.PathEscape(id))
	a, ok := quoteActions[r.PathValue("action")]
	if !ok {
		d.render(w, r, s, http.StatusNotFound, "error", errorPage{Title: "Not found", Message: "There is no such action."})
		return
	}
	var body any
	var err error
	if a.body != nil {
		body, err = a.body(r, r.PostFormValue("currency"))
	}
	if err == nil {
		err = d.call(r, a.method, "/v1/sales/quotes/"+url.PathEscape(id)+"/"+a.route, body, r.PostFormValue(keyField), nil)
	}
	if err != nil && a.route == "draft" {
		d.redrawDraft(w, r, s, id, err)
		return
	}
	d.done(w, r, back, a.success, err)
}

// previewPanel is the draft's margin and discount against the author's
// authority, as the draft form stands.
type previewPanel struct {
	Preview *api.RevisionPreview
	Over    map[string]bool // SKUs the authority reasons name
	Error   string
}

// draftPreview draws the preview panel of the draft form as the rep types
// (htmx posts the form here): the form's draft priced and judged by the API's
// POST …/draft/preview, which saves nothing, or why it cannot be.
func (d *Desk) draftPreview(w http.ResponseWriter, r *http.Request) {
	var panel previewPanel
	body, err := draftBody(r, r.PostFormValue("currency"))
	if err == nil {
		var p api.RevisionPreview
		if err = d.call(r, "POST", "/v1/sales/quotes/"+url.PathEscape(r.PathValue("id"))+"/draft/preview", body, "", &p); err == nil {
			panel.Preview, panel.Over = &p, map[string]bool{}
			for _, reason := range p.AuthorityReasons {
				sku, _, _ := strings.Cut(reason, ": ")
				panel.Over[sku] = true
			}
		}
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			d.log.ErrorContext(r.Context(), "desk: preview failed", "path", r.URL.Path, "err", err)
			panel.Error = "internal error; try again"
		} else {
			panel.Error = ae.Error()
		}
	}
	d.renderFragment(w, r, "preview", panel)
}

// returnTo is the desk page a form asks to go back to, or def.
func returnTo(r *http.Request, def string) string {
	v := r.PostFormValue("return_to")
	if strings.HasPrefix(v, "/desk/") && !strings.HasPrefix(v, "//") && !strings.Contains(v, "\\") {
		return v
	}
	return def
}

// fieldErr is a form field the desk cannot even turn into a request, said as
// the API says it.
func fieldErr(field, msg string) error {
	return &apiError{Status: http.StatusUnprocessableEntity, Body: api.Error{Code: "invalid_field", Field: field, Message: msg}}
}

func fieldBody(field string) func(*http.Request, string) (any, error) {
	return func(r *http.Request, _ string) (any, error) {
		return map[string]string{field: r.PostFormValue(field)}, nil
	}
}

func validDaysBody(r *http.Request, _ string) (any, error) {
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("valid_days")))
	if err != nil {
		return nil, fieldErr("valid_days", "valid_days must be a whole number of days")
	}
	return map[string]int{"valid_days": days}, nil
}

// draftBody reads the draft form: rows of SKU, quantity and unit price
// (blank: the list price), shipping, validity and note.
func draftBody(r *http.Request, currency string) (any, error) {
	if err := r.ParseForm(); err != nil {
		return nil, fieldErr("lines", "the form could not be read")
	}
	skus, qtys, prices := r.PostForm["sku"], r.PostForm["quantity"], r.PostForm["unit_price"]
	if len(qtys) != len(skus) || len(prices) != len(skus) {
		return nil, fieldErr("lines", "every line needs a SKU, a quantity and a unit price field")
	}
	lines := []commerce.RevisionLineInput{}
	for i, sku := range skus {
		sku = strings.TrimSpace(sku)
		if sku == "" {
			continue
		}
		qty, err := strconv.ParseInt(strings.TrimSpace(qtys[i]), 10, 64)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("lines[%d].quantity", i), "quantity must be a whole number")
		}
		line := commerce.RevisionLineInput{SKU: sku, Quantity: qty}
		if p := strings.TrimSpace(prices[i]); p != "" {
			v, ok := parseMajor(p, currency)
			if !ok {
				return nil, fieldErr(fmt.Sprintf("lines[%d].unit_price", i), "unit_price must be an amount such as 9.20")
			}
			line.UnitPrice = &v
		}
		lines = append(lines, line)
	}
	shipping, ok := parseMajor(r.PostFormValue("shipping"), currency)
	if !ok {
		return nil, fieldErr("shipping", "shipping must be an amount such as 15.00")
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("valid_days")))
	if err != nil {
		return nil, fieldErr("valid_days", "valid_days must be a whole number of days")
	}
	return map[string]any{"lines": lines, "shipping": shipping, "valid_days": days, "note": r.PostFormValue("note")}, nil
}
