-- Issue 9: a citizen's pending requests are found without reading their whole history. The dashboard and
-- every live event list them (OpenRequests); with data_requests_citizen_created alone, a citizen with a
-- thousand past requests cost a thousand row lookups on every page view and every event.
CREATE INDEX data_requests_citizen_pending ON data_requests (citizen_id, deadline) WHERE status = 'pending';
