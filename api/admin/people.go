package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Employee is a person of a buying company who may call the API.
type Employee struct {
	ID        uuid.UUID `json:"id"`
	CompanyID uuid.UUID `json:"company_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	// DeactivatedAt is when the employee was deactivated: none of their
	// tokens works since. Absent while they are active.
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
}

// EmployeePage is one page of a company's employees, oldest first.
type EmployeePage struct {
	Employees  []Employee `json:"employees"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// StaffMember is a person of the seller: a sales rep, a sales manager or ops.
type StaffMember struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// IssuedToken is a new bearer token. It is shown this once: only its hash is
// stored.
type IssuedToken struct {
	ID        uuid.UUID  `json:"id"`
	Token     string     `json:"token"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Token is an API token as lists show it: never its secret.
type Token struct {
	ID         uuid.UUID  `json:"id"`
	EmployeeID *uuid.UUID `json:"employee_id,omitempty"`
	StaffID    *uuid.UUID `json:"staff_id,omitempty"`
	Label      string     `json:"label"`
	// Status is active, expired or revoked, as of the answer.
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// TokenPage is one page of a company's tokens, oldest first.
type TokenPage struct {
	Tokens     []Token `json:"tokens"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

func employeeOf(c db.Customer) Employee {
	return Employee{ID: c.ID, CompanyID: c.CompanyID, Email: c.Email, Name: c.Name, Role: c.Role, CreatedAt: c.CreatedAt.UTC(),
		DeactivatedAt: utcOrNil(c.DeactivatedAt)}
}

func tokenOf(id uuid.UUID, customer, staff uuid.NullUUID, label string, created time.Time, expires, revoked *time.Time, now time.Time) Token {
	t := Token{ID: id, Label: label, Status: "active", CreatedAt: created.UTC(), ExpiresAt: utcOrNil(expires), RevokedAt: utcOrNil(revoked)}
	if customer.Valid {
		t.EmployeeID = &customer.UUID
	}
	if staff.Valid {
		t.StaffID = &staff.UUID
	}
	switch {
	case revoked != nil:
		t.Status = "revoked"
	case expires != nil && !now.Before(*expires):
		t.Status = "expired"
	}
	return t
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func staffOf(s db.Staff) StaffMember {
	return StaffMember{ID: s.ID, Email: s.Email, Name: s.Name, Role: s.Role, CreatedAt: s.CreatedAt.UTC()}
}

type personRequest struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
	Role  *string `json:"role"`
}

type tokenRequest struct {
	Label     string  `json:"label"`
	ExpiresAt *string `json:"expires_at"`
}

// maxTokenLife bounds expires_at, so that a typo in the year does not make a
// token that outlives everyone who knew about it.
const maxTokenLife = 5 * 366 * 24 * time.Hour

// checkExpiry reads an optional expires_at: an RFC 3339 time in the future,
// kept in UTC.
func checkExpiry(v *string, now time.Time) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	switch {
	case err != nil:
		return nil, api.FieldError("expires_at", "expires_at must be an RFC 3339 time such as 2027-01-31T00:00:00Z")
	case !t.After(now):
		return nil, api.FieldError("expires_at", "expires_at must be in the future")
	case t.Sub(now) > maxTokenLife:
		return nil, api.FieldError("expires_at", "expires_at must be at most 5 years away")
	}
	t = t.UTC()
	return &t, nil
}

// checkEmail checks an address and returns it lower-cased, so that one person
// cannot get two accounts by changing case.
func checkEmail(field string, v *string) (string, error) {
	if v == nil || *v == "" {
		return "", api.FieldError(field, field+" is required")
	}
	a, err := mail.ParseAddress(*v)
	if err != nil || a.Address != *v || len(*v) > maxEmail {
		return "", api.FieldError(field, field+" must be a plain email address such as ana@example.com")
	}
	return strings.ToLower(*v), nil
}

// checkRole checks a role against the side it must belong to.
func checkRole(v *string, companySide bool) (string, error) {
	if v == nil {
		return "", api.FieldError("role", "role is required")
	}
	r := commerce.Role(*v)
	if companySide && !r.CompanySide() {
		return "", api.FieldError("role", `role must be "buyer", "approver" or "company_admin"`)
	}
	if !companySide && !r.SellerSide() {
		return "", api.FieldError("role", `role must be "sales_rep", "sales_manager" or "ops"`)
	}
	return *v, nil
}

// createEmployee adds a person to a company: the one in the path (ops) or the
// company admin's own.
func (h *handlers) createEmployee(c *gin.Context) {
	companyID, err := scopedCompany(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req personRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p := db.CustomerCreateParams{ID: uuid.New(), CompanyID: companyID}
	if p.Email, err = checkEmail("email", req.Email); err == nil {
		if p.Name, err = requiredText("name", deref(req.Name), maxName); err == nil {
			p.Role, err = checkRole(req.Role, true)
		}
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	e, err := h.q.CustomerCreate(c.Request.Context(), p)
	if db.IsForeignKeyViolation(err) {
		err = api.ErrNotFound // the company in the path
	}
	if err != nil {
		api.RespondError(c, violation(err, "email", ""))
		return
	}
	c.JSON(http.StatusCreated, employeeOf(e))
}

// listEmployees pages through a company's employees, oldest first.
func (h *handlers) listEmployees(c *gin.Context) {
	var page EmployeePage
	var ok bool
	page.Employees, page.NextCursor, ok = listForCompany(h, c,
		func(ctx context.Context, companyID uuid.UUID, p api.KeysetPage) ([]db.Customer, error) {
			return h.q.CustomerListByCompany(ctx, db.CustomerListByCompanyParams{
				CompanyID: companyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
		},
		func(r db.Customer) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(_ db.Company, r db.Customer) Employee { return employeeOf(r) })
	if ok {
		c.JSON(http.StatusOK, page)
	}
}

// updateEmployee renames an employee or changes their role, within the
// caller's scope (companyScope). A new role takes effect on every server at
// once: the change notifies them to drop their cached principals. The
// company's last active admin keeps the role (409 last_company_admin).
func (h *handlers) updateEmployee(c *gin.Context) {
	id, err := api.PathUUID(c, "employee_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	var req personRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	if req.Email != nil {
		api.RespondError(c, api.FieldError("email", "email cannot be changed; add a new employee instead"))
		return
	}
	var name, role string
	if req.Name != nil {
		if name, err = requiredText("name", *req.Name, maxName); err != nil {
			api.RespondError(c, err)
			return
		}
	}
	if req.Role != nil {
		if role, err = checkRole(req.Role, true); err != nil {
			api.RespondError(c, err)
			return
		}
	}
	e, err := h.changeEmployee(c, id, req.Role != nil && role != string(commerce.RoleCompanyAdmin),
		func(ctx context.Context, q *db.Queries, old db.Customer) (db.Customer, error) {
			p := db.CustomerUpdateParams{ID: id, Name: old.Name, Role: old.Role}
			if req.Name != nil {
				p.Name = name
			}
			if req.Role != nil {
				p.Role = role
			}
			return q.CustomerUpdate(ctx, p)
		})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, employeeOf(e))
}

// deactivateEmployee deactivates an employee within the caller's scope: none
// of their tokens works any more, on any server, and they keep their place in
// orders, quotes and timelines. Twice is the same as once. The company's last
// active admin cannot be deactivated (409 last_company_admin).
func (h *handlers) deactivateEmployee(c *gin.Context) {
	id, err := api.PathUUID(c, "employee_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	e, err := h.changeEmployee(c, id, true, func(ctx context.Context, q *db.Queries, _ db.Customer) (db.Customer, error) {
		return q.CustomerDeactivate(ctx, id)
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, employeeOf(e))
}

// errLastAdmin refuses to leave a company without an active admin, who alone
// can manage its people and tokens without ops.
var errLastAdmin = conflict("last_company_admin", "",
	"a company keeps at least one active company_admin: make another employee company_admin first")

// changeEmployee applies change to an employee within the caller's scope (404
// outside it), in one transaction. When the change may end the employee's
// being an active admin (mayUnseatAdmin: another role, or deactivation), the
// company's active admins are locked first, in ID order, so that concurrent
// changes are decided one after the other and never leave the company with
// none; then the employee is locked and read afresh.
func (h *handlers) changeEmployee(c *gin.Context, id uuid.UUID, mayUnseatAdmin bool,
	change func(ctx context.Context, q *db.Queries, old db.Customer) (db.Customer, error)) (db.Customer, error) {
	scope, err := companyScope(c)
	if err != nil {
		return db.Customer{}, err
	}
	ctx := c.Request.Context()
	var e db.Customer
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		var admins []uuid.UUID
		if mayUnseatAdmin {
			found, err := q.CustomerGet(ctx, db.CustomerGetParams{ID: id, CompanyID: scope})
			if err != nil {
				return err
			}
			if admins, err = q.CustomerLockActiveAdmins(ctx, found.CompanyID); err != nil {
				return err
			}
		}
		old, err := q.CustomerLock(ctx, db.CustomerLockParams{ID: id, CompanyID: scope})
		if err != nil {
			return err
		}
		if e, err = change(ctx, q, old); err != nil {
			return err
		}
		wasAdmin := old.Role == string(commerce.RoleCompanyAdmin) && old.DeactivatedAt == nil
		isAdmin := e.Role == string(commerce.RoleCompanyAdmin) && e.DeactivatedAt == nil
		if wasAdmin && !isAdmin && !slices.ContainsFunc(admins, func(a uuid.UUID) bool { return a != id }) {
			return errLastAdmin
		}
		return nil
	})
	if err != nil {
		return db.Customer{}, err
	}
	h.server.ForgetPrincipals()
	return e, nil
}

// issueEmployeeToken gives an employee within the caller's scope a new bearer
// token; a deactivated employee gets none (409 employee_deactivated).
func (h *handlers) issueEmployeeToken(c *gin.Context) {
	id, err := api.PathUUID(c, "employee_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	scope, err := companyScope(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	e, err := h.q.CustomerGet(c.Request.Context(), db.CustomerGetParams{ID: id, CompanyID: scope})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	if e.DeactivatedAt != nil {
		api.RespondError(c, conflict("employee_deactivated", "", "the employee was deactivated and gets no token"))
		return
	}
	h.issueToken(c, db.APITokenCreateParams{CustomerID: uuid.NullUUID{UUID: id, Valid: true}})
}

// listTokens pages through the tokens of a company's employees (the one in
// the path, or the company admin's own), oldest first, never their secrets.
func (h *handlers) listTokens(c *gin.Context) {
	now := time.Now()
	var page TokenPage
	var ok bool
	page.Tokens, page.NextCursor, ok = listForCompany(h, c,
		func(ctx context.Context, companyID uuid.UUID, p api.KeysetPage) ([]db.APITokenListByCompanyRow, error) {
			return h.q.APITokenListByCompany(ctx, db.APITokenListByCompanyParams{
				CompanyID: companyID, AfterCreatedAt: p.AfterAt, AfterID: p.AfterID, RowLimit: p.RowLimit()})
		},
		func(r db.APITokenListByCompanyRow) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(_ db.Company, r db.APITokenListByCompanyRow) Token {
			return tokenOf(r.ID, r.CustomerID, uuid.NullUUID{}, r.Label, r.CreatedAt, r.ExpiresAt, r.RevokedAt, now)
		})
	if ok {
		c.JSON(http.StatusOK, page)
	}
}

// revokeToken revokes a token within the caller's scope (ops: any token, a
// staff member's too). It stops working on every server at once: the change
// notifies them to drop their cached principals. Twice is the same as once.
func (h *handlers) revokeToken(c *gin.Context) {
	id, err := api.PathUUID(c, "token_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	scope, err := companyScope(c)
	if err != nil {
		api.RespondError(c, err)
		return
	}
	r, err := h.q.APITokenRevoke(c.Request.Context(), db.APITokenRevokeParams{ID: id, CompanyID: scope})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	h.server.ForgetPrincipals()
	c.JSON(http.StatusOK, tokenOf(r.ID, r.CustomerID, r.StaffID, r.Label, r.CreatedAt, r.ExpiresAt, r.RevokedAt, time.Now()))
}

// createStaff adds a member of the seller's staff.
func (h *handlers) createStaff(c *gin.Context) {
	var req personRequest
	if err := api.BindJSON(c, &req, false); err != nil {
		api.RespondError(c, err)
		return
	}
	p := db.StaffCreateParams{ID: uuid.New()}
	var err error
	if p.Email, err = checkEmail("email", req.Email); err == nil {
		if p.Name, err = requiredText("name", deref(req.Name), maxName); err == nil {
			p.Role, err = checkRole(req.Role, false)
		}
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	m, err := h.q.StaffCreate(c.Request.Context(), p)
	if err != nil {
		api.RespondError(c, violation(err, "email", ""))
		return
	}
	c.JSON(http.StatusCreated, staffOf(m))
}

// issueStaffToken gives a staff member a new bearer token.
func (h *handlers) issueStaffToken(c *gin.Context) {
	id, err := api.PathUUID(c, "staff_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	h.issueToken(c, db.APITokenCreateParams{StaffID: uuid.NullUUID{UUID: id, Valid: true}})
}

// issueToken makes a token for the principal in p and stores only its hash. The
// body, {"label": "...", "expires_at": "..."}, is optional; without
// expires_at the token works until it is revoked.
func (h *handlers) issueToken(c *gin.Context, p db.APITokenCreateParams) {
	var req tokenRequest
	if err := api.BindJSON(c, &req, true); err != nil {
		api.RespondError(c, err)
		return
	}
	label := strings.TrimSpace(req.Label)
	if len([]rune(label)) > maxLabel {
		api.RespondError(c, api.FieldError("label", fmt.Sprintf("label must be at most %d characters", maxLabel)))
		return
	}
	expires, err := checkExpiry(req.ExpiresAt, time.Now())
	if err != nil {
		api.RespondError(c, err)
		return
	}
	token := apitoken.New()
	p.TokenHash, p.Label, p.ExpiresAt = apitoken.Hash(token), label, expires
	created, err := h.q.APITokenCreate(c.Request.Context(), p)
	if db.IsForeignKeyViolation(err) {
		err = api.ErrNotFound // the employee or staff member in the path
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, IssuedToken{ID: created.ID, Token: token, Label: label, CreatedAt: created.CreatedAt.UTC(),
		ExpiresAt: utcOrNil(created.ExpiresAt)})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
