-- landed_events keeps who delivered which event, not the event again: every delivery of an event
-- holds the same seven fields (they are hashed into event_id), and raw_events has them once.
ALTER TABLE landed_events DROP COLUMN client_id;
ALTER TABLE landed_events DROP COLUMN page_url;
ALTER TABLE landed_events DROP COLUMN referrer;
ALTER TABLE landed_events DROP COLUMN event_at;
ALTER TABLE landed_events DROP COLUMN event_name;
ALTER TABLE landed_events DROP COLUMN event_data;
ALTER TABLE landed_events DROP COLUMN user_agent;
