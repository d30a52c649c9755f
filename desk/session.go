package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

const (
	sessionCookie = "desk_session"
	csrfField     = "csrf_token"
	keyField      = "idempotency_key"
)

// session is a signed-in person: their token's hash (what API calls go out
// with), the session's CSRF token, and who they are, for the page's header.
type session struct {
	idHash    []byte
	tokenHash []byte
	csrf      string
	who       who
}

// who is the signed-in principal as the pages show them.
type who struct {
	Name string
	Role commerce.Role
}

// Sales tells whether the person has the sales screens. Which screens a role
// has is the desk's navigation only: the API decides what they show and do.
func (w who) Sales() bool {
	return w.Role == commerce.RoleSalesRep || w.Role == commerce.RoleSalesManager
}

// Manager tells whether the person has the discount approvals queue.
func (w who) Manager() bool { return w.Role == commerce.RoleSalesManager }

// Approver tells whether the person has the orders-to-approve screen.
func (w who) Approver() bool {
	return w.Role == commerce.RoleApprover || w.Role == commerce.RoleCompanyAdmin
}

// Ops tells whether the person has the ops screens.
func (w who) Ops() bool { return w.Role == commerce.RoleOps }

type sessionKey struct{}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// withSession lets only signed-in people through (others go to sign-in),
// and refuses a POST whose CSRF token is not the session's.
func (d *Desk) withSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := d.loadSession(r)
		if err != nil {
			d.fail(w, r, nil, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/desk/sign-in", http.StatusSeeOther)
				return
			}
			d.render(w, r, nil, http.StatusUnauthorized, "error", errorPage{Title: "Signed out", Message: "Your session has ended. Sign in again."})
			return
		}
		if r.Method == http.MethodPost {
			got := r.PostFormValue(csrfField)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
				d.render(w, r, s, http.StatusForbidden, "error", errorPage{Title: "Refused",
					Message: "This form is out of date or did not come from the desk (CSRF token missing or wrong). Reload the page and try again."})
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

// loadSession finds the request's live session, nil when there is none.
func (d *Desk) loadSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx := r.Context()
	row, err := d.q.DeskSessionTouch(ctx, hashOf(c.Value))
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := d.q.PrincipalGetByTokenHash(ctx, row.TokenHash)
	if db.IsNotFound(err) || (err == nil && api.TokenRefusal(p, time.Now()) != nil) {
		return nil, nil // the token was revoked or expired, or its owner deactivated
	}
	if err != nil {
		return nil, err
	}
	return &session{idHash: row.IDHash, tokenHash: row.TokenHash, csrf: row.CsrfToken,
		who: who{Name: p.Name, Role: commerce.Role(p.Role)}}, nil
}

type signInPage struct {
	Error string
}

func (d *Desk) signInPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, nil, http.StatusOK, "signin", signInPage{})
}

// signIn exchanges an API token for a session. The token is looked up as the
// API looks it up; it is not kept, only its hash, which api_tokens has too.
func (d *Desk) signIn(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	ctx := r.Context()
	p, err := d.q.PrincipalGetByTokenHash(ctx, apitoken.Hash(token))
	if token == "" || db.IsNotFound(err) || (err == nil && api.TokenRefusal(p, time.Now()) != nil) {
		d.render(w, r, nil, http.StatusUnauthorized, "signin", signInPage{Error: "unauthorized: that is not a valid API token (field token)"})
		return
	}
	if err != nil {
		d.fail(w, r, nil, err)
		return
	}
	if _, err := d.q.DeskSessionDeleteExpired(ctx); err != nil {
		d.log.WarnContext(ctx, "desk: expired sessions not removed", "err", err)
	}
	id := randomToken()
	if err := d.q.DeskSessionCreate(ctx, db.DeskSessionCreateParams{
		IDHash: hashOf(id), TokenHash: apitoken.Hash(token), PrincipalID: p.PrincipalID, CsrfToken: randomToken(),
		IdleTimeout: pgtype.Interval{Microseconds: d.opts.IdleTimeout.Microseconds(), Valid: true},
		ExpiresAt:   time.Now().Add(d.opts.SessionLifetime),
	}); err != nil {
		d.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/desk/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(d.opts.SessionLifetime.Seconds())})
	http.Redirect(w, r, "/desk/", http.StatusSeeOther)
}

// signOut ends the session: the row goes, so the cookie opens nothing.
func (d *Desk) signOut(w http.ResponseWriter, r *http.Request) {
	if err := d.q.DeskSessionDelete(r.Context(), sessionOf(r).idHash); err != nil {
		d.fail(w, r, sessionOf(r), err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/desk/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/desk/sign-in", http.StatusSeeOther)
}

// home sends each role to its first screen.
func (d *Desk) home(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	switch {
	case s.who.Sales():
		http.Redirect(w, r, "/desk/quotes", http.StatusSeeOther)
	case s.who.Approver():
		http.Redirect(w, r, "/desk/approvals", http.StatusSeeOther)
	case s.who.Ops():
		http.Redirect(w, r, "/desk/ops/orders", http.StatusSeeOther)
	default:
		d.render(w, r, s, http.StatusForbidden, "error", errorPage{Title: "Nothing for you here",
			Message: "The desk has screens for sales, approvers and ops; the " + string(s.who.Role) + " role has none. Use the storefront."})
	}
}
