package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Input hygiene, for every request before a handler reads it: a body is at
// most maxRequestBody bytes (413 beyond, never silently cut short: a truncated
// CSV would place a partial order), and every piece of text a request carries
// (path segments, query parameters, JSON strings, CSV cells) is valid UTF-8
// without NUL, which Postgres text can never store. Bad text is a 400 naming
// where it is, so it never reaches a query (a 500) or a durable process (a step
// that would retry for ever).

// errBodyTooLarge answers a body over maxRequestBody.
var errBodyTooLarge = newError(http.StatusRequestEntityTooLarge, "body_too_large",
	fmt.Sprintf("the request body may be at most %d bytes", maxRequestBody))

// limitInput caps the request body and checks the path segments and query
// parameters of every request. A handler that reads more than the cap gets an
// *http.MaxBytesError, which bodyError turns into a 413.
func limitInput(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxRequestBody)
	for _, p := range c.Params {
		if err := checkText(p.Key, p.Value); err != nil {
			RespondError(c, err)
			return
		}
	}
	for name, values := range c.Request.URL.Query() {
		if err := checkText(name, name); err != nil {
			RespondError(c, err)
			return
		}
		for _, v := range values {
			if err := checkText(name, v); err != nil {
				RespondError(c, err)
				return
			}
		}
	}
	c.Next()
}

// checkText refuses text Postgres cannot store, naming field.
func checkText(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return badText(field, field+" must be valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return badText(field, field+" must not contain NUL characters")
	}
	return nil
}

// badText is the 400 for text that is not text, naming where it is.
func badText(field, msg string) error {
	return &HTTPError{Status: http.StatusBadRequest, Body: Error{Code: "invalid_field", Field: field, Message: msg}}
}

// readBody reads the whole request body: a body over the cap is a 413.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if e := bodyError(err); e != nil {
			return nil, e
		}
		return nil, newError(http.StatusBadRequest, "unreadable_body", "could not read the request body")
	}
	return body, nil
}

// bodyError is the 413 for an error of reading a body over the cap, else nil.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errBodyTooLarge
	}
	return nil
}

// checkJSONText walks a JSON document and refuses the first string (key or
// value) that is not valid UTF-8 or holds a NUL (written \u0000), naming its
// path as the API names fields: lines[2].sku. The decoder would quietly turn
// invalid UTF-8 into U+FFFD, so the raw bytes of each string are checked.
// Syntax errors are left to the decoder that reads the body after.
func checkJSONText(raw []byte) error {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case b.Len() > 0:
				b.WriteString("." + f.key)
			default:
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	// valueDone moves the enclosing container past the value just read.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or a syntax error the decoder reports
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{wantKey: true})
			case '[':
				stack = append(stack, &frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			rawText := raw[start:dec.InputOffset()]
			if top := len(stack) - 1; top >= 0 && !stack[top].array && stack[top].wantKey {
				stack[top].key, stack[top].wantKey = v, false
				if !utf8.Valid(rawText) || strings.IndexByte(v, 0) >= 0 {
					return badText(path(), "field names must be valid UTF-8 without NUL characters")
				}
				continue
			}
			field := path()
			if field == "" {
				field = "body"
			}
			if !utf8.Valid(rawText) {
				return badText(field, field+" must be valid UTF-8")
			}
			if strings.IndexByte(v, 0) >= 0 {
				return badText(field, field+" must not contain NUL characters")
			}
			valueDone()
		default:
			valueDone()
		}
	}
}
