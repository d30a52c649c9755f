package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// tokenPrefix marks Orderflow tokens so leaked ones are easy to spot in logs and
// secret scanners.
const tokenPrefix = "oft_"

// NewToken makes a random bearer token (256 bits).
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what is stored for a token. Tokens are 256 random bits, so a plain
// SHA-256 is enough (no password stretching needed) and lookups stay one index hit.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
