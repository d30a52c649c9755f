package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// principalCache remembers recent token lookups so that the five or so
// requests a storefront makes per order cost one lookup, not five. It is used
// only while the server listens to Postgres for changes to who a token is
// (WatchPrincipals): a token revoked, an employee deactivated or given another
// role, on any server or by hand in psql, notifies principalsChannel when its
// transaction commits (the triggers of migration 0013), and every listening
// server drops its whole cache. A server that is not listening (not started
// yet, or its connection lost) caches nothing and asks Postgres every time, so
// a revocation is never missed; on reconnecting it starts from an empty cache.
type principalCache struct {
	mu      sync.Mutex
	live    bool // the listener is connected: cached entries are trustworthy
	entries map[string]cachedPrincipal
	// generation counts clears: a lookup that began before a clear must not
	// put what it read (perhaps before the change committed) after it.
	generation uint64
}

type cachedPrincipal struct {
	p         Principal
	expires   time.Time  // when this entry must be looked up again
	tokenEnds *time.Time // the token's own expiry, checked on every request
}

const (
	// principalTTL bounds an entry's life even while listening, in case a
	// notification is lost in a way the connection does not notice.
	principalTTL        = 30 * time.Second
	principalCacheLimit = 10_000
	// principalsChannel is the Postgres channel the triggers notify.
	principalsChannel = "orderflow_principals"
)

// get answers a cached entry, or the generation a lookup from Postgres
// starts in (for put).
func (c *principalCache) get(tokenHash []byte, now time.Time) (e cachedPrincipal, ok bool, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.entries[string(tokenHash)]
	if !ok || !c.live || now.After(e.expires) {
		return cachedPrincipal{}, false, c.generation
	}
	return e, true, c.generation
}

// put caches what a lookup that started in generation read, unless the cache
// was cleared since.
func (c *principalCache) put(tokenHash []byte, e cachedPrincipal, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || generation != c.generation {
		return
	}
	if c.entries == nil || len(c.entries) >= principalCacheLimit {
		c.entries = make(map[string]cachedPrincipal) // crude, bounded, and rarely hit
	}
	c.entries[string(tokenHash)] = e
}

// clear forgets every cached token lookup.
func (c *principalCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.generation++
}

// setLive turns caching on (the listener is connected) or off, and forgets
// everything either way: nothing cached before a connection was lost can be
// trusted after it.
func (c *principalCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live, c.entries = live, nil
	c.generation++
}

// ForgetPrincipals drops every cached token lookup of this server. Other
// servers drop theirs when Postgres notifies them of the same change.
func (s *Server) ForgetPrincipals() { s.principals.clear() }

// WatchPrincipals listens on a connection of its own for changes to who a
// token is and drops the principal cache at each, until ctx ends. It caches
// only while connected; a lost connection is retried with backoff, and each
// new connection starts from an empty cache. The wiring runs it beside the
// HTTP server.
func (s *Server) WatchPrincipals(ctx context.Context) {
	defer s.principals.setLive(false)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := s.listenPrincipals(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 100 * time.Millisecond
		}
		s.log.Warn("principal cache off: lost the Postgres listener; every request asks Postgres until it is back",
			"err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// listenPrincipals connects, listens and drops the cache at each
// notification until the connection fails or ctx ends. connected tells
// whether it got as far as listening.
func (s *Server) listenPrincipals(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, err
	}
	defer func() {
		s.principals.setLive(false)
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx) //nolint:errcheck // the connection is gone either way
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+principalsChannel); err != nil {
		return false, err
	}
	// Listening from here: whatever changed before is read afresh.
	s.principals.setLive(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
		s.principals.clear()
	}
}

// Why a known token is refused, each with its own code so that a client can
// tell "ask for a new token" from "your token is wrong".
var (
	errTokenRevoked = newError(http.StatusUnauthorized, "token_revoked", "this token was revoked; ask your company's admin for a new one")
	errTokenExpired = newError(http.StatusUnauthorized, "token_expired", "this token has expired; ask your company's admin for a new one")
	errDeactivated  = newError(http.StatusUnauthorized, "account_deactivated", "the account this token belongs to was deactivated")
)

// lookupPrincipal resolves a token's hash to its principal, through the cache
// when it is live, refusing a revoked, expired or deactivated one.
func (s *Server) lookupPrincipal(ctx context.Context, hash []byte, now time.Time) (Principal, error) {
	e, ok, generation := s.principals.get(hash, now)
	if !ok {
		row, err := s.q.PrincipalGetByTokenHash(ctx, hash)
		if err != nil {
			return Principal{}, err
		}
		if err := TokenRefusal(row, now); err != nil {
			return Principal{}, err
		}
		e = cachedPrincipal{p: principalOf(row), expires: now.Add(principalTTL), tokenEnds: row.ExpiresAt}
		s.principals.put(hash, e, generation)
	}
	if e.tokenEnds != nil && !now.Before(*e.tokenEnds) {
		return Principal{}, errTokenExpired
	}
	return e.p, nil
}

// TokenRefusal says why a known token no longer works (revoked, expired, its
// employee deactivated), or nil when it works. The API and the sales desk's
// sign-in and sessions judge tokens by it.
func TokenRefusal(row db.PrincipalGetByTokenHashRow, now time.Time) error {
	switch {
	case row.RevokedAt != nil:
		return errTokenRevoked
	case row.DeactivatedAt != nil:
		return errDeactivated
	case row.ExpiresAt != nil && !now.Before(*row.ExpiresAt):
		return errTokenExpired
	}
	return nil
}

func principalOf(row db.PrincipalGetByTokenHashRow) Principal {
	return Principal{ID: row.PrincipalID, Role: commerce.Role(row.Role), CompanyID: row.CompanyID.UUID, Name: row.Name, Currency: row.Currency}
}
