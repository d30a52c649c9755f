package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
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
	// defaultIdempotencyLease is how long a claim on a key lasts unless its
	// request renews it; a running request renews it every third of that.
	// A key whose request died (its process was killed) is free again once
	// the lease lapses.
	defaultIdempotencyLease = 15 * time.Second
	// inProgressRetryAfterSeconds is the Retry-After of 409 request_in_progress.
	inProgressRetryAfterSeconds = 1
	maxRequestBody              = 1 << 20
	// interimKey marks, in the gin context, an answer the handler gave while
	// the work goes on (see answerInterim).
	interimKey = "orderflow.idempotency.interim"
)

// replayedHeaders are the headers of a stored answer that its replays answer
// again; the rest (the request ID, ...) belong to each request.
var replayedHeaders = []string{"Content-Type", "Location", "Retry-After"}

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

// refresher answers, instead of a stored interim answer, the current state of
// the work that answer was about; ref is what the handler recorded with it
// (answerInterim). It answers as the route's handler would, and calls
// answerInterim again while the work still goes on.
type refresher func(c *gin.Context, ref string)

// idempotency is how a route keeps its answers for retries.
type idempotency struct {
	// secret: the answer is a secret shown once (IdempotentSecret).
	secret bool
	// refresh, when set, lets the handler give interim answers.
	refresh refresher
}

// Idempotent makes a mutating request with an Idempotency-Key safe to retry:
// the first request with a key runs; a retry with the same key and the same
// request gets the first answer again (its status, body and the headers in
// replayedHeaders, with Idempotent-Replayed: true); a retry while the first
// still runs gets 409 request_in_progress with Retry-After; the same key with
// a different request is refused. Keys are scoped to the caller. Server errors
// (5xx) are not stored, so a retry runs the request again.
//
// "Still runs" is a lease: the first request claims the key until
// locked_until, by the database's clock, and renews the claim every third of
// the lease while its handler runs, on whichever API process it runs. A
// request whose process died stops renewing, and a retry takes the key over
// as soon as the lease lapses (at most 15 s after the process died), not
// after a guessed timeout.
func (s *Server) Idempotent(c *gin.Context) { s.idempotent(c, idempotency{}) }

// IdempotentSecret is Idempotent for routes whose answer is a secret (a new
// token, an integration's webhook secret). The secret must be shown once and
// never stored, so a retry with the same Idempotency-Key does not get it
// again, nor a second secret: it gets 409 token_already_issued, and the
// caller issues another with a new key. Every
// other answer (a 4xx) is stored and replayed as Idempotent does.
func (s *Server) IdempotentSecret(c *gin.Context) { s.idempotent(c, idempotency{secret: true}) }

// idempotentRefreshed is Idempotent for a route whose handler may answer
// before its work is done (checkout's 202 pending). Such an answer is stored
// marked interim, and a retry gets, instead of it, what refresh finds now:
// the final answer, which is then stored for later retries, or another
// interim one.
func (s *Server) idempotentRefreshed(refresh refresher) gin.HandlerFunc {
	return func(c *gin.Context) { s.idempotent(c, idempotency{refresh: refresh}) }
}

// answerInterim marks the answer the handler is giving as interim, to be
// refreshed on replay; ref is what the route's refresher needs to find the
// work's current state. On a route without a refresher it does nothing.
func answerInterim(c *gin.Context, ref string) { c.Set(interimKey, ref) }

func (s *Server) idempotent(c *gin.Context, how idempotency) {
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
	claim := uuid.New()
	handled, err := s.claimOrReplay(c, who, key, hash, claim, how.refresh)
	if err != nil {
		RespondError(c, err)
		return
	}
	if handled {
		return
	}
	w := s.runClaimed(c, who, key, claim)

	// Store the answer even if the client went away: its retry wants it.
	ctx := context.WithoutCancel(c.Request.Context())
	status, body, headers := w.Status(), w.body.Bytes(), pickHeaders(w.Header())
	if how.secret && status < 300 {
		status = http.StatusConflict
		body, _ = json.Marshal(errorBody{Error: Error{Code: "token_already_issued", Field: idempotencyHeader,
			Message: "a token or secret was issued for this Idempotency-Key and is shown only once; issue another with a new key"}})
		headers = map[string]string{"Content-Type": gin.MIMEJSON + "; charset=utf-8"}
	}
	ref, interim := c.Get(interimKey)
	interim = interim && how.refresh != nil
	if status >= 500 {
		err = s.q.IdempotencyKeyRelease(ctx, db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key, ClaimID: claim})
	} else {
		var stored int64
		refText, _ := ref.(string)
		stored, err = s.q.IdempotencyKeyComplete(ctx, db.IdempotencyKeyCompleteParams{
			PrincipalID: who, Key: key, ClaimID: claim,
			StatusCode: pgtype.Int4{Int32: int32(status), Valid: true}, ResponseBody: body,
			ResponseHeaders: headersJSON(headers), Interim: interim, InterimRef: refText})
		if err == nil && stored == 0 {
			s.log.WarnContext(ctx, "idempotent answer not stored: another request took the key over after this one's lease lapsed",
				"request_id", requestID(c), "status", status)
		}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "store idempotent answer", "request_id", requestID(c), "err", err)
	}
}

// runClaimed runs the handler while holding the claim on the key: renewing
// its lease until the handler returns, and letting the key go if it panics.
func (s *Server) runClaimed(c *gin.Context, who uuid.UUID, key string, claim uuid.UUID) *capturingWriter {
	w := &capturingWriter{ResponseWriter: c.Writer}
	c.Writer = w
	stop := s.holdClaim(c, who, key, claim)
	defer stop()
	defer s.releaseOnPanic(c.Request.Context(), who, key, claim)
	c.Next()
	return w
}

// holdClaim renews the claim's lease every third of it until stop is called.
// It stops early if the claim was lost (a lease that lapsed while the database
// could not be reached, and a retry took the key over).
func (s *Server) holdClaim(c *gin.Context, who uuid.UUID, key string, claim uuid.UUID) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.Request.Context()))
	lease := s.idempotencyLease()
	id := requestID(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			renewed, err := s.q.IdempotencyKeyRenew(ctx, db.IdempotencyKeyRenewParams{
				PrincipalID: who, Key: key, ClaimID: claim, LeaseSeconds: lease.Seconds()})
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.log.WarnContext(ctx, "renew the lease of an Idempotency-Key", "request_id", id, "err", err)
			case renewed == 0:
				s.log.WarnContext(ctx, "lost the claim on an Idempotency-Key: its lease lapsed and a retry took it over",
					"request_id", id)
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// idempotencyLease is Options.IdempotencyLease, or its default.
func (s *Server) idempotencyLease() time.Duration {
	if s.opts.IdempotencyLease > 0 {
		return s.opts.IdempotencyLease
	}
	return defaultIdempotencyLease
}

// releaseOnPanic lets the key go when the handler panics (the recovery
// middleware answers 500), as any 5xx does, and panics on.
func (s *Server) releaseOnPanic(ctx context.Context, who uuid.UUID, key string, claim uuid.UUID) {
	v := recover()
	if v == nil {
		return
	}
	if err := s.q.IdempotencyKeyRelease(context.WithoutCancel(ctx),
		db.IdempotencyKeyReleaseParams{PrincipalID: who, Key: key, ClaimID: claim}); err != nil {
		s.log.ErrorContext(ctx, "release idempotency key after a panic", "err", err)
	}
	panic(v)
}

// pickHeaders are the replayedHeaders of an answer.
func pickHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, name := range replayedHeaders {
		if v := h.Get(name); v != "" {
			out[name] = v
		}
	}
	return out
}

func headersJSON(h map[string]string) []byte {
	b, err := json.Marshal(h)
	if err != nil {
		return []byte("{}")
	}
	return b
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
	return key, fingerprint(c.Request.Method, c.Request.URL.Path, body), nil
}

// fingerprint is what a request's retries must match: its method, its path and
// its body in canonical form.
func fingerprint(method, path string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(canonicalBody(body))
	return h.Sum(nil)
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

// claimOrReplay claims the key for this request (as claim), or answers it
// (handled = true): from the first request with the key, refreshed when that
// answer was interim; with 409 request_in_progress while the first request
// holds its lease; 422 when the key was used for another request. A key whose
// request stopped renewing its lease is taken over.
func (s *Server) claimOrReplay(c *gin.Context, who uuid.UUID, key string, hash []byte, claim uuid.UUID, refresh refresher) (handled bool, err error) {
	ctx := c.Request.Context()
	lease := s.idempotencyLease().Seconds()
	for range 3 {
		_, err := s.q.IdempotencyKeyClaim(ctx, db.IdempotencyKeyClaimParams{PrincipalID: who, Key: key, RequestHash: hash,
			ClaimID: claim, LeaseSeconds: lease, ExpiredBefore: time.Now().Add(-commerce.IdempotencyKeyTTL)})
		if err == nil {
			return false, nil
		}
		if !db.IsNotFound(err) {
			return false, err
		}
		row, err := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{PrincipalID: who, Key: key})
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
			if row.Interim && refresh != nil {
				s.refreshAnswer(c, row, refresh)
			} else {
				replay(c, row)
			}
			return true, nil
		}
		_, err = s.q.IdempotencyKeyTakeOver(ctx, db.IdempotencyKeyTakeOverParams{
			PrincipalID: who, Key: key, ClaimID: claim, LeaseSeconds: lease})
		if err == nil {
			s.log.InfoContext(ctx, "took over an Idempotency-Key whose request stopped renewing its lease",
				"request_id", requestID(c))
			return false, nil
		}
		if !db.IsNotFound(err) {
			return false, err
		}
		c.Header("Retry-After", strconv.Itoa(inProgressRetryAfterSeconds))
		return false, newError(http.StatusConflict, "request_in_progress",
			"a request with this Idempotency-Key is still being handled; retry shortly")
	}
	c.Header("Retry-After", strconv.Itoa(inProgressRetryAfterSeconds))
	return false, newError(http.StatusConflict, "request_in_progress",
		"requests with this Idempotency-Key keep failing; retry later")
}

// replay answers a stored answer again.
func replay(c *gin.Context, row db.IdempotencyKey) {
	headers := map[string]string{}
	_ = json.Unmarshal(row.ResponseHeaders, &headers) // a stored answer's headers are ours
	for _, name := range replayedHeaders {
		if v := headers[name]; v != "" {
			c.Header(name, v)
		}
	}
	contentType := headers["Content-Type"]
	if contentType == "" { // kept before headers were
		contentType = gin.MIMEJSON + "; charset=utf-8"
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(int(row.StatusCode.Int32), contentType, row.ResponseBody)
	c.Abort()
}

// refreshAnswer answers, for a stored interim answer, what the route's
// refresher finds now, and stores it in the interim one's place when it is
// final (not interim, not a 5xx). Concurrent refreshes may both answer; the
// first final answer stored stays.
func (s *Server) refreshAnswer(c *gin.Context, row db.IdempotencyKey, refresh refresher) {
	w := &capturingWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Header("Idempotent-Replayed", "true")
	refresh(c, row.InterimRef)
	c.Abort()
	if _, interim := c.Get(interimKey); interim || w.Status() >= 500 {
		return
	}
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.q.IdempotencyKeyFinish(ctx, db.IdempotencyKeyFinishParams{
		PrincipalID: row.PrincipalID, Key: row.Key, StatusCode: pgtype.Int4{Int32: int32(w.Status()), Valid: true},
		ResponseBody: w.body.Bytes(), ResponseHeaders: headersJSON(pickHeaders(w.Header()))}); err != nil {
		s.log.ErrorContext(ctx, "store the final answer of an interim idempotent answer", "request_id", requestID(c), "err", err)
	}
}
