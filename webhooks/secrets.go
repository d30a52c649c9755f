// Package webhooks is what signed inbound webhooks need besides HTTP: the
// integrations' secrets (made, and sealed at rest with AES-256-GCM), the
// Stripe-style signature (Sign, Verify), and the event envelope and the event
// types Orderflow accepts (ParseEvent). It imports nothing of ours, so the API,
// the demo data and tests share one format without the HTTP layer.
package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// secretPrefix marks webhook secrets so leaked ones are easy to spot in logs and
// secret scanners (as Stripe's whsec_).
const secretPrefix = "whsec_"

// KeySize is the size of the key that seals secrets: AES-256.
const KeySize = 32

// NewSecret makes a random webhook secret (256 bits). The sender signs with
// the whole string, prefix included.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// SecretBox seals integrations' secrets for storage and opens them again.
// Signatures are HMACs, so the secret itself is needed to verify one: a hash
// would not do, hence encryption under a key kept outside the database
// (WEBHOOK_SECRET_KEY).
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox makes a SecretBox with a 32-byte key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("webhook secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

// ErrUnreadableSecret is a sealed secret that does not open: sealed under
// another key (WEBHOOK_SECRET_KEY changed), for another integration, or
// altered.
var ErrUnreadableSecret = errors.New("webhook secret does not open with this key")

// Seal encrypts the secret of an integration. The integration's ID is
// authenticated with it, so a ciphertext copied to another integration's row
// does not open there.
func (b *SecretBox) Seal(integrationID uuid.UUID, secret string) (ciphertext, nonce []byte) {
	nonce = make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b.aead.Seal(nil, nonce, []byte(secret), integrationID[:]), nonce
}

// Open decrypts what Seal made for the integration.
func (b *SecretBox) Open(integrationID uuid.UUID, ciphertext, nonce []byte) (string, error) {
	if len(nonce) != b.aead.NonceSize() {
		return "", ErrUnreadableSecret
	}
	plain, err := b.aead.Open(nil, nonce, ciphertext, integrationID[:])
	if err != nil {
		return "", ErrUnreadableSecret
	}
	return string(plain), nil
}

// RotationGrace is how long an integration's previous secret keeps verifying
// after its secret is rotated: the time its sender has to switch over.
const RotationGrace = 24 * time.Hour
