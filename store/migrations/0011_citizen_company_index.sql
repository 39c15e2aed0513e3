-- Issue 9: data_requests_citizen_company put one more random page (of a million-row index) into every new
-- request's commit, to serve two rare reads: the history filtered by company, which the citizen's own index
-- (data_requests_citizen_created) serves in time order, and the requests a revoked consent cancels (P3),
-- which are approved ones only. A partial index over the approved requests serves P3, and a new request,
-- pending or delivered, never touches it.
DROP INDEX data_requests_citizen_company;
CREATE INDEX data_requests_citizen_approved ON data_requests (citizen_id, company_id) WHERE status = 'approved';
