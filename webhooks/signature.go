package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the request header that carries the signature:
//
//	Orderflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>
//
// A header may carry several v1= values (a sender signing with both secrets
// while it rolls over to a rotated one); one match is enough.
const SignatureHeader = "Orderflow-Signature"

// Tolerance is how far a signature's timestamp may be from the receiver's
// clock, either way: a captured request replayed later than this is refused,
// and clocks may drift this much.
const Tolerance = 5 * time.Minute

// Why a signature is refused. Each is an ErrInvalidSignature.
var (
	// ErrInvalidSignature is every refusal of a signature.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrNoSignature: the request has no signature header.
	ErrNoSignature = refusal("no " + SignatureHeader + " header")
	// ErrMalformedSignature: the header is not t=<unix>,v1=<hex>[,v1=<hex>…].
	ErrMalformedSignature = refusal(SignatureHeader + " must be t=<unix seconds>,v1=<hex HMAC-SHA256>")
	// ErrStaleSignature: the timestamp is further than the tolerance from now.
	ErrStaleSignature = refusal("the signature's timestamp is more than 5 minutes from the server's clock")
	// ErrSignatureMismatch: no v1 value is the HMAC of the body under any of
	// the integration's secrets.
	ErrSignatureMismatch = refusal("no signature matches the body and the integration's secret")
)

func refusal(msg string) error { return &signatureError{msg: msg} }

type signatureError struct{ msg string }

func (e *signatureError) Error() string { return e.msg }

// Is makes every refusal an ErrInvalidSignature.
func (e *signatureError) Is(target error) bool { return target == ErrInvalidSignature }

// Sign is the header value that signs body with secret at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a signature header over the raw body: its timestamp within
// tolerance of now, and one of its v1 values the HMAC of the body under one of
// secrets (the current secret, and the previous one during a rotation's grace
// period). Comparisons take constant time. The error says why a signature is
// refused; every one is an ErrInvalidSignature.
func Verify(header string, body []byte, now time.Time, tolerance time.Duration, secrets ...string) error {
	ts, sigs, err := parseHeader(header)
	if err != nil {
		return err
	}
	unix, _ := strconv.ParseInt(ts, 10, 64) // parseHeader checked it
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrStaleSignature
	}
	matched := false
	for _, secret := range secrets {
		want := mac(secret, ts, body)
		for _, sig := range sigs {
			// Every pair is compared, so the time taken does not tell which matched.
			if hmac.Equal(want, sig) {
				matched = true
			}
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	return nil
}

// maxSignatures bounds the v1 values of one header, so a header cannot make
// the receiver compute without end.
const maxSignatures = 8

// parseHeader reads t=…,v1=…[,v1=…]; other schemes (v0=, a future v2=) are
// ignored, as Stripe does, so senders can add schemes without breaking
// receivers.
func parseHeader(header string) (ts string, sigs [][]byte, err error) {
	if strings.TrimSpace(header) == "" {
		return "", nil, ErrNoSignature
	}
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, ErrMalformedSignature
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, ErrMalformedSignature
			}
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || v == "" || v[0] == '+' || v[0] == '-' {
				return "", nil, ErrMalformedSignature
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return "", nil, ErrMalformedSignature
			}
			if len(sigs) == maxSignatures {
				return "", nil, ErrMalformedSignature
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, ErrMalformedSignature
	}
	return ts, sigs, nil
}
