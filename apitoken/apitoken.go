// Package apitoken makes and hashes the bearer tokens callers present to the
// API. It is its own small package so that everything that issues tokens (the
// admin API, the demo data, test fixtures) shares one format without importing
// the HTTP layer.
package apitoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// prefix marks Orderflow tokens so leaked ones are easy to spot in logs and
// secret scanners.
const prefix = "oft_"

// New makes a random bearer token (256 bits).
func New() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash is what is stored for a token. Tokens are 256 random bits, so a plain
// SHA-256 is enough (no password stretching needed) and lookups stay one index hit.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
