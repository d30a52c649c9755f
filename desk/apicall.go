package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/api"
)

// apiError is an API refusal as the desk shows it: the API's status, code,
// message and field, word for word.
type apiError struct {
	Status int
	Body   api.Error
}

func (e *apiError) Error() string {
	s := e.Body.Code + ": " + e.Body.Message
	if e.Body.Field != "" && !strings.Contains(e.Body.Message, e.Body.Field) {
		s += " (field " + e.Body.Field + ")"
	}
	return s
}

// call makes one API request as the session's principal, in process, and
// decodes a 2xx answer into out (when not nil). Anything else is an
// *apiError. key is the Idempotency-Key of a mutating request ("" for none).
// A form sent twice (a double click) carries one key; the second request,
// answered 409 request_in_progress while the first runs, is asked again
// after its Retry-After, a few times, and then gets the first one's answer.
func (d *Desk) call(r *http.Request, method, path string, body any, key string, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = b
	}
	for attempt := 1; ; attempt++ {
		res, err := d.send(r, method, path, payload, key)
		if err != nil {
			return err
		}
		if res.StatusCode/100 != 2 {
			var e struct {
				Error api.Error `json:"error"`
			}
			if err := json.NewDecoder(res.Body).Decode(&e); err != nil || e.Error.Code == "" {
				return fmt.Errorf("%s %s: status %d without an error body", method, path, res.StatusCode)
			}
			if e.Error.Code == "request_in_progress" && attempt < inProgressAttempts {
				if err := waitRetryAfter(r.Context(), res.Header.Get("Retry-After")); err != nil {
					return err
				}
				continue
			}
			return &apiError{Status: res.StatusCode, Body: e.Error}
		}
		if out == nil {
			return nil
		}
		return json.NewDecoder(res.Body).Decode(out)
	}
}

// inProgressAttempts bounds how often call asks again while the first request
// with its Idempotency-Key runs.
const inProgressAttempts = 5

// send makes one API request, in process.
func (d *Desk) send(r *http.Request, method, path string, payload []byte, key string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(api.WithTokenHash(r.Context(), sessionOf(r).tokenHash), method, path, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.RemoteAddr = r.RemoteAddr
	rec := httptest.NewRecorder()
	d.api.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// waitRetryAfter waits the seconds of a Retry-After (1 when it has none), or
// until ctx ends.
func waitRetryAfter(ctx context.Context, retryAfter string) error {
	seconds, err := strconv.Atoi(retryAfter)
	if err != nil || seconds < 1 {
		seconds = 1
	}
	t := time.NewTimer(time.Duration(seconds) * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
