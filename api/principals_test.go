package api

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestPrincipalCache: nothing is cached while the server does not listen; a
// lookup that began before a clear does not put what it read after it; an
// entry ends with its TTL; losing the listener forgets everything.
func TestPrincipalCache(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	hash := []byte("token-hash")
	entry := cachedPrincipal{p: Principal{ID: uuid.New()}, expires: now.Add(principalTTL)}
	var c principalCache

	_, _, gen := c.get(hash, now)
	c.put(hash, entry, gen)
	_, ok, _ := c.get(hash, now)
	require.False(t, ok, "not listening: nothing cached")

	c.setLive(true)
	_, _, gen = c.get(hash, now)
	c.put(hash, entry, gen)
	got, ok, _ := c.get(hash, now)
	require.True(t, ok)
	require.Equal(t, entry.p, got.p)
	_, ok, _ = c.get(hash, now.Add(principalTTL+time.Nanosecond))
	require.False(t, ok, "past its TTL")

	// A revocation notified while a lookup was reading the old row.
	c.clear()
	_, _, gen = c.get(hash, now)
	c.clear()
	c.put(hash, entry, gen)
	_, ok, _ = c.get(hash, now)
	require.False(t, ok, "a lookup older than the last clear is not cached")

	_, _, gen = c.get(hash, now)
	c.put(hash, entry, gen)
	c.setLive(false)
	c.setLive(true)
	_, ok, _ = c.get(hash, now)
	require.False(t, ok, "a reconnected listener starts from an empty cache")
}
