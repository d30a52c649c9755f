package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
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
	Token     string    `json:"token"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
}

func employeeOf(c db.Customer) Employee {
	return Employee{ID: c.ID, CompanyID: c.CompanyID, Email: c.Email, Name: c.Name, Role: c.Role, CreatedAt: c.CreatedAt.UTC()}
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
	Label string `json:"label"`
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

// createEmployee adds a person to a company.
func (h *handlers) createEmployee(c *gin.Context) {
	companyID, err := api.PathUUID(c, "company_id")
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

// updateEmployee renames an employee or changes their role; a new role
// takes effect on this server at once and on others within 30 s (their token cache).
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
	ctx := c.Request.Context()
	var e db.Customer
	err = db.InTx(ctx, h.pool, func(q *db.Queries) error {
		old, err := q.CustomerLock(ctx, id)
		if err != nil {
			return err
		}
		p := db.CustomerUpdateParams{ID: id, Name: old.Name, Role: old.Role}
		if req.Name != nil {
			p.Name = name
		}
		if req.Role != nil {
			p.Role = role
		}
		e, err = q.CustomerUpdate(ctx, p)
		return err
	})
	if err != nil {
		api.RespondError(c, err)
		return
	}
	h.server.ForgetPrincipals()
	c.JSON(http.StatusOK, employeeOf(e))
}

// issueEmployeeToken gives an employee a new bearer token.
func (h *handlers) issueEmployeeToken(c *gin.Context) {
	id, err := api.PathUUID(c, "employee_id")
	if err != nil {
		api.RespondError(c, err)
		return
	}
	h.issueToken(c, db.APITokenCreateParams{CustomerID: uuid.NullUUID{UUID: id, Valid: true}})
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
// body, {"label": "..."}, is optional.
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
	token := apitoken.New()
	p.TokenHash, p.Label = apitoken.Hash(token), label
	created, err := h.q.APITokenCreate(c.Request.Context(), p)
	if db.IsForeignKeyViolation(err) {
		err = api.ErrNotFound // the employee or staff member in the path
	}
	if err != nil {
		api.RespondError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, IssuedToken{Token: token, Label: label, CreatedAt: created.UTC()})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
