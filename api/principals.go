package api

import (
	"sync"
	"time"
)

// principalCache remembers recent token lookups so that the five or so requests a
// storefront makes per order cost one lookup, not five. A revoked token keeps
// working for at most principalTTL on a server that saw it recently.
type principalCache struct {
	mu      sync.Mutex
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       Principal
	expires time.Time
}

const (
	principalTTL        = 30 * time.Second
	principalCacheLimit = 10_000
)

func (c *principalCache) get(tokenHash []byte, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(tokenHash)]
	if !ok || now.After(e.expires) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *principalCache) put(tokenHash []byte, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= principalCacheLimit {
		c.entries = make(map[string]cachedPrincipal) // crude, bounded, and rarely hit
	}
	c.entries[string(tokenHash)] = cachedPrincipal{p: p, expires: now.Add(principalTTL)}
}

// clear forgets every cached token lookup.
func (c *principalCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}

// ForgetPrincipals drops every cached token lookup. Admin changes to who someone
// is (an employee's role, a company's currency) call it, so this server stops
// serving the old principal at once; other servers do within principalTTL.
func (s *Server) ForgetPrincipals() { s.principals.clear() }
