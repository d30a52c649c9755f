package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// Lists answer pages of ?limit=1..100 rows (default 20); a page that is not the
// last gives a next_cursor, which the caller sends back as ?cursor=.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// KeysetPage is where a list page starts: after the (created_at, id) of the
// last row of the previous page, so that pages stay stable while rows are
// added.
type KeysetPage struct {
	Limit   int
	AfterAt time.Time
	AfterID uuid.UUID
}

// ReadKeysetPage reads ?limit=1..100 and ?cursor= (a next_cursor this API gave out).
func ReadKeysetPage(c *gin.Context) (KeysetPage, error) {
	limit, err := pageLimit(c)
	if err != nil {
		return KeysetPage{}, err
	}
	p := KeysetPage{Limit: limit}
	if cur := c.Query("cursor"); cur != "" {
		if p.AfterAt, p.AfterID, err = decodeOrderCursor(cur); err != nil {
			return KeysetPage{}, FieldError("cursor", "cursor is not one this API gave out")
		}
	}
	return p, nil
}

// RowLimit asks for one row more than the page holds, to tell whether there is a
// next page.
func (p KeysetPage) RowLimit() int32 { return int32(p.Limit + 1) }

// PageOf maps the rows of a page (read with RowLimit) to their views, and gives
// the cursor of the next page when there is one.
func PageOf[R, V any](p KeysetPage, rows []R, key func(R) (time.Time, uuid.UUID), view func(R) V) ([]V, string) {
	out := make([]V, 0, min(len(rows), p.Limit))
	for i, r := range rows {
		if i == p.Limit {
			at, id := key(rows[p.Limit-1])
			return out, encodeOrderCursor(at, id)
		}
		out = append(out, view(r))
	}
	return out, ""
}

// pageLimit reads ?limit=, the page size.
func pageLimit(c *gin.Context) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, FieldError("limit", "limit must be an integer from 1 to 100")
	}
	return n, nil
}

// encodeOrderCursor makes the opaque next_cursor of a (time, id) keyset. Orders,
// approvals and the admin lists share it.
func encodeOrderCursor(at time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id.String()))
}

// decodeOrderCursor reads a cursor made by encodeOrderCursor.
func decodeOrderCursor(s string) (time.Time, uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	at, id, _ := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	u, err := uuid.Parse(id)
	return t, u, err
}
