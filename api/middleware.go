package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/telemetry"
)

const (
	ctxRequestID = "orderflow.request_id"
	ctxPrincipal = "orderflow.principal"
)

// Principal is who is calling: an employee of a buying company (buyer, approver,
// company admin) or a member of the seller's staff (sales rep, sales manager,
// ops).
type Principal struct {
	ID        uuid.UUID // the customer's or the staff member's ID
	Role      commerce.Role
	CompanyID uuid.UUID // zero for staff
	Name      string
	Currency  string // the company's account currency; "" for staff
}

// SeesAllCompanies tells whether the principal may read every company's data:
// only ops do.
func (p Principal) SeesAllCompanies() bool { return p.Role == commerce.RoleOps }

// withRequestID gives every request an ID: the caller's X-Request-Id when it
// is sane (1 to 64 letters, digits and -._:), else a new one. It is echoed in
// the response, named in the request's log line, and carried in the request's
// context into the workflows and activities the request starts
// (telemetry.RequestIDPropagator).
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !saneRequestID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Request = c.Request.WithContext(telemetry.WithRequestID(c.Request.Context(), id))
	c.Header("X-Request-Id", id)
	c.Next()
}

// maxRequestIDLength caps a caller's X-Request-Id.
const maxRequestIDLength = 64

func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == ':'
		if !ok {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// quietRoutes are polled by load balancers and Prometheus: their requests are
// counted but logged at debug level only.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observeRequests counts and times every request (by route pattern, method
// and status) and logs one line about it at info level: request ID,
// principal, method, route, status and duration.
func (s *Server) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	took := time.Since(start)
	route, status := c.FullPath(), c.Writer.Status()
	s.opts.Metrics.HTTP.Observe(c.Request.Method, route, status, took)
	if s.log == nil {
		return
	}
	level := slog.LevelInfo
	if quietRoutes[route] {
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("request_id", requestID(c)),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	if v, ok := c.Get(ctxPrincipal); ok {
		p := v.(Principal)
		attrs = append(attrs, slog.String("principal", p.ID.String()), slog.String("role", string(p.Role)))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// tokenHashKey carries the SHA-256 of an API token in a request's context.
type tokenHashKey struct{}

// WithTokenHash is for callers in this process that hold a token's SHA-256
// rather than the token: the sales desk, whose sessions keep only the hash.
// A request with it in its context is authenticated as that token's
// principal, through the same lookup (and the same revocation) as a bearer
// token; a context value cannot come from the network.
func WithTokenHash(ctx context.Context, tokenHash []byte) context.Context {
	return context.WithValue(ctx, tokenHashKey{}, tokenHash)
}

// authenticate resolves the bearer token (or WithTokenHash's hash) to a
// principal or answers 401: unauthorized for no token or an unknown one,
// token_revoked, token_expired or account_deactivated for one that no longer
// works. Tokens are looked up by their SHA-256; the token itself is never
// stored.
func (s *Server) authenticate(c *gin.Context) {
	hash, ok := c.Request.Context().Value(tokenHashKey{}).([]byte)
	if !ok {
		// The scheme is case-insensitive (RFC 9110): bearer, Bearer, BEARER.
		scheme, token, ok := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			RespondError(c, errUnauthorized)
			return
		}
		hash = apitoken.Hash(strings.TrimSpace(token))
	}
	p, err := s.lookupPrincipal(c.Request.Context(), hash, time.Now())
	if db.IsNotFound(err) {
		err = errUnauthorized
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

func principal(c *gin.Context) Principal { return c.MustGet(ctxPrincipal).(Principal) }

// Caller is the authenticated principal of a request, for route areas in
// other packages (api/admin scopes company admins to their own company by it).
func Caller(c *gin.Context) Principal { return principal(c) }

// Allow lets only the given roles through; anyone else gets 403. Which company's
// data a permitted principal sees is then up to the handler's queries (another
// company's IDs are 404, so they do not leak).
func Allow(roles ...commerce.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		for _, r := range roles {
			if p.Role == r {
				c.Next()
				return
			}
		}
		RespondError(c, newError(http.StatusForbidden, "forbidden", fmt.Sprintf("the %s role may not do this", p.Role)))
	}
}

// Role groups used by the routes.
var (
	companyRoles  = []commerce.Role{commerce.RoleBuyer, commerce.RoleApprover, commerce.RoleCompanyAdmin}
	approverRoles = []commerce.Role{commerce.RoleApprover, commerce.RoleCompanyAdmin}
)
