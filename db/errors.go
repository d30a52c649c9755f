package db

import (
	"errors"
	"strings"

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
	codeNotNullViolation    = "23502"
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

// IsInputError tells whether err is Postgres refusing the data itself, so that
// running the same statement again can never succeed: a data exception (class
// 22: a NUL byte or invalid UTF-8 in text, a value too long for its column, a
// number out of range, a malformed date) or an integrity violation that means
// bad input (class 23: NULL where a value is required, a CHECK broken, a
// reference to a row that does not exist). A unique violation is left out: an
// idempotent step retried after a race finds the row its twin wrote.
func IsInputError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch {
	case strings.HasPrefix(pgErr.Code, "22"):
		return true
	case pgErr.Code == codeNotNullViolation, pgErr.Code == codeForeignKeyViolation, pgErr.Code == codeCheckViolation:
		return true
	}
	return false
}

// InputErrorMessage says, for people, what Postgres refused in an input error
// (IsInputError): its message, and the column or constraint when it names one.
func InputErrorMessage(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err.Error()
	}
	msg := pgErr.Message
	switch {
	case pgErr.ColumnName != "":
		msg += " (column " + pgErr.ColumnName + ")"
	case pgErr.ConstraintName != "":
		msg += " (constraint " + pgErr.ConstraintName + ")"
	}
	return msg + " [SQLSTATE " + pgErr.Code + "]"
}

func isDuplicateDatabase(err error) bool { return hasCode(err, codeDuplicateDatabase) }

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
