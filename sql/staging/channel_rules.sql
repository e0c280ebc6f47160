-- Grain: one row per condition of a channel rule of the channel group in use: GA4's default channel group
-- (sql/seeds/ga4_default_channel_group.csv) or the shop's own (CLICKSTREAM_CHANNEL_GROUP_FILE).
-- A session's channel is the first channel, by priority, one of whose rules its source, medium, campaign and
-- source category meet: every condition of the rule (same priority and rule) holds; match types are GA4's
-- (EXACT, BEGINS_WITH, ENDS_WITH, CONTAINS, FULL_REGEXP, PARTIAL_REGEXP, IN_LIST with '|' between values), all
-- case-insensitive. Unassigned when none matches. Each run compiles this table into the channel_of macro.
-- depends_on: seed_channel_rules
-- scope: all
select priority, channel, rule, field, match_type, value
from seed_channel_rules
