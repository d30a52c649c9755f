package api

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

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

type adminPersonRequest struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
	Role  *string `json:"role"`
}

type adminTokenRequest struct {
	Label string `json:"label"`
}

// checkEmail checks an address and returns it lower-cased, so that one person
// cannot get two accounts by changing case.
func checkEmail(field string, v *string) (string, error) {
	if v == nil || *v == "" {
		return "", fieldError(field, field+" is required")
	}
	a, err := mail.ParseAddress(*v)
	if err != nil || a.Address != *v || len(*v) > maxEmail {
		return "", fieldError(field, field+" must be a plain email address such as ana@example.com")
	}
	return strings.ToLower(*v), nil
}

// checkRole checks a role against the side it must belong to.
func checkRole(v *string, companySide bool) (string, error) {
	if v == nil {
		return "", fieldError("role", "role is required")
	}
	r := commerce.Role(*v)
	if companySide && !r.CompanySide() {
		return "", fieldError("role", `role must be "buyer", "approver" or "company_admin"`)
	}
	if !companySide && !r.SellerSide() {
		return "", fieldError("role", `role must be "sales_rep", "sales_manager" or "ops"`)
	}
	return *v, nil
}

// adminCreateEmployee adds a person to a company.
func (s *Server) adminCreateEmployee(c *gin.Context) {
	companyID, err := pathUUID(c, "company_id")
	if err != nil {
		respondError(c, err)
		return
	}
	var req adminPersonRequest
	if err := bindJSON(c, &req, false); err != nil {
		respondError(c, err)
		return
	}
	p := db.CustomerCreateParams{ID: uuid.New(), CompanyID: companyID}
	if p.Email, err = checkEmail("email", req.Email); err == nil {
		if p.Name, err = requiredText("name", deref(req.Name), maxAdminName); err == nil {
			p.Role, err = checkRole(req.Role, true)
		}
	}
	if err != nil {
		respondError(c, err)
		return
	}
	e, err := s.q.CustomerCreate(c.Request.Context(), p)
	if db.IsForeignKeyViolation(err) {
		err = errNotFound // the company in the path
	}
	if err != nil {
		respondError(c, violation(err, "email", ""))
		return
	}
	c.JSON(http.StatusCreated, employeeOf(e))
}

// adminListEmployees pages through a company's employees, oldest first.
func (s *Server) adminListEmployees(c *gin.Context) {
	var page EmployeePage
	var ok bool
	page.Employees, page.NextCursor, ok = listForCompany(s, c,
		func(ctx context.Context, companyID uuid.UUID, p keysetPage) ([]db.Customer, error) {
			return s.q.CustomerListByCompany(ctx, db.CustomerListByCompanyParams{
				CompanyID: companyID, AfterCreatedAt: p.afterAt, AfterID: p.afterID, RowLimit: p.rowLimit()})
		},
		func(r db.Customer) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID },
		func(_ db.Company, r db.Customer) Employee { return employeeOf(r) })
	if ok {
		c.JSON(http.StatusOK, page)
	}
}

// adminUpdateEmployee renames an employee or changes their role; a new role
// takes effect on this server at once and on others within 30 s (their token cache).
func (s *Server) adminUpdateEmployee(c *gin.Context) {
	id, err := pathUUID(c, "employee_id")
	if err != nil {
		respondError(c, err)
		return
	}
	var req adminPersonRequest
	if err := bindJSON(c, &req, false); err != nil {
		respondError(c, err)
		return
	}
	if req.Email != nil {
		respondError(c, fieldError("email", "email cannot be changed; add a new employee instead"))
		return
	}
	var name, role string
	if req.Name != nil {
		if name, err = requiredText("name", *req.Name, maxAdminName); err != nil {
			respondError(c, err)
			return
		}
	}
	if req.Role != nil {
		if role, err = checkRole(req.Role, true); err != nil {
			respondError(c, err)
			return
		}
	}
	ctx := c.Request.Context()
	var e db.Customer
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
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
		respondError(c, err)
		return
	}
	s.principals.clear()
	c.JSON(http.StatusOK, employeeOf(e))
}

// adminIssueEmployeeToken gives an employee a new bearer token.
func (s *Server) adminIssueEmployeeToken(c *gin.Context) {
	id, err := pathUUID(c, "employee_id")
	if err != nil {
		respondError(c, err)
		return
	}
	s.issueToken(c, db.APITokenCreateParams{CustomerID: uuid.NullUUID{UUID: id, Valid: true}})
}

// adminCreateStaff adds a member of the seller's staff.
func (s *Server) adminCreateStaff(c *gin.Context) {
	var req adminPersonRequest
	if err := bindJSON(c, &req, false); err != nil {
		respondError(c, err)
		return
	}
	p := db.StaffCreateParams{ID: uuid.New()}
	var err error
	if p.Email, err = checkEmail("email", req.Email); err == nil {
		if p.Name, err = requiredText("name", deref(req.Name), maxAdminName); err == nil {
			p.Role, err = checkRole(req.Role, false)
		}
	}
	if err != nil {
		respondError(c, err)
		return
	}
	m, err := s.q.StaffCreate(c.Request.Context(), p)
	if err != nil {
		respondError(c, violation(err, "email", ""))
		return
	}
	c.JSON(http.StatusCreated, staffOf(m))
}

// adminIssueStaffToken gives a staff member a new bearer token.
func (s *Server) adminIssueStaffToken(c *gin.Context) {
	id, err := pathUUID(c, "staff_id")
	if err != nil {
		respondError(c, err)
		return
	}
	s.issueToken(c, db.APITokenCreateParams{StaffID: uuid.NullUUID{UUID: id, Valid: true}})
}

// issueToken makes a token for the principal in p and stores only its hash. The
// body, {"label": "..."}, is optional.
func (s *Server) issueToken(c *gin.Context, p db.APITokenCreateParams) {
	var req adminTokenRequest
	if err := bindJSON(c, &req, true); err != nil {
		respondError(c, err)
		return
	}
	label := strings.TrimSpace(req.Label)
	if len([]rune(label)) > maxAdminLabel {
		respondError(c, fieldError("label", fmt.Sprintf("label must be at most %d characters", maxAdminLabel)))
		return
	}
	token := NewToken()
	p.TokenHash, p.Label = HashToken(token), label
	created, err := s.q.APITokenCreate(c.Request.Context(), p)
	if db.IsForeignKeyViolation(err) {
		err = errNotFound // the employee or staff member in the path
	}
	if err != nil {
		respondError(c, err)
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
