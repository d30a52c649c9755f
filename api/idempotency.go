package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 255
	// A first request runs under its deadline (requestTimeout); one that has
	// not answered this long after it is dead (its server crashed), and a
	// retry takes the key over.
	idempotencyStaleMargin = 30 * time.Second
	maxRequestBody         = 1 << 20
)

// capturingWriter keeps a copy of the response so it can be stored for replays.
type capturingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *capturingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capturingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// Idempotent makes a mutating request with an Idempotency-Key safe to retry:
// the first request with a key runs; a retry with the same key and the same
// request gets the first answer again (header Idempotent-Replayed: true); a
// concurrent retry waits for the first to answer; the same key with a different
// request is refused. Keys are scoped to the caller. Server errors (5xx) are not
// stored, so a retry runs the request again.
func (s *Server) Idempotent(c *gin.Context) {
	key, hash, err := idempotentRequest(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	if key == "" {
		c.Next()
		return
	}

	ctx := c.Request.Context()
	who := principal(c).ID
	handled, err := s.claimOrReplay(c, who, key, hash)
	if err != nil {
		RespondError(c, err)
		return
	}
	if handled {
		return
	}

	w := &capturingWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer s.releaseOnPanic(ctx, who, key)
	c.Next()

	// Store the answer even if the client went away: its retry wants it.
	ctx = context.WithoutCancel(ctx)
	if status := w.Status(); status >= 500 {
		err = s.q.IdempotencyKeyRelease(ctx, db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key})
	} else {
		err = s.q.IdempotencyKeyComplete(ctx, db.IdempotencyKeyCompleteParams{
			PrincipalID: who, Key: key, StatusCode: pgtype.Int4{Int32: int32(status), Valid: true}, ResponseBody: w.body.Bytes()})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "store idempotent answer", "request_id", requestID(c), "err", err)
	}
}

// releaseOnPanic lets the key go when the handler panics (the recovery
// middleware answers 500), as any 5xx does, and panics on.
func (s *Server) releaseOnPanic(ctx context.Context, who uuid.UUID, key string) {
	v := recover()
	if v == nil {
		return
	}
	if err := s.q.IdempotencyKeyRelease(context.WithoutCancel(ctx), db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key}); err != nil {
		s.log.ErrorContext(ctx, "release idempotency key after a panic", "err", err)
	}
	panic(v)
}

// idempotentRequest reads the request's Idempotency-Key ("" when it has none)
// and, when it has one, the fingerprint its retries must match: the method,
// the path and the body in canonical form. The body is read whole (413 over
// the cap) and put back for the handler.
func idempotentRequest(c *gin.Context) (key string, hash []byte, err error) {
	key = c.GetHeader(idempotencyHeader)
	if key == "" {
		return "", nil, nil
	}
	if len(key) > maxIdempotencyKey {
		return "", nil, &HTTPError{Status: http.StatusBadRequest, Body: Error{
			Code: "invalid_header", Field: idempotencyHeader, Message: "Idempotency-Key must be at most 255 characters"}}
	}
	if !validKey(key) {
		return "", nil, &HTTPError{Status: http.StatusBadRequest, Body: Error{
			Code: "invalid_header", Field: idempotencyHeader, Message: "Idempotency-Key must be printable UTF-8 text"}}
	}
	body, err := readBody(c)
	if err != nil {
		return "", nil, err
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(canonicalBody(body))
	return key, h.Sum(nil), nil
}

// validKey is an Idempotency-Key Postgres can store and a person can read:
// valid UTF-8 without control characters.
func validKey(key string) bool {
	if !utf8.ValidString(key) {
		return false
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// canonicalBody is the form of a body that retries are compared in: a JSON
// body re-encoded with its object keys sorted and insignificant space gone
// (numbers keep their text), so a client that serialises the same request
// with its keys in another order is recognised; any other body as it is.
func canonicalBody(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return body
	}
	canonical, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return canonical
}

// IdempotentSecret is Idempotent for routes whose answer is a secret (a new
// token, an integration's webhook secret). The secret must be shown once and
// never stored, so a retry with the same Idempotency-Key does not get it
// again, nor a second secret: it gets 409 token_already_issued, and the
// caller issues another with a new key. Every
// other answer (a 4xx) is stored and replayed as Idempotent does.
func (s *Server) IdempotentSecret(c *gin.Context) {
	key, hash, err := idempotentRequest(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	if key == "" {
		c.Next()
		return
	}

	who := principal(c).ID
	handled, err := s.claimOrReplay(c, who, key, hash)
	if err != nil {
		RespondError(c, err)
		return
	}
	if handled {
		return
	}
	w := &capturingWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer s.releaseOnPanic(c.Request.Context(), who, key)
	c.Next()

	ctx := context.WithoutCancel(c.Request.Context())
	status, stored := w.Status(), w.body.Bytes()
	if status < 300 {
		status = http.StatusConflict
		stored, _ = json.Marshal(errorBody{Error: Error{Code: "token_already_issued", Field: idempotencyHeader,
			Message: "a token or secret was issued for this Idempotency-Key and is shown only once; issue another with a new key"}})
	}
	if status >= 500 {
		err = s.q.IdempotencyKeyRelease(ctx, db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key})
	} else {
		err = s.q.IdempotencyKeyComplete(ctx, db.IdempotencyKeyCompleteParams{
			PrincipalID: who, Key: key, StatusCode: pgtype.Int4{Int32: int32(status), Valid: true}, ResponseBody: stored})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "store idempotent answer", "request_id", requestID(c), "err", err)
	}
}

// claimOrReplay claims the key for this request, or answers it from the first
// request with the key (handled = true). A key whose first request died without
// answering is taken over once it is stale.
func (s *Server) claimOrReplay(c *gin.Context, who uuid.UUID, key string, hash []byte) (handled bool, err error) {
	ctx := c.Request.Context()
	for range 3 {
		_, err := s.q.IdempotencyKeyClaim(ctx, db.IdempotencyKeyClaimParams{PrincipalID: who, Key: key, RequestHash: hash,
			ExpiredBefore: time.Now().Add(-commerce.IdempotencyKeyTTL)})
		if err == nil {
			return false, nil
		}
		if !db.IsNotFound(err) {
			return false, err
		}
		row, err := s.awaitIdempotentAnswer(ctx, who, key)
		if db.IsNotFound(err) {
			continue // the first request failed (5xx) and let the key go: claim it
		}
		if err != nil {
			return false, err
		}
		if !bytes.Equal(row.RequestHash, hash) {
			return false, &HTTPError{Status: http.StatusUnprocessableEntity, Body: Error{
				Code: "idempotency_key_reused", Field: idempotencyHeader,
				Message: "this Idempotency-Key was used for a different request"}}
		}
		if row.StatusCode.Valid {
			c.Header("Idempotent-Replayed", "true")
			c.Data(int(row.StatusCode.Int32), "application/json; charset=utf-8", row.ResponseBody)
			c.Abort()
			return true, nil
		}
		_, err = s.q.IdempotencyKeyTakeOver(ctx, db.IdempotencyKeyTakeOverParams{
			PrincipalID: who, Key: key, StaleBefore: time.Now().Add(-s.idempotencyStaleAfter())})
		if err == nil {
			return false, nil
		}
		if !db.IsNotFound(err) {
			return false, err
		}
		return false, newError(http.StatusConflict, "request_in_progress",
			"a request with this Idempotency-Key is still being handled; retry shortly")
	}
	return false, newError(http.StatusConflict, "request_in_progress",
		"requests with this Idempotency-Key keep failing; retry later")
}

// idempotencyStaleAfter is how long after its claim an unanswered first
// request is presumed dead.
func (s *Server) idempotencyStaleAfter() time.Duration {
	return s.requestTimeout() + idempotencyStaleMargin
}

// awaitIdempotentAnswer waits, a little longer than a synchronous checkout can
// take, for the first request with the key to answer, but not past a second
// before this request's own deadline, so that it can still answer 409
// request_in_progress itself; and not at all for a first request presumed
// dead, which the caller then takes over.
func (s *Server) awaitIdempotentAnswer(ctx context.Context, who uuid.UUID, key string) (db.IdempotencyKey, error) {
	deadline := time.Now().Add(s.opts.CheckoutSyncWait + 5*time.Second)
	if d, ok := ctx.Deadline(); ok && d.Add(-time.Second).Before(deadline) {
		deadline = d.Add(-time.Second)
	}
	for {
		row, err := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{PrincipalID: who, Key: key})
		if err != nil || row.StatusCode.Valid || time.Now().After(deadline) ||
			time.Since(row.LockedAt) > s.idempotencyStaleAfter() {
			return row, err
		}
		select {
		case <-ctx.Done():
			return row, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}
