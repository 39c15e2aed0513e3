-- Issue 5: finding whether a consent's coming end was already announced is one index search, so the
-- sweeper can ask every minute for every consent ending within the week.
CREATE INDEX notifications_consent_expires ON notifications (citizen_id, company_id, deadline) WHERE kind = 'consent_expires';
