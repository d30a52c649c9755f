package db

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotFound is the domain's "no such row".
var ErrNotFound = errors.New("not found")

// Postgres error codes we act on (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeDuplicateDatabase   = "42P04"
)

// IsNotFound tells whether err means no row matched.
func IsNotFound(err error) bool {
	return errors.Is(err, pgx.ErrNoRows) || errors.Is(err, ErrNotFound)
}

// IsUniqueViolation tells whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool { return hasCode(err, codeUniqueViolation) }

// IsForeignKeyViolation tells whether err references a row that does not exist.
func IsForeignKeyViolation(err error) bool { return hasCode(err, codeForeignKeyViolation) }

// IsCheckViolation tells whether err breaks a CHECK constraint.
func IsCheckViolation(err error) bool { return hasCode(err, codeCheckViolation) }

func isDuplicateDatabase(err error) bool { return hasCode(err, codeDuplicateDatabase) }

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
