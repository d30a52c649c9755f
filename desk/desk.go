// Package desk is the sales desk: server-rendered pages under /desk/ where
// sales reps and managers work quotes, buyers' approvers decide orders and ops
// chase late orders and stuck ERP pushes. It is served by the API binary.
//
// The desk holds no authorization rules of its own. A person signs in with
// their API token; the session keeps the token's SHA-256, and every page and
// every action is a request to the API's own http.Handler, in process, as
// that token's principal (api.WithTokenHash). So a page shows exactly what
// the same person's API call would, refuses what it would refuse, with the
// same error codes and field names, and replays an action whose
// Idempotency-Key (a hidden field of each form) it has seen.
package desk

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options tune the desk.
type Options struct {
	// TemporalUI is the Temporal Web UI's address of the namespace
	// (http://host:8233/namespaces/default): every quote, checkout and order
	// links to its workflow there. Empty: no links.
	TemporalUI string
	// IdleTimeout ends a session unused for this long (default 30 minutes);
	// SessionLifetime ends it regardless (default 12 hours).
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
}

// Desk serves the sales desk.
type Desk struct {
	q     *db.Queries
	api   http.Handler
	log   *slog.Logger
	opts  Options
	pages map[string]*template.Template
}

// Prefix is where the desk is mounted.
const Prefix = "/desk/"

// New builds the desk over the API's handler, which serves every read and
// action, and the pool that keeps sessions.
func New(pool *pgxpool.Pool, apiHandler http.Handler, log *slog.Logger, opts Options) *Desk {
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.SessionLifetime == 0 {
		opts.SessionLifetime = 12 * time.Hour
	}
	return &Desk{q: db.New(pool), api: apiHandler, log: log, opts: opts, pages: parsePages()}
}

// Handler lists the desk's pages and actions. Every POST checks the
// session's CSRF token; every page but sign-in needs a session.
func (d *Desk) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /desk/static/", http.StripPrefix("/desk/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /desk/sign-in", d.signInPage)
	mux.HandleFunc("POST /desk/sign-in", d.signIn)
	mux.HandleFunc("POST /desk/sign-out", d.withSession(d.signOut))
	mux.HandleFunc("GET /desk/{$}", d.withSession(d.home))

	mux.HandleFunc("GET /desk/quotes", d.withSession(d.quoteInbox))
	mux.HandleFunc("GET /desk/quotes/{id}", d.withSession(d.quoteDetail))
	mux.HandleFunc("POST /desk/quotes/{id}/{action}", d.withSession(d.quoteAction))
	mux.HandleFunc("POST /desk/quotes/{id}/draft/preview", d.withSession(d.draftPreview))
	mux.HandleFunc("GET /desk/discounts", d.withSession(d.discountQueue))
	mux.HandleFunc("GET /desk/carts", d.withSession(d.cartList))

	mux.HandleFunc("GET /desk/approvals", d.withSession(d.approvalQueue))
	mux.HandleFunc("POST /desk/approvals/{cart}/{decision}", d.withSession(d.approvalAction))

	mux.HandleFunc("GET /desk/ops/orders", d.withSession(d.opsOrders))
	mux.HandleFunc("GET /desk/ops/orders/{id}", d.withSession(d.opsOrder))
	mux.HandleFunc("POST /desk/ops/orders/{id}/erp-sync/retry", d.withSession(d.retryERPSync))
	mux.HandleFunc("GET /desk/ops/erp-syncs", d.withSession(d.stuckSyncs))

	mux.HandleFunc("/desk/", func(w http.ResponseWriter, r *http.Request) {
		d.render(w, r, nil, http.StatusNotFound, "error", errorPage{Title: "Not found", Message: "There is no such page, or it is not yours to see."})
	})
	return securityHeaders(mux)
}

// securityHeaders keeps the desk's pages out of frames and other origins'
// scripts: only the desk's own static files run.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cacheStatic lets browsers keep the static files an hour: their names carry
// versions where it matters (htmx).
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
