-- Issue 9: the companies in a citizen's history come from a small table of (citizen, company) pairs that a
-- trigger keeps as requests are made, instead of a skip scan of data_requests_citizen_company. That index
-- put one more random page of a million-row index into every new request's commit (written, synced and
-- checkpointed); the pair table is written only by a citizen's first request from a company, and read
-- (not written) by every later one. The history's company filter is served by the citizen's own index in
-- time order, and the requests a revoked consent cancels (P3), approved ones only, by a partial index that
-- a new request, pending or delivered, never touches.
CREATE TABLE citizen_companies (
    citizen_id INTEGER NOT NULL REFERENCES users (id),
    company_id INTEGER NOT NULL REFERENCES companies (id),
    PRIMARY KEY (citizen_id, company_id)
) STRICT, WITHOUT ROWID;
INSERT INTO citizen_companies (citizen_id, company_id) SELECT DISTINCT citizen_id, company_id FROM data_requests;
CREATE TRIGGER data_requests_pair AFTER INSERT ON data_requests
BEGIN
    INSERT OR IGNORE INTO citizen_companies (citizen_id, company_id) VALUES (new.citizen_id, new.company_id);
END;
DROP INDEX data_requests_citizen_company;
CREATE INDEX data_requests_citizen_approved ON data_requests (citizen_id, company_id) WHERE status = 'approved';
