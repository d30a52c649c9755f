-- A company runs its own people and tokens.
--
-- A token gets an ID to be listed and revoked by (its hash stays a secret of
-- the server) and an optional expiry, enforced on every request. An employee
-- can be deactivated: kept, because orders, quotes and timelines name them,
-- but no token of theirs works any more.
ALTER TABLE api_tokens
    ADD COLUMN id         uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN expires_at timestamptz;
CREATE INDEX api_tokens_customer_idx ON api_tokens (customer_id, created_at, id) WHERE customer_id IS NOT NULL;

ALTER TABLE customers ADD COLUMN deactivated_at timestamptz;

-- A refused checkout's figures (credit, spend, limits), shown to the company's
-- approvers and admins and to ops, never to buyers: failure_reason is the
-- buyer's sentence, without them.
ALTER TABLE carts ADD COLUMN failure_details jsonb;

-- An approval's reasons as the buyer reads them: without the company's spend
-- figures (reasons keeps them, for approvers, admins and ops). NULL for
-- requests made before: buyers are shown no reasons for those.
ALTER TABLE approval_requests ADD COLUMN buyer_reasons text[];

-- API servers cache who a token is. Any change to who a token is (revoked,
-- expiry changed, deleted; an employee's role, name or deactivation; a staff
-- member's role or name; a company's currency) notifies the channel
-- orderflow_principals when its transaction commits, whoever made it (the API,
-- a script, psql), and every API server listening drops its cache.
CREATE FUNCTION notify_principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orderflow_principals', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_principals_changed
    AFTER UPDATE OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_principals_changed();

CREATE TRIGGER customers_principals_changed
    AFTER UPDATE OF role, name, deactivated_at, company_id ON customers
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.deactivated_at IS DISTINCT FROM NEW.deactivated_at OR OLD.company_id IS DISTINCT FROM NEW.company_id)
    EXECUTE FUNCTION notify_principals_changed();

CREATE TRIGGER staff_principals_changed
    AFTER UPDATE OF role, name ON staff
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION notify_principals_changed();

CREATE TRIGGER companies_principals_changed
    AFTER UPDATE OF currency ON companies
    FOR EACH ROW
    WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION notify_principals_changed();
