package desk

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the user's time zone, on hosts without a zoneinfo database

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
)

// layout is what every page gets besides its own data.
type layout struct {
	Who        *who
	CSRF       string
	Flash      *flash
	TemporalUI string
	Page       any
	loc        *time.Location
}

// flash is the message after an action, shown once on the next page.
type flash struct {
	OK      bool
	Message string
}

const flashCookie = "desk_flash"

// errorPage is a page that says what went wrong.
type errorPage struct {
	Title   string
	Message string
}

// parsePages parses each page with the layout.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	names, err := templateFiles.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, f := range names {
		name := strings.TrimSuffix(f.Name(), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", path.Join("templates", f.Name())))
	}
	return pages
}

// funcs format what pages show; those needing the viewer's time zone are
// methods of layout.
var funcs = template.FuncMap{
	"money":   formatMoney,
	"moneyp":  func(m *api.Money) string { return formatMoneyPtr(m) },
	"bp":      formatBP,
	"bpp":     func(v *int64) string { return formatBPPtr(v) },
	"newKey":  randomToken,
	"major":   formatMajor,
	"pathEsc": url.PathEscape,
	"has": func(list []string, v string) bool {
		for _, s := range list {
			if s == v {
				return true
			}
		}
		return false
	},
	"add": func(a, b int) int { return a + b },
}

// Time shows t in the viewer's time zone.
func (l layout) Time(t time.Time) string {
	return t.In(l.loc).Format("2 Jan 2006 15:04 MST")
}

// TimeP shows t, or a dash.
func (l layout) TimeP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return l.Time(*t)
}

// WorkflowURL links a workflow in the Temporal UI ("" without a UI).
func (l layout) WorkflowURL(id string) string {
	if l.TemporalUI == "" {
		return ""
	}
	return strings.TrimRight(l.TemporalUI, "/") + "/workflows/" + url.PathEscape(id)
}

// location is the viewer's time zone from the tz cookie the desk's script
// sets, UTC when unknown.
func location(r *http.Request) *time.Location {
	if c, err := r.Cookie("tz"); err == nil {
		if name, err := url.QueryUnescape(c.Value); err == nil && name != "" && len(name) < 64 {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// render writes a page with the layout, taking the flash message the
// previous action left.
func (d *Desk) render(w http.ResponseWriter, r *http.Request, s *session, status int, page string, data any) {
	d.renderFlash(w, r, s, status, page, data, nil)
}

// renderFlash writes a page with the layout and the flash message f; nil
// takes the one the previous action left.
func (d *Desk) renderFlash(w http.ResponseWriter, r *http.Request, s *session, status int, page string, data any, f *flash) {
	l := layout{Page: data, TemporalUI: d.opts.TemporalUI, loc: location(r), Flash: f}
	if s != nil {
		l.Who, l.CSRF = &s.who, s.csrf
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		if f, ok := decodeFlash(c.Value); ok && l.Flash == nil {
			l.Flash = &f
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/desk/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	var buf bytes.Buffer
	if err := d.pages[page].Execute(&buf, l); err != nil {
		d.log.ErrorContext(r.Context(), "desk: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderFragment writes the template name of a page's file alone, without
// the layout: a part of a page that htmx swaps in.
func (d *Desk) renderFragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, name, data); err != nil {
		d.log.ErrorContext(r.Context(), "desk: render", "fragment", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// fail shows an error page: an API refusal as the API put it (404 stays 404,
// so another company's quote looks like no quote), anything else as an
// internal error, logged.
func (d *Desk) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		d.render(w, r, s, http.StatusNotFound, "error", errorPage{Title: "Not found", Message: "There is no such page, or it is not yours to see."})
	case errors.As(err, &ae) && ae.Status < 500:
		d.render(w, r, s, ae.Status, "error", errorPage{Title: "Refused", Message: ae.Error()})
	default:
		d.log.ErrorContext(r.Context(), "desk: request failed", "path", r.URL.Path, "err", err)
		d.render(w, r, s, http.StatusInternalServerError, "error", errorPage{Title: "Something went wrong", Message: "internal error; try again"})
	}
}

// done ends an action: a flash message with the outcome (the API's error
// code, message and field on a refusal), then back to the page at to.
func (d *Desk) done(w http.ResponseWriter, r *http.Request, to, success string, err error) {
	f := d.outcome(r, success, err)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: encodeFlash(f), Path: "/desk/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// outcome is the flash message of an action: success, or the API's error
// code, message and field on a refusal (anything else is logged and shown as
// an internal error).
func (d *Desk) outcome(r *http.Request, success string, err error) flash {
	if err == nil {
		return flash{OK: true, Message: success}
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		d.log.ErrorContext(r.Context(), "desk: action failed", "path", r.URL.Path, "err", err)
		return flash{Message: "internal error; try again"}
	}
	return flash{Message: ae.Error()}
}

func encodeFlash(f flash) string {
	v := "e"
	if f.OK {
		v = "o"
	}
	return v + base64.RawURLEncoding.EncodeToString([]byte(f.Message))
}

func decodeFlash(v string) (flash, bool) {
	if len(v) < 1 {
		return flash{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v[1:])
	if err != nil {
		return flash{}, false
	}
	return flash{OK: v[0] == 'o', Message: string(b)}, true
}

// formatMajor writes minor units as a plain decimal ("1372.50"), as form
// fields take it.
func formatMajor(amount int64, currency string) string { return commerce.FormatMinor(amount, currency) }

// formatMoney writes money as "EUR 1,372.50".
func formatMoney(m api.Money) string {
	s := formatMajor(m.Amount, m.Currency)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "−" + out
	}
	return m.Currency + " " + out
}

func formatMoneyPtr(m *api.Money) string {
	if m == nil {
		return "—"
	}
	return formatMoney(*m)
}

// parseMajor reads a decimal amount ("9.20") as minor units of the currency.
func parseMajor(s, currency string) (int64, bool) { return commerce.ParseMinor(s, currency) }

// formatBP writes basis points as a percentage ("12.5 %").
func formatBP(v int64) string {
	s := strconv.FormatFloat(float64(v)/100, 'f', -1, 64)
	return s + " %"
}

func formatBPPtr(v *int64) string {
	if v == nil {
		return "—"
	}
	return formatBP(*v)
}
