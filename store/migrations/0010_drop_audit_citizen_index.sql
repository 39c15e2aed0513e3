-- Issue 9: no query reads the audit log by citizen (the portal shows citizens their requests and consent
-- events, not audit rows), yet audit_log_citizen took one more random page into every write's commit: a
-- busy batch of requests wrote, synced and later checkpointed a page of it per request. Whoever builds a
-- per-citizen view of the audit log adds the index back with it.
DROP INDEX audit_log_citizen;
